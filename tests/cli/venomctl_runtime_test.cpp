// `venomctl switch` and `venomctl ps` against a venomd that can reach a (fake) OpenAI: a cloud
// switch starts and stops no process, so it runs here without the fake local runtimes.
#include <gtest/gtest.h>

#include "cli/venomctl_fixture.hpp"
#include "fakes/fake_openai.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class VenomctlRuntimeTest : public VenomctlTest {
protected:
    void SetUp() override {
        start_daemon(std::nullopt, [this](Config& c) {
            c.openai_base_url = openai_.api_url();
            c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey);
        });
    }

    json active_runtime() const {
        return daemon_->get("/api/v1/system/llm-runtime/active").json()["runtime"];
    }

    FakeOpenAi openai_;
};

TEST_F(VenomctlRuntimeTest, SwitchToACloudRuntimeMakesItActiveAndPsSaysSo) {
    const VenomctlRun run = venomctl({"switch", "openai", "gpt-4.1-mini"});

    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_TRUE(has(run.out, "active: openai, model gpt-4.1-mini")) << run.out;
    EXPECT_EQ(active_runtime()["provider"], "openai");
    EXPECT_EQ(active_runtime()["model"], "gpt-4.1-mini");

    const VenomctlRun ps = venomctl({"ps"});
    EXPECT_EQ(ps.exit_code, 0) << ps.out << ps.err;
    EXPECT_TRUE(has(ps.out, "active runtime: openai, model gpt-4.1-mini")) << ps.out;
    // The key venomd holds is never shown, in either command.
    EXPECT_FALSE(has(run.out + run.err + ps.out + ps.err, std::string(FakeOpenAi::kDefaultApiKey)));
}

TEST_F(VenomctlRuntimeTest, SwitchToAModelTheProviderLacksIsRefusedAndChangesNothing) {
    const json before = active_runtime();

    const VenomctlRun run = venomctl({"switch", "openai", "gpt-no-such-model"});

    EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
    EXPECT_TRUE(has(run.err, "(unknown_model)")) << run.err;
    EXPECT_EQ(active_runtime(), before);
}

TEST_F(VenomctlRuntimeTest, SwitchJsonIsVenomdsAnswer) {
    const VenomctlRun run = venomctl({"switch", "openai", "gpt-4.1-mini", "--json"});

    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json answer = json::parse(run.out);
    EXPECT_EQ(answer["active_server"], "openai");
    EXPECT_EQ(answer["active_model"], "gpt-4.1-mini");
    EXPECT_TRUE(answer["steps"].is_array());
}

TEST_F(VenomctlRuntimeTest, PsJsonHoldsBothAnswersAsVenomdGivesThem) {
    ASSERT_EQ(venomctl({"switch", "openai", "gpt-4.1-mini"}).exit_code, 0);

    const VenomctlRun run = venomctl({"ps", "--json"});

    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json answer = json::parse(run.out);
    // Latencies change from one call to the next; the servers and the active runtime do not.
    const json servers = daemon_->get("/api/v1/system/llm-servers").json()["servers"];
    ASSERT_EQ(answer["llm_servers"]["servers"].size(), servers.size()) << answer.dump();
    for (std::size_t i = 0; i < servers.size(); ++i) {
        EXPECT_EQ(answer["llm_servers"]["servers"][i]["name"], servers[i]["name"]);
    }
    EXPECT_EQ(answer["llm_runtime_active"]["runtime"], active_runtime());
}

}  // namespace
}  // namespace venom::testing

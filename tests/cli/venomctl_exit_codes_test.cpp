// What scripts rely on: --json prints venomd's answers unchanged, and the exit code tells each
// class of failure apart (docs/venomctl.md "Exit codes").
#include <gtest/gtest.h>

#include "cli/venomctl_fixture.hpp"
#include "fakes/fake_http_server.hpp"
#include "support/free_port.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class VenomctlExitCodeTest : public VenomctlTest {};

TEST_F(VenomctlExitCodeTest, JsonOutputIsVenomdsAnswer) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);
    ASSERT_EQ(venomctl({"pull", "llama3"}).exit_code, 0);

    const VenomctlRun ls = venomctl({"ls", "--json"});
    ASSERT_EQ(ls.exit_code, 0) << ls.err;
    const json models = json::parse(ls.out);
    EXPECT_EQ(models["count"], 1);
    EXPECT_EQ(models["models"][0]["name"], "llama3:latest");
    EXPECT_EQ(models, daemon_->get("/api/v1/models").json());

    const VenomctlRun ops = venomctl({"--json", "ops", "--limit", "5"});  // before the command
    ASSERT_EQ(ops.exit_code, 0) << ops.err;
    const json operations = json::parse(ops.out);
    ASSERT_EQ(operations["count"], 1);
    EXPECT_EQ(operations["operations"][0]["status"], "completed");

    const VenomctlRun health = venomctl({"health", "--json"});
    ASSERT_EQ(health.exit_code, 0) << health.err;
    EXPECT_EQ(json::parse(health.out)["status"], "ok");
}

TEST_F(VenomctlExitCodeTest, LsPrintsATableOfInstalledModels) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);
    ASSERT_EQ(venomctl({"pull", "llama3"}).exit_code, 0);

    const VenomctlRun ls = venomctl({"ls"});

    ASSERT_EQ(ls.exit_code, 0) << ls.err;
    EXPECT_TRUE(has(ls.out, "NAME           PROVIDER  RUNTIME     SIZE  ACTIVE\n")) << ls.out;
    EXPECT_TRUE(has(ls.out, "llama3:latest  ollama    ollama   4.3 GiB")) << ls.out;
}

TEST_F(VenomctlExitCodeTest, UsageErrorsExit2) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"ls", "--no-such-option"},
                                                 {},
                                                 {"pull"},
                                                 {"pull", "x", "--provider", "nope"},
                                                 {"ops", "--limit", "0"}}) {
        const VenomctlRun run = venomctl(args);
        EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(args) << run.err;
        EXPECT_FALSE(run.err.empty()) << ::testing::PrintToString(args);
    }
    EXPECT_EQ(run_venomctl({"health", "--url", "ftp://x"}).exit_code, 2);
    const VenomctlRun misspelt = venomctl({"lss"});
    EXPECT_EQ(misspelt.exit_code, 2);
    EXPECT_TRUE(has(misspelt.err, "lss")) << misspelt.err;  // names what it did not understand
    const VenomctlRun help = venomctl({"pull", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_TRUE(has(help.out, "--provider")) << help.out;
}

TEST_F(VenomctlExitCodeTest, NothingListeningExits3) {
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(free_loopback_port());
    const VenomctlRun run = run_venomctl({"health"}, {{"VENOM_URL", nowhere}});
    EXPECT_EQ(run.exit_code, 3) << run.err;
    EXPECT_TRUE(has(run.err, "cannot reach venomd at " + nowhere)) << run.err;
}

TEST_F(VenomctlExitCodeTest, VenomdRefusingExits4AndNamesTheCode) {
    const VenomctlRun run = venomctl({"rm", "nothing:latest"});
    EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
    EXPECT_TRUE(has(run.err, "venomctl: ")) << run.err;
    EXPECT_TRUE(has(run.err, "(model_not_found)")) << run.err;

    // Under --json the error body is printed too, unchanged.
    const VenomctlRun json_run = venomctl({"rm", "nothing:latest", "--json"});
    EXPECT_EQ(json_run.exit_code, 4);
    EXPECT_EQ(json::parse(json_run.out)["code"], "model_not_found") << json_run.out;
}

class VenomctlTokenTest : public VenomctlTest {
protected:
    void SetUp() override { start_daemon(kToken); }
    static constexpr const char* kToken = "tok-5f3a9c1e77d2";
};

TEST_F(VenomctlTokenTest, ProtectedRouteWithoutTheTokenExits4Unauthorized) {
    const VenomctlRun refused = venomctl({"rm", "nothing:latest"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_TRUE(has(refused.err, "(unauthorized)")) << refused.err;

    // With VENOM_API_TOKEN venomd lets it through (and then has no such model); the token is
    // never printed.
    const VenomctlRun allowed = venomctl({"rm", "nothing:latest"}, {{"VENOM_API_TOKEN", kToken}});
    EXPECT_EQ(allowed.exit_code, 4) << allowed.err;
    EXPECT_TRUE(has(allowed.err, "(model_not_found)")) << allowed.err;
    for (const VenomctlRun* run : {&refused, &allowed}) {
        EXPECT_FALSE(has(run->out + run->err, kToken));
    }
}

// VENOM_URL may name something that is not venomd: its words are shown, its escape sequences
// (clear screen, set the title, move the cursor) are not passed to the terminal.
TEST(VenomctlHostileAnswerTest, EscapeSequencesInAnAnswerNeverReachTheTerminal) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/api/v1/models", [](const FakeRequest&) {
        return FakeResponse::json(
            200, R"({"models":[{"name":"evil\u001b]0;owned\u0007\u001b[2J","provider":"ollama",)"
                 R"("runtime":"ollama\u009b31m","size_gb":1.0,"status":"installed"}],"count":1})");
    });
    server.on("GET", "/api/v1/health", [](const FakeRequest&) {
        return FakeResponse::json(503, R"({"success":false,"detail":"down\r\u001b[2Kfine",)"
                                       R"("code":"busy"})");
    });

    const VenomctlRun ls = run_venomctl({"ls", "--url", server.base_url()});
    EXPECT_EQ(ls.exit_code, 0) << ls.err;
    EXPECT_TRUE(has(ls.out, "evil")) << ls.out;
    const VenomctlRun health = run_venomctl({"health", "--url", server.base_url()});
    EXPECT_EQ(health.exit_code, 4);
    EXPECT_TRUE(has(health.err, "fine (busy)")) << health.err;
    for (const std::string& text : {ls.out, ls.err, health.out, health.err}) {
        EXPECT_FALSE(has(text, "\x1b")) << text;
        EXPECT_FALSE(has(text, "\r")) << text;
        EXPECT_FALSE(has(text, "\xc2\x9b")) << text;
    }
}

}  // namespace
}  // namespace venom::testing

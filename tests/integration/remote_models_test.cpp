// The web panel's Models -> Remote tab over HTTP, against the fake OpenAI and Gemini: provider
// status ("configured" only with a key the provider accepted), the catalogs, and the bindings.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "fakes/fake_gemini.hpp"
#include "fakes/fake_openai.hpp"
#include "integration/daemon_harness.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

class RemoteModelsTest : public ::testing::Test {
protected:
    void start(std::function<void(Config&)> keys) {
        daemon_ = std::make_unique<TestDaemon>([&](Config& c) {
            c.openai_base_url = openai_.api_url();
            c.gemini_base_url = gemini_.base_url();
            keys(c);
        });
        daemon_->start();
    }

    json get_ok(const std::string& path) {
        auto r = daemon_->get(path);
        EXPECT_EQ(r.status, 200) << path << ": " << r.body;
        return r.status == 200 ? r.json() : json::object();
    }

    std::map<std::string, json> providers() {
        json body = get_ok("/api/v1/models/remote/providers");
        EXPECT_EQ(body["status"], "success");
        EXPECT_EQ(body["count"], body["providers"].size());
        std::map<std::string, json> out;
        for (const auto& p : body["providers"]) out[p["provider"]] = p;
        return out;
    }

    FakeOpenAi openai_;
    FakeGemini gemini_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(RemoteModelsTest, ConfiguredOnlyWhenTheKeyIsSetAndTheProviderAcceptedIt) {
    start([](Config& c) {
        c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey);
        c.google_api_key = "AIza-wrong-key";
    });
    auto p = providers();
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p["openai"]["status"], "configured");
    EXPECT_TRUE(p["openai"]["latency_ms"].is_number()) << p["openai"].dump();
    EXPECT_TRUE(p["openai"]["last_check"].is_string());
    EXPECT_TRUE(p["openai"]["error"].is_null());

    // Gemini refuses the key: not green, and why, without the key.
    EXPECT_EQ(p["google"]["status"], "unauthorized");
    EXPECT_TRUE(p["google"]["error"].is_string());
    EXPECT_TRUE(p["google"]["latency_ms"].is_number() || p["google"]["latency_ms"].is_null());
    const std::string body = daemon_->get("/api/v1/models/remote/providers").body;
    EXPECT_EQ(body.find("AIza-wrong-key"), std::string::npos);
    EXPECT_EQ(body.find(FakeOpenAi::kDefaultApiKey), std::string::npos);
}

TEST_F(RemoteModelsTest, AKeyOpenAiRefusesIsNotConfiguredAndNoKeyIsNeither) {
    openai_.set_api_key("sk-another-key");  // the daemon's key is now refused with 401
    start([](Config& c) { c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey); });
    auto p = providers();
    EXPECT_EQ(p["openai"]["status"], "unauthorized");
    EXPECT_NE(p["openai"]["error"].get<std::string>().find("401"), std::string::npos)
        << p["openai"].dump();
    EXPECT_EQ(p["google"]["status"], "not_configured");
    EXPECT_TRUE(p["google"]["latency_ms"].is_null());
    EXPECT_TRUE(p["google"]["last_check"].is_null());
}

TEST_F(RemoteModelsTest, CatalogHasThePanelsFieldsLiveOrBuiltIn) {
    start([](Config& c) { c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey); });
    json openai = get_ok("/api/v1/models/remote/catalog?provider=openai");
    EXPECT_EQ(openai["status"], "success");
    EXPECT_EQ(openai["provider"], "openai");
    EXPECT_EQ(openai["source"], "live");
    EXPECT_TRUE(openai["refreshed_at"].is_string());
    ASSERT_FALSE(openai["models"].empty());
    EXPECT_EQ(openai["count"], openai["models"].size());
    bool has_mini = false;
    for (const auto& m : openai["models"]) {
        for (const char* key : {"id", "name", "provider", "capabilities", "model_alias"}) {
            EXPECT_TRUE(m.contains(key)) << key << " in " << m.dump();
        }
        EXPECT_TRUE(m["capabilities"].is_array());
        EXPECT_NE(m["id"], "text-embedding-3-small");  // chat models only
        has_mini = has_mini || m["id"] == "gpt-4.1-mini";
    }
    EXPECT_TRUE(has_mini) << openai.dump();

    // No Google key: the built-in list, still with arrays of capabilities.
    json google = get_ok("/api/v1/models/remote/catalog?provider=google");
    EXPECT_EQ(google["source"], "fallback");
    ASSERT_FALSE(google["models"].empty());
    for (const auto& m : google["models"]) EXPECT_TRUE(m["capabilities"].is_array());
    EXPECT_EQ(get_ok("/api/v1/models/remote/catalog?provider=gem")["provider"], "google");

    auto unknown = daemon_->get("/api/v1/models/remote/catalog?provider=anthropic");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.json()["code"], "unknown_provider");
    auto missing = daemon_->get("/api/v1/models/remote/catalog");
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.json()["success"], false);
}

TEST_F(RemoteModelsTest, ConnectivityShowsWhatVenomdCallsAndTheActiveCloudRuntime) {
    start([](Config& c) { c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey); });
    auto switched = daemon_->post("/api/v1/system/llm-runtime/active",
                                  R"({"provider":"openai","model":"gpt-4.1-mini"})");
    ASSERT_EQ(switched.status, 200) << switched.body;

    json body = get_ok("/api/v1/models/remote/connectivity");
    EXPECT_EQ(body["status"], "success");
    EXPECT_EQ(body["count"], body["bindings"].size());
    std::map<std::string, json> bindings;
    for (const auto& b : body["bindings"]) {
        for (const char* key : {"service_id", "endpoint", "http_method", "provider", "model",
                                "routing_mode", "fallback_order", "status"}) {
            EXPECT_TRUE(b.contains(key)) << key << " in " << b.dump();
        }
        EXPECT_TRUE(b["fallback_order"].is_array());
        bindings[b["service_id"]] = b;
    }
    json runtime = bindings["llm-runtime"];
    EXPECT_EQ(runtime["provider"], "openai");
    EXPECT_EQ(runtime["model"], "gpt-4.1-mini");
    EXPECT_EQ(runtime["status"], "active");
    EXPECT_EQ(runtime["http_method"], "POST");
    EXPECT_EQ(runtime["endpoint"], openai_.api_url() + "/chat/completions");
    EXPECT_EQ(bindings["remote-catalog.openai"]["status"], "active");
    EXPECT_EQ(bindings["remote-catalog.google"]["status"], "disabled");
}

}  // namespace
}  // namespace venom::testing

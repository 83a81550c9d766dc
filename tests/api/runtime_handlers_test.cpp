// The runtime endpoints' validation and answers without any runtime running: nothing here may
// start a process or reach a network (the fixture's runner refuses, its endpoints are closed).
#include <gtest/gtest.h>

#include <fstream>

#include "api/api_fixture.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

class RuntimeHandlersTest : public testing::ApiFixture {
protected:
    std::string read(const std::filesystem::path& p) {
        std::ifstream in(p);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

TEST_F(RuntimeHandlersTest, ServerActionsCheckTheServerThenTheAction) {
    auto unknown = call("POST", "/api/v1/system/llm-servers/lmstudio/start");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(body_of(unknown)["code"], "unknown_server");
    auto bad_action = call("POST", "/api/v1/system/llm-servers/ollama/explode");
    EXPECT_EQ(bad_action.status, 400);
    EXPECT_EQ(body_of(bad_action)["code"], "unknown_action");
    // No service script in this fixture: the action is refused, not attempted.
    auto unsupported = call("POST", "/api/v1/system/llm-servers/vllm/start");
    EXPECT_EQ(unsupported.status, 400);
    EXPECT_EQ(body_of(unsupported)["code"], "action_unsupported");
}

TEST_F(RuntimeHandlersTest, ServerListShowsBothRuntimesOfflineWithoutScripts) {
    auto r = call("GET", "/api/v1/system/llm-servers");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = body_of(r);
    ASSERT_EQ(body["count"], 2);
    EXPECT_EQ(body["servers"][0]["name"], "ollama");
    EXPECT_EQ(body["servers"][1]["name"], "vllm");
    for (const auto& s : body["servers"]) {
        EXPECT_EQ(s["status"], "offline") << s.dump();
        EXPECT_EQ(s["supports"]["start"], false);
        EXPECT_TRUE(s["error_message"].is_string());
        EXPECT_TRUE(s["latency_ms"].is_number());
        EXPECT_TRUE(s["last_check"].is_string());
    }
    EXPECT_EQ(body["servers"][1]["health_url"], "http://127.0.0.1:9/health");
}

TEST_F(RuntimeHandlersTest, LocalSwitchValidatesBeforeTouchingAnything) {
    EXPECT_EQ(call("POST", "/api/v1/system/llm-servers/active", R"({"model":"x"})").status, 422);
    EXPECT_EQ(call("POST", "/api/v1/system/llm-servers/active", "{not json").status, 400);
    auto unknown = call("POST", "/api/v1/system/llm-servers/active", R"({"server_name":"tgi"})");
    EXPECT_EQ(unknown.status, 404);
    // Nothing used on vLLM before and no model given.
    auto no_model = call("POST", "/api/v1/system/llm-servers/active", R"({"server_name":"vllm"})");
    EXPECT_EQ(no_model.status, 400);
    EXPECT_EQ(body_of(no_model)["code"], "no_model");
    auto missing = call("POST", "/api/v1/system/llm-servers/active",
                        R"({"server_name":" VLLM ","model":"org/not-installed"})");
    EXPECT_EQ(missing.status, 404);
    json body = body_of(missing);
    EXPECT_EQ(body["code"], "model_not_found");
    ASSERT_EQ(body["steps"].size(), 1u) << body.dump();  // stopped at validation
    EXPECT_EQ(body["steps"][0]["step"], "validate_model");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "runtime.json"));
}

TEST_F(RuntimeHandlersTest, CloudSwitchNeedsTheProvidersKey) {
    auto r = call("POST", "/api/v1/system/llm-runtime/active",
                  R"({"provider":"openai","model":"gpt-4o-mini"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(body_of(r)["code"], "missing_api_key");
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find("OPENAI_API_KEY"), std::string::npos);
    auto gem = call("POST", "/api/v1/system/llm-runtime/active", R"({"provider":"gem"})");
    EXPECT_EQ(gem.status, 400);
    EXPECT_NE(body_of(gem)["detail"].get<std::string>().find("GOOGLE_API_KEY"), std::string::npos);
    auto unknown = call("POST", "/api/v1/system/llm-runtime/active", R"({"provider":"azure"})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(body_of(unknown)["code"], "unknown_provider");
    EXPECT_EQ(call("POST", "/api/v1/system/llm-runtime/active", R"({"model":"x"})").status, 422);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "runtime.json"));
}

TEST_F(RuntimeHandlersTest, ActiveRuntimeIsNullUntilOneIsChosenThenCarriesItsHash) {
    json none = body_of(call("GET", "/api/v1/system/llm-runtime/active"));
    EXPECT_TRUE(none["runtime"]["provider"].is_null());
    EXPECT_TRUE(none["runtime"]["config_hash"].is_null());
    EXPECT_EQ(none["runtime_switch_gate"]["in_progress"], false);

    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "llama3:latest").ok());
    json one = body_of(call("GET", "/api/v1/system/llm-runtime/active"));
    EXPECT_EQ(one["runtime"]["provider"], "ollama");
    EXPECT_EQ(one["runtime"]["endpoint"], "http://127.0.0.1:9");
    EXPECT_EQ(one["runtime"]["endpoint_port"], 9);
    EXPECT_EQ(one["runtime"]["service_type"], "local");
    const std::string hash = one["runtime"]["config_hash"];
    EXPECT_EQ(hash.size(), 12u);
    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "gemma2:2b").ok());
    json two = body_of(call("GET", "/api/v1/system/llm-servers/active"));
    EXPECT_EQ(two["active_server"], "ollama");
    EXPECT_EQ(two["active_model"], "gemma2:2b");
    EXPECT_NE(two["config_hash"], hash);  // another model, another hash
    EXPECT_EQ(two["last_models"]["ollama"], "gemma2:2b");
    EXPECT_EQ(two["last_models"]["vllm"], "");

    // The answer is kept between polls, but never past a change of the state.
    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "phi3:mini").ok());
    json three = body_of(call("GET", "/api/v1/system/llm-servers/active"));
    EXPECT_EQ(three["active_model"], "phi3:mini");
    EXPECT_EQ(three["last_models"]["ollama"], "phi3:mini");
}

// Issue 9, finding 6: a model id ends up in llm-runtime.env; one that could break out of its
// line is refused before anything is written.
TEST_F(RuntimeHandlersTest, HostileModelIdsAre400AndTheEnvFileIsUntouched) {
    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "llama3:latest").ok());
    const auto env_file = dir_ / "llm-runtime.env";
    const std::string before = read(env_file);
    const json hostile = "gpt-4o\"\nPYTHONPATH=\"/tmp/evil";
    const std::vector<std::pair<std::string, json>> calls = {
        {"/api/v1/system/llm-runtime/active", {{"provider", "openai"}, {"model", hostile}}},
        {"/api/v1/system/llm-servers/active", {{"server_name", "vllm"}, {"model", hostile}}},
        {"/api/v1/models/activate", {{"name", hostile}, {"runtime", "openai"}}},
        {"/api/v1/models/switch", {{"name", hostile}}},
        {"/api/v1/models/activate", {{"name", "gpt-4o $(id)"}, {"runtime", "openai"}}},
        {"/api/v1/models/activate", {{"name", "-rf"}, {"runtime", "openai"}}},
    };
    for (const auto& [target, body] : calls) {
        auto r = call("POST", target, body.dump());
        EXPECT_EQ(r.status, 400) << target << " " << r.body;
        EXPECT_EQ(body_of(r)["code"], "invalid_model_name") << target << " " << r.body;
    }
    EXPECT_EQ(read(env_file), before);
}

TEST_F(RuntimeHandlersTest, ModelSwitchNeedsAnActiveRuntime) {
    auto r = call("POST", "/api/v1/models/switch", R"({"name":"llama3:latest"})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(body_of(r)["code"], "no_active_runtime");
    EXPECT_EQ(call("POST", "/api/v1/models/switch", R"({})").status, 422);
}

TEST_F(RuntimeHandlersTest, OptionsListEveryRuntimeWithCloudDisabledWithoutKeys) {
    auto r = call("GET", "/api/v1/system/llm-runtime/options");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = body_of(r);
    std::vector<std::string> ids;
    for (const auto& rt : body["runtimes"]) ids.push_back(rt["runtime_id"]);
    EXPECT_EQ(ids, (std::vector<std::string>{"ollama", "vllm", "openai", "google"}));
    const json& openai = body["runtimes"][2];
    EXPECT_EQ(openai["status"], "disabled");
    EXPECT_EQ(openai["configured"], false);
    EXPECT_EQ(openai["reason"], "OPENAI_API_KEY not configured");
    EXPECT_FALSE(openai["models"].empty());  // the built-in list, so the panel can show them
    EXPECT_EQ(body["runtimes"][0]["status"], "offline");
    EXPECT_TRUE(body["model_catalog"]["trainable_models"].is_array());
}

}  // namespace
}  // namespace venom::api

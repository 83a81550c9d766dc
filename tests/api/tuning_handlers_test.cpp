// The tuning drawer's routes: GET/POST /api/v1/models/{name}/config (web-panel-calls.md §4.5).
#include <gmock/gmock.h>

#include "api/api_fixture.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class TuningHandlersTest : public ApiFixture {
protected:
    TuningHandlersTest() {
        ModelMetadata gemma;
        gemma.name = "google/gemma-2b-it";
        gemma.provider = "huggingface";
        gemma.runtime = "vllm";
        gemma.capabilities.max_context_length = 8192;
        EXPECT_TRUE(manifest_.upsert(gemma).ok());
    }

    api::HttpResponse post_config(const json& body) {
        return call("POST", "/api/v1/models/google%2Fgemma-2b-it/config", body.dump());
    }
};

TEST_F(TuningHandlersTest, GetAnswersTheSchemaAndCurrentValuesThePanelReads) {
    auto r = call("GET", "/api/v1/models/google%2Fgemma-2b-it/config");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = body_of(r);
    EXPECT_EQ(body["success"], true);
    EXPECT_EQ(body["model_name"], "google/gemma-2b-it");
    EXPECT_EQ(body["runtime"], "vllm");  // the model's own runtime when none is asked
    const json& schema = body["generation_schema"];
    for (const char* key :
         {"temperature", "top_p", "top_k", "max_tokens", "repeat_penalty", "context_length"}) {
        ASSERT_TRUE(schema.contains(key)) << key;
        for (const char* field : {"type", "default", "min", "max", "desc"}) {
            EXPECT_TRUE(schema[key].contains(field)) << key << "." << field;
        }
        EXPECT_EQ(body["current_values"][key], schema[key]["default"]) << key;
    }
    EXPECT_EQ(schema["context_length"]["max"], 8192);

    auto ollama = call("GET", "/api/v1/models/google%2Fgemma-2b-it/config?runtime=ollama");
    ASSERT_EQ(ollama.status, 200);
    EXPECT_EQ(body_of(ollama)["runtime"], "ollama");
    EXPECT_EQ(body_of(ollama)["generation_schema"]["context_length"]["default"], 4096);
}

TEST_F(TuningHandlersTest, UnknownModelIs404AndUnknownRuntimeIs400) {
    EXPECT_EQ(call("GET", "/api/v1/models/nobody%2Fnothing/config").status, 404);
    EXPECT_EQ(call("POST", "/api/v1/models/nobody%2Fnothing/config", R"({"params":{}})").status,
              404);
    auto cloud = call("GET", "/api/v1/models/google%2Fgemma-2b-it/config?runtime=openai");
    EXPECT_EQ(cloud.status, 400);
    EXPECT_EQ(body_of(cloud)["code"], "invalid_runtime");
    EXPECT_EQ(post_config({{"runtime", "tgi"}, {"params", {{"temperature", 0.5}}}}).status, 400);
}

TEST_F(TuningHandlersTest, PostStoresValidValuesAndGetShowsThem) {
    auto saved = post_config(
        {{"runtime", "vllm"}, {"params", {{"temperature", 0.3}, {"context_length", 4096}}}});
    ASSERT_EQ(saved.status, 200) << saved.body;
    json body = body_of(saved);
    EXPECT_EQ(body["success"], true);
    EXPECT_EQ(body["model_name"], "google/gemma-2b-it");
    EXPECT_EQ(body["runtime"], "vllm");
    EXPECT_EQ(body["params"], json({{"temperature", 0.3}, {"context_length", 4096}}));

    json got = body_of(call("GET", "/api/v1/models/google%2Fgemma-2b-it/config"));
    EXPECT_EQ(got["current_values"]["temperature"], 0.3);
    EXPECT_EQ(got["current_values"]["context_length"], 4096);
    EXPECT_EQ(got["current_values"]["top_k"], got["generation_schema"]["top_k"]["default"]);
    // Kept per runtime: Ollama's values for the same model are untouched.
    json ollama = body_of(call("GET", "/api/v1/models/google%2Fgemma-2b-it/config?runtime=ollama"));
    EXPECT_EQ(ollama["current_values"]["temperature"],
              ollama["generation_schema"]["temperature"]["default"]);
    EXPECT_EQ(generation_settings_.values(Runtime::vllm, "google/gemma-2b-it"),
              json({{"temperature", 0.3}, {"context_length", 4096}}));
}

TEST_F(TuningHandlersTest, InvalidValuesAre422NamingTheParameterAndStoreNothing) {
    ASSERT_EQ(post_config({{"params", {{"temperature", 0.3}}}}).status, 200);
    auto check = [&](const json& params, const std::string& named) {
        auto r = post_config({{"runtime", "vllm"}, {"params", params}});
        EXPECT_EQ(r.status, 422) << params.dump() << " " << r.body;
        EXPECT_THAT(body_of(r)["detail"].get<std::string>(), HasSubstr(named)) << r.body;
        EXPECT_EQ(body_of(r)["success"], false);
    };
    check({{"temperature", 9}, {"top_p", 0.5}}, "temperature");
    check({{"context_length", 8193}}, "context_length");
    check({{"top_k", "many"}}, "top_k");
    check({{"mirostat", 1}}, "mirostat");
    // Nothing stored by any of them: the earlier value stays, top_p was not taken either.
    EXPECT_EQ(generation_settings_.values(Runtime::vllm, "google/gemma-2b-it"),
              json({{"temperature", 0.3}}));

    auto missing = post_config({{"runtime", "vllm"}});
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(body_of(missing)["code"], "missing_field");
    EXPECT_EQ(post_config({{"params", json::array()}}).status, 422);
}

TEST_F(TuningHandlersTest, EmptyParamsForgetTheSavedValues) {
    ASSERT_EQ(post_config({{"params", {{"top_k", 10}}}}).status, 200);
    ASSERT_EQ(post_config({{"params", json::object()}}).status, 200);
    EXPECT_EQ(generation_settings_.values(Runtime::vllm, "google/gemma-2b-it"), json::object());
}

}  // namespace
}  // namespace venom::testing

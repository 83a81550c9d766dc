#include "venom/generation_schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "support/temp_dir.hpp"
#include "venom/generation_settings_store.hpp"

namespace venom {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

ModelMetadata model_with_context(std::int64_t max_context) {
    ModelMetadata m;
    m.name = "qwen2.5:0.5b";
    m.provider = "ollama";
    m.runtime = "ollama";
    m.capabilities.max_context_length = max_context;
    return m;
}

TEST(GenerationSchemaTest, EveryParameterHasTheShapeThePanelReads) {
    const json schema = generation_schema(Runtime::ollama, model_with_context(32768));
    for (const char* key :
         {"temperature", "top_p", "top_k", "max_tokens", "repeat_penalty", "context_length"}) {
        ASSERT_TRUE(schema.contains(key)) << key;
        const json& p = schema[key];
        EXPECT_TRUE(p["type"] == "float" || p["type"] == "int") << key;
        EXPECT_TRUE(p["default"].is_number()) << key;
        EXPECT_LE(p["min"].get<double>(), p["default"].get<double>()) << key;
        EXPECT_LE(p["default"].get<double>(), p["max"].get<double>()) << key;
        EXPECT_FALSE(p["desc"].get<std::string>().empty()) << key;
        EXPECT_FALSE(p.contains("options")) << key;  // omitted, not null, when unset
    }
    EXPECT_EQ(schema["temperature"]["type"], "float");
    EXPECT_EQ(schema["top_k"]["type"], "int");
}

TEST(GenerationSchemaTest, ContextLengthIsBoundedByTheModel) {
    const json ollama = generation_schema(Runtime::ollama, model_with_context(32768));
    EXPECT_EQ(ollama["context_length"]["max"], 32768);
    EXPECT_EQ(ollama["context_length"]["default"], 4096);
    const json vllm = generation_schema(Runtime::vllm, model_with_context(2048));
    EXPECT_EQ(vllm["context_length"]["max"], 2048);
    EXPECT_EQ(vllm["context_length"]["default"], 2048);  // vLLM's own: the whole context
    EXPECT_EQ(vllm["max_tokens"]["max"], 2048);
}

TEST(GenerationSchemaTest, ValidValuesPassWithIntsAsIntegers) {
    const json schema = generation_schema(Runtime::vllm, model_with_context(8192));
    auto ok = validate_generation_params(
        schema, {{"temperature", 1}, {"top_k", 20.0}, {"context_length", 4096}});
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE((*ok)["top_k"].is_number_integer());
    EXPECT_EQ((*ok)["temperature"], 1.0);
    EXPECT_TRUE(validate_generation_params(schema, json::object()));
}

TEST(GenerationSchemaTest, BadValuesAre422NamingEachParameter) {
    const json schema = generation_schema(Runtime::ollama, model_with_context(8192));
    auto check = [&](const json& params, const std::string& words) {
        auto r = validate_generation_params(schema, params);
        ASSERT_FALSE(r) << params.dump();
        EXPECT_EQ(r.error().http_status, 422);
        EXPECT_EQ(r.error().code, "invalid_parameter");
        EXPECT_THAT(r.error().message, HasSubstr(words)) << params.dump();
    };
    check({{"temperature", 3.5}}, "temperature must be at most 2");
    check({{"top_p", -0.1}}, "top_p must be at least 0");
    check({{"context_length", 8193}}, "context_length must be at most 8192");
    check({{"top_k", 2.5}}, "top_k must be a whole number");
    check({{"temperature", "hot"}}, "temperature must be a number");
    check({{"temperature", true}}, "temperature must be a number");
    check({{"seed", 1}}, "seed is not a parameter");
    // Every bad one is named, not only the first.
    check({{"top_k", 0}, {"max_tokens", 0}},
          "max_tokens must be at least 1 (got 0); top_k must be at least 1");
    auto not_object = validate_generation_params(schema, json::array());
    ASSERT_FALSE(not_object);
    EXPECT_EQ(not_object.error().http_status, 422);
}

TEST(GenerationSchemaTest, OllamaGetsItsOwnOptionNames) {
    // ollama/ollama api/types.go Options and Runner json tags.
    const json options = ollama_options({{"temperature", 0.2},
                                         {"top_p", 0.5},
                                         {"top_k", 10},
                                         {"max_tokens", 256},
                                         {"repeat_penalty", 1.3},
                                         {"context_length", 1024}});
    EXPECT_EQ(options, json({{"temperature", 0.2},
                             {"top_p", 0.5},
                             {"top_k", 10},
                             {"num_predict", 256},
                             {"repeat_penalty", 1.3},
                             {"num_ctx", 1024}}));
    EXPECT_TRUE(ollama_options(json::object()).empty());
}

TEST(GenerationSchemaTest, VllmGetsMaxModelLenAndAGenerationConfigOverride) {
    const VllmTuning t = vllm_tuning({{"temperature", 0.3},
                                      {"repeat_penalty", 1.2},
                                      {"max_tokens", 512},
                                      {"context_length", 1024}});
    EXPECT_EQ(t.max_model_len, 1024);
    ASSERT_TRUE(t.override_generation_config);
    EXPECT_EQ(json::parse(*t.override_generation_config),
              json({{"temperature", 0.3}, {"repetition_penalty", 1.2}, {"max_new_tokens", 512}}));
    const VllmTuning none = vllm_tuning(json::object());
    EXPECT_FALSE(none.max_model_len);
    EXPECT_FALSE(none.override_generation_config);
    EXPECT_FALSE(vllm_tuning({{"context_length", 2048}}).override_generation_config);
}

TEST(GenerationSettingsStoreTest, SavedValuesSurviveANewStoreAndAreKeptPerRuntime) {
    TempDir dir;
    const auto path = dir.path() / "generation-settings.json";
    {
        GenerationSettingsStore store(path);
        EXPECT_FALSE(store.load());
        ASSERT_TRUE(store.save(Runtime::ollama, "llama3:latest", {{"temperature", 0.2}}));
        ASSERT_TRUE(store.save(Runtime::vllm, "llama3:latest", {{"top_k", 5}}));
    }
    GenerationSettingsStore again(path);
    EXPECT_FALSE(again.load());
    EXPECT_EQ(again.values(Runtime::ollama, "llama3:latest"), json({{"temperature", 0.2}}));
    EXPECT_EQ(again.values(Runtime::vllm, "llama3:latest"), json({{"top_k", 5}}));
    EXPECT_EQ(again.values(Runtime::vllm, "other"), json::object());
    // Empty values forget the model.
    ASSERT_TRUE(again.save(Runtime::vllm, "llama3:latest", json::object()));
    EXPECT_EQ(again.values(Runtime::vllm, "llama3:latest"), json::object());
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr(".tmp-")));
    }
}

TEST(GenerationSettingsStoreTest, ADamagedFileIsAWarningAndACopyIsKeptForAPerson) {
    for (const std::string damaged :
         {R"({"ollama": {"m": 3}})", R"({"ollama": {"m": {"temperature": "hot"}}})"}) {
        TempDir dir;
        const auto path = dir.path() / "generation-settings.json";
        std::ofstream(path) << damaged;
        GenerationSettingsStore store(path);
        auto warning = store.load();
        ASSERT_TRUE(warning) << damaged;
        EXPECT_THAT(*warning, HasSubstr("damaged"));
        EXPECT_EQ(store.values(Runtime::ollama, "m"), json::object());
        // A later save replaces the file; the damaged text is still there to look at.
        ASSERT_TRUE(store.save(Runtime::ollama, "n", json{{"temperature", 0.5}}).ok());
        std::ifstream copy(dir.path() / "generation-settings.json.corrupt");
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(copy), {}), damaged);
    }
}

}  // namespace
}  // namespace venom

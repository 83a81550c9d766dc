#include <gtest/gtest.h>

#include "providers/ollama/library.hpp"
#include "providers/ollama/provider.hpp"

namespace venom::providers {
namespace {

class OllamaNamesTest : public ::testing::Test {
protected:
    FakeClock clock_;
    // Nothing listens there and nothing is called: these checks are local.
    OllamaModelProvider provider_{
        std::make_shared<OllamaClient>("http://127.0.0.1:9", OllamaClient::Timeouts{}),
        std::make_shared<OllamaLibrary>("http://127.0.0.1:9", std::chrono::seconds(1)), clock_,
        std::chrono::hours(1)};
};

TEST_F(OllamaNamesTest, AcceptsOllamasNameForms) {
    for (const char* name :
         {"llama3", "llama3:latest", "qwen2.5:0.5b", "jmorgan/model:7b",
          "hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M", "huggingface.co/org/repo",
          "localhost:5000/team/model:v1", "registry.ollama.ai/library/qwen3:latest"}) {
        EXPECT_TRUE(provider_.validate_install(name, Runtime::ollama).ok()) << name;
    }
}

TEST_F(OllamaNamesTest, RejectsOtherSlashFormsAndBadTags) {
    for (const char* name : {"a/b/c/d", "hf.co/org", "registry.example/a/b/c", "llama3:", "a:b:c",
                             "a:b/c", "ns.with.dots/model"}) {
        auto r = provider_.validate_install(name, Runtime::ollama);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().http_status, 400) << name;
        EXPECT_EQ(r.error().code, "invalid_model_name") << name;
    }
}

TEST_F(OllamaNamesTest, RuntimeMustBeOllama) {
    auto r = provider_.validate_install("llama3", Runtime::vllm);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_runtime");
    EXPECT_NE(r.error().message.find("'ollama'"), std::string::npos);
}

TEST_F(OllamaNamesTest, CanonicalNameIsOllamasShortestForm) {
    EXPECT_EQ(provider_.canonical_name("llama3"), "llama3:latest");
    EXPECT_EQ(provider_.canonical_name("library/qwen3"), "qwen3:latest");
    EXPECT_EQ(provider_.canonical_name("registry.ollama.ai/library/qwen3:latest"), "qwen3:latest");
    EXPECT_EQ(provider_.canonical_name("llama3:8b"), "llama3:8b");
    EXPECT_EQ(provider_.canonical_name("hf.co/org/repo"), "hf.co/org/repo:latest");
    EXPECT_EQ(provider_.canonical_name("hf.co/org/repo:Q4_K_M"), "hf.co/org/repo:Q4_K_M");
}

}  // namespace
}  // namespace venom::providers

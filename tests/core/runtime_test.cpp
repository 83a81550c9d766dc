#include "venom/runtime.hpp"

#include <gtest/gtest.h>

#include <string>

namespace venom {
namespace {

TEST(RuntimeTest, EveryRuntimeParsesBackFromItsJsonSpelling) {
    for (Runtime runtime : kAllRuntimes) {
        EXPECT_EQ(parse_runtime(to_string(runtime)), runtime) << to_string(runtime);
    }
    EXPECT_EQ(to_string(Runtime::ollama), "ollama");
    EXPECT_EQ(to_string(Runtime::vllm), "vllm");
    EXPECT_EQ(to_string(Runtime::openai), "openai");
    EXPECT_EQ(to_string(Runtime::google), "google");
}

TEST(RuntimeTest, AcceptsTheNamesClientsUseForGeminiAndAnyCase) {
    for (const char* alias : {"gemini", "gem", "google-gemini", "Google", "GEMINI"}) {
        EXPECT_EQ(parse_runtime(alias), Runtime::google) << alias;
    }
    EXPECT_EQ(parse_runtime("OpenAI"), Runtime::openai);
    EXPECT_EQ(parse_runtime("Ollama"), Runtime::ollama);
    EXPECT_EQ(parse_runtime("vLLM"), Runtime::vllm);
}

TEST(RuntimeTest, RefusesWhatIsNoRuntime) {
    for (const char* text : {"", "onnx", "huggingface", "tgi", " ollama", "vllm ", "cloud"}) {
        EXPECT_EQ(parse_runtime(text), std::nullopt) << "'" << text << "'";
    }
}

TEST(RuntimeTest, LocalRuntimesHaveAScriptAndAProviderCloudOnesNeither) {
    EXPECT_TRUE(is_local(Runtime::ollama));
    EXPECT_TRUE(is_local(Runtime::vllm));
    EXPECT_FALSE(is_local(Runtime::openai));
    EXPECT_FALSE(is_local(Runtime::google));
    EXPECT_EQ(service_script(Runtime::ollama), "ollama_service.sh");
    EXPECT_EQ(service_script(Runtime::vllm), "vllm_service.sh");
    EXPECT_EQ(install_provider(Runtime::ollama), "ollama");
    EXPECT_EQ(install_provider(Runtime::vllm), "huggingface");
    for (Runtime cloud : {Runtime::openai, Runtime::google}) {
        EXPECT_EQ(service_script(cloud), std::nullopt);
        EXPECT_EQ(install_provider(cloud), std::nullopt);
    }
    for (Runtime local : kLocalRuntimes) EXPECT_TRUE(is_local(local));
}

}  // namespace
}  // namespace venom

// Ollama's own name rules (ollama/ollama types/model/name.go): every spelling of one model
// normalises to the form Ollama lists.
#include "venom/ollama_name.hpp"

#include <gtest/gtest.h>

namespace venom {
namespace {

std::string shown(const char* name) {
    auto r = ollama_display_name(name);
    EXPECT_TRUE(r.ok()) << name << ": " << (r ? "" : r.error().message);
    return r ? *r : "";
}

TEST(OllamaNameTest, DefaultHostNamespaceAndTagGiveOneName) {
    for (const char* name :
         {"qwen3", "qwen3:latest", "library/qwen3", "library/qwen3:latest",
          "registry.ollama.ai/library/qwen3", "registry.ollama.ai/library/qwen3:latest",
          "REGISTRY.ollama.ai/Library/qwen3:latest"}) {
        EXPECT_EQ(shown(name), "qwen3:latest") << name;
    }
}

TEST(OllamaNameTest, OtherHostsAndNamespacesAreKept) {
    EXPECT_EQ(shown("jmorgan/model:7b"), "jmorgan/model:7b");
    EXPECT_EQ(shown("registry.ollama.ai/jmorgan/model"), "jmorgan/model:latest");
    EXPECT_EQ(shown("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"),
              "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M");
    EXPECT_EQ(shown("hf.co/org/repo"), "hf.co/org/repo:latest");
    EXPECT_EQ(shown("localhost:5000/library/qwen3"), "localhost:5000/library/qwen3:latest");
    EXPECT_EQ(shown("my.registry:8443/team/model:v1.2"), "my.registry:8443/team/model:v1.2");
    EXPECT_EQ(shown("qwen2.5:0.5b"), "qwen2.5:0.5b");
    EXPECT_EQ(shown("Qwen3:8B"), "Qwen3:8B");  // case is kept, as Ollama keeps it
}

TEST(OllamaNameTest, NamesOllamaRefusesAreRefusedWithTheReason) {
    for (const char* name :
         {"", "llama3:", "a:b:c", "a:b/c", "hf.co/org", "ns.dot/model", "a/b/c/d", "-model",
          "model/", "/model", "ho st/ns/m", "m:-tag", "m:t@g"}) {
        auto r = ollama_display_name(name);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().http_status, 400) << name;
        EXPECT_EQ(r.error().code, "invalid_model_name") << name;
        EXPECT_NE(r.error().message.find("Ollama"), std::string::npos) << name;
    }
    EXPECT_FALSE(ollama_display_name(std::string(81, 'm')).ok());
    EXPECT_TRUE(ollama_display_name(std::string(80, 'm')).ok());
}

TEST(OllamaNameTest, SameNameIgnoresDefaultsAndCase) {
    EXPECT_TRUE(same_ollama_name("library/Qwen3", "qwen3:latest"));
    EXPECT_TRUE(same_ollama_name("registry.ollama.ai/library/llama3:latest", "LLAMA3"));
    EXPECT_FALSE(same_ollama_name("qwen3", "qwen3:8b"));
    EXPECT_FALSE(same_ollama_name("jmorgan/qwen3", "qwen3"));
}

}  // namespace
}  // namespace venom

#include <gtest/gtest.h>

#include "venom/config.hpp"

namespace venom {
namespace {

TEST(OllamaHostTest, ReadsEveryFormOllamaAccepts) {
    const std::pair<const char*, const char*> cases[] = {
        {"127.0.0.1", "http://127.0.0.1:11434"},
        {"0.0.0.0", "http://0.0.0.0:11434"},
        {"myhost:9999", "http://myhost:9999"},
        {"[::1]:11434", "http://[::1]:11434"},
        {"[::1]", "http://[::1]:11434"},
        {"::", "http://[::]:11434"},
        {"http://myhost", "http://myhost:80"},
        {"https://myhost", "https://myhost:443"},
        {"http://proxy/ollama/", "http://proxy:80/ollama"},
        {"ollama.com", "https://ollama.com:443"},
        {"myhost:99999", "http://myhost:11434"},
        {"myhost:abc", "http://myhost:11434"},
        {" \"myhost:1234\" ", "http://myhost:1234"},
        {":8080", "http://127.0.0.1:8080"},
    };
    for (const auto& [input, expected] : cases) {
        EXPECT_EQ(normalize_ollama_host(input), expected) << input;
    }
}

}  // namespace
}  // namespace venom

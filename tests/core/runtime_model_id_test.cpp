#include "venom/runtime_model_id.hpp"

#include <gtest/gtest.h>

namespace venom {
namespace {

TEST(RuntimeModelIdTest, AcceptsTheIdFormsRealProvidersUse) {
    for (const char* id :
         {"gpt-4o-mini", "ft:gpt-4o-mini-2024-07-18:org::9abc", "models/gemini-1.5-pro",
          "gemini-2.0-flash-001", "google/gemma-2b-it", "llama3.1:8b", "hf.co/org/repo:Q4_K_M",
          "registry.ollama.ai/library/qwen2.5:7b", "name@v2", "a+b", "o1"}) {
        EXPECT_TRUE(validate_runtime_model_id(id).ok()) << id;
    }
}

TEST(RuntimeModelIdTest, RefusesWhatCouldBreakOutOfAnEnvFileLine) {
    for (const char* id : {"", "gpt\"4o", "gpt-4o\nPYTHONPATH=/tmp", "a b", "$(id)", "`id`", "a\\b",
                           "a'b", "-rf", "/abs", "../x", "a/../b", "x/..", "é"}) {
        auto r = validate_runtime_model_id(id);
        ASSERT_FALSE(r.ok()) << id;
        EXPECT_EQ(r.error().http_status, 400);
        EXPECT_EQ(r.error().code, "invalid_model_name");
    }
    EXPECT_FALSE(validate_runtime_model_id(std::string(257, 'a')).ok());
}

}  // namespace
}  // namespace venom

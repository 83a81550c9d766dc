#include "venom/model_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace venom {
namespace {

TEST(ModelNameTest, AcceptsNamesUsersActuallyInstall) {
    for (const char* name :
         {"llama3:latest", "qwen2.5:0.5b", "google/gemma-2b-it", "Qwen/Qwen2.5-0.5B-Instruct",
          "hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M", "library/phi3:mini", "a"}) {
        EXPECT_TRUE(validate_model_name(name).ok()) << name;
    }
    EXPECT_TRUE(validate_model_name(std::string(200, 'a')).ok());
}

TEST(ModelNameTest, RejectsEmptyAndTooLong) {
    EXPECT_EQ(validate_model_name("").error().code, "invalid_model_name");
    auto too_long = validate_model_name(std::string(201, 'a'));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().http_status, 400);
    EXPECT_NE(too_long.error().message.find("200"), std::string::npos);
}

TEST(ModelNameTest, RejectsTraversalAttempts) {
    for (const char* name : {"..", "../etc/passwd", "org/../../etc", "a/..", "/etc/passwd", "a//b",
                             "a/", "./a", "a/./b", "..\\x", "%2e%2e/x", "~/x"}) {
        auto result = validate_model_name(name);
        EXPECT_FALSE(result.ok()) << name;
        if (!result.ok()) {
            EXPECT_EQ(result.error().http_status, 400) << name;
        }
    }
}

TEST(ModelNameTest, RejectsControlCharactersAndUnicodeLookalikes) {
    const std::string cases[] = {std::string("llama\n3"),
                                 std::string("llama\0x", 7),
                                 std::string("a\x7f"),
                                 "org\xEF\xBC\x8Fmodel",  // U+FF0F fullwidth solidus looks like "/"
                                 "\xE2\x80\xA5/etc",      // U+2025 two-dot leader looks like ".."
                                 "mod\xC3\xA8le",         // a Latin letter outside ASCII
                                 "\xD0\xBC\xD0\xBE\xD0\xB4",  // Cyrillic
                                 "gemma\xE2\x80\xAE"
                                 "txt",  // U+202E right-to-left override
                                 "name with space",
                                 "a;rm -rf",
                                 "a?b",
                                 "a#b",
                                 "a%2Fb"};
    for (const auto& name : cases) {
        EXPECT_FALSE(validate_model_name(name).ok()) << name;
    }
    EXPECT_NE(validate_model_name("mod\xC3\xA8le").error().message.find("ASCII"),
              std::string::npos);
}

TEST(PathInsideTest, KeepsPathsInsideTheBase) {
    auto inside = path_inside("/data/models", "huggingface/hub/models--org--name");
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(inside->string(), "/data/models/huggingface/hub/models--org--name");
    EXPECT_TRUE(path_inside("/data/models/", "a/b/../c").ok());
}

TEST(PathInsideTest, RefusesEscapes) {
    EXPECT_FALSE(path_inside("/data/models", "../secrets").ok());
    EXPECT_FALSE(path_inside("/data/models", "a/../../x").ok());
    EXPECT_FALSE(path_inside("/data/models", "/etc/passwd").ok());
    // A sibling whose name starts with the base's name is still outside.
    EXPECT_FALSE(path_inside("/data/models", "../models-evil/x").ok());
    EXPECT_FALSE(path_inside("/data/models", ".").ok());
    EXPECT_EQ(path_inside("/data/models", "../x").error().code, "unsafe_path");
}

}  // namespace
}  // namespace venom

// The checks every id from the Hub passes before it becomes a path (issue 9, findings 2-4).
#include "providers/huggingface/hub_ids.hpp"

#include <gtest/gtest.h>

#include "providers/huggingface/cache.hpp"
#include "support/temp_dir.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

TEST(HubIdsTest, CommitsAndBlobIdsAre40LowercaseHexDigits) {
    EXPECT_TRUE(is_git_sha1(std::string(40, 'a')));
    EXPECT_TRUE(is_git_sha1("0123456789abcdef0123456789abcdef01234567"));
    EXPECT_FALSE(is_git_sha1(std::string(39, 'a')));
    EXPECT_FALSE(is_git_sha1(std::string(41, 'a')));
    EXPECT_FALSE(is_git_sha1(std::string(40, 'A')));
    EXPECT_FALSE(is_git_sha1("../../../../../../../.././xxxxxxxxxxxxxxx"));
    EXPECT_FALSE(is_git_sha1(std::string(39, 'a') + '\0'));
}

TEST(HubIdsTest, Sha256IsSixtyFourLowercaseHexDigits) {
    EXPECT_TRUE(is_sha256_hex(std::string(64, 'f')));
    EXPECT_FALSE(is_sha256_hex(std::string(40, 'f')));
    EXPECT_FALSE(is_sha256_hex("../" + std::string(61, 'f')));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'f') + 'g'));
}

TEST(HubIdsTest, RepoPathsStayRelativeWithoutDotDotOrControlCharacters) {
    for (const char* ok : {"config.json", "onnx/model.onnx", "a/b/c.txt", ".gitattributes",
                           "weird..name.bin", "dir.d/..x"}) {
        EXPECT_TRUE(is_safe_repo_path(ok)) << ok;
    }
    for (const std::string& bad :
         {std::string(), std::string("/etc/passwd"), std::string("../x"), std::string("a/../../x"),
          std::string("a/.."), std::string("./a"), std::string("a//b"), std::string("a/"),
          std::string("a\\..\\b"), std::string("a\nb"), std::string("a\0b", 3),
          std::string("a\x7f"), std::string(1025, 'a')}) {
        EXPECT_FALSE(is_safe_repo_path(bad)) << bad;
    }
}

TEST(HubIdsTest, TheErrorNamesTheFieldAndShowsTheValueOnOneLine) {
    Error e = invalid_upstream_id("sha", "../x\n", "model org/m");
    EXPECT_EQ(e.http_status, 502);
    EXPECT_EQ(e.code, "upstream_error");
    EXPECT_NE(e.message.find("sha"), std::string::npos);
    EXPECT_NE(e.message.find("org/m"), std::string::npos);
    EXPECT_EQ(e.message.find('\n'), std::string::npos);
}

TEST(HubIdsTest, SafeJoinRefusesEveryEscape) {
    const fs::path base = "/data/models/huggingface/hub/models--o--m/snapshots/c";
    EXPECT_EQ(*safe_join(base, "a/b.json"), base / "a/b.json");
    for (const char* bad : {"../x", "a/../../x", "/abs", "a\\b", ""}) {
        EXPECT_FALSE(safe_join(base, bad).ok()) << bad;
    }
}

TEST(HubIdsTest, TheCacheBuildsNoPathFromAnInvalidId) {
    testing::TempDir dir;
    HubCache cache(dir.path());
    auto repo = cache.repo_folder("org/model");
    ASSERT_TRUE(repo.ok());
    EXPECT_FALSE(cache.snapshot(*repo, "../../../../../../../.././xxxxxxxxxxxxxxx").ok());
    EXPECT_FALSE(cache.blob(*repo, "../../../etc/passwd").ok());
    EXPECT_FALSE(cache.blob(*repo, std::string(40, 'a') + "/..").ok());
    EXPECT_TRUE(cache.blob(*repo, std::string(40, 'a')).ok());
    EXPECT_TRUE(cache.blob(*repo, std::string(64, 'b')).ok());
    const std::string commit(40, 'c');
    EXPECT_FALSE(cache.publish(*repo, commit, {{"../../../escape", std::string(40, 'a')}}).ok());
    EXPECT_FALSE(cache.publish(*repo, commit, {{"config.json", "../../x"}}).ok());
    EXPECT_FALSE(fs::exists(dir.path() / "escape"));
}

}  // namespace
}  // namespace venom::providers

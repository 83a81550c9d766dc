#include "venom/durable_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count_entries(const fs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class FailAt : public WriteFaults {
public:
    explicit FailAt(WriteStep step) : step_(step) {}
    bool fail_at(WriteStep step) override { return step == step_; }

private:
    WriteStep step_;
};

TEST(DurableFileTest, ReplacesContent) {
    testing::TempDir dir;
    const auto path = dir / "state.json";
    ASSERT_TRUE(write_file_durably(path, "old").ok());
    ASSERT_TRUE(write_file_durably(path, "new").ok());
    EXPECT_EQ(read_file(path), "new");
    EXPECT_EQ(count_entries(dir.path()), 1u);  // no temp file left behind
}

TEST(DurableFileTest, FailureBeforeRenameLeavesOldFileAndNoTemp) {
    for (WriteStep step :
         {WriteStep::create_temp, WriteStep::write, WriteStep::fsync_file, WriteStep::rename}) {
        testing::TempDir dir;
        const auto path = dir / "state.json";
        ASSERT_TRUE(write_file_durably(path, "old").ok());
        FailAt faults(step);
        auto result = write_file_durably(path, "new", &faults);
        ASSERT_FALSE(result.ok()) << static_cast<int>(step);
        EXPECT_EQ(result.error().code, "storage_error");
        EXPECT_EQ(read_file(path), "old") << static_cast<int>(step);
        EXPECT_EQ(count_entries(dir.path()), 1u) << static_cast<int>(step);
    }
}

TEST(DurableFileTest, FailureAfterRenameReportsButKeepsNewContent) {
    testing::TempDir dir;
    const auto path = dir / "state.json";
    FailAt faults(WriteStep::fsync_dir);
    EXPECT_FALSE(write_file_durably(path, "new", &faults).ok());
    EXPECT_EQ(read_file(path), "new");
}

TEST(DurableFileTest, RemovesTempFilesACrashLeft) {
    testing::TempDir dir;
    const auto path = dir / "manifest.json";
    std::ofstream(dir / "manifest.json.tmp-123-0") << "{\"models\": [";
    std::ofstream(dir / "other.json.tmp-1-1") << "keep";
    remove_stale_temp_files(path);
    EXPECT_FALSE(fs::exists(dir / "manifest.json.tmp-123-0"));
    EXPECT_TRUE(fs::exists(dir / "other.json.tmp-1-1"));
}

}  // namespace
}  // namespace venom

// BlobWriter: the Hub cache's content store (blob_writer.hpp). Every test runs with O_DIRECT
// (where the test's filesystem takes it) and with buffered writes, the fallback.
#include "providers/huggingface/blob_writer.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <future>
#include <random>

#include "support/eventually.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::write_file;

std::string sha256_hex(const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
        hex += "0123456789abcdef"[out[i] >> 4];
        hex += "0123456789abcdef"[out[i] & 15];
    }
    return hex;
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(gen());
    return s;
}

BlobIdentity lfs(const std::string& content) {
    return {content.size(), sha256_hex(content), ""};
}

// Feeds `content` from `from` in pieces of awkward sizes, as a socket would.
void feed(BlobWriter& writer, const std::string& content, std::size_t from = 0) {
    static constexpr std::size_t kPieces[] = {1, 4095, 16384, (1 << 20) + 3, 65536, 7};
    std::size_t at = from;
    for (std::size_t i = 0; at < content.size(); ++i) {
        const std::size_t n = std::min(kPieces[i % std::size(kPieces)], content.size() - at);
        ASSERT_TRUE(writer.write(std::string_view(content).substr(at, n)).ok());
        at += n;
    }
}

class BlobWriterTest : public ::testing::TestWithParam<bool> {
protected:
    Result<std::unique_ptr<BlobWriter>> open(const BlobIdentity& identity,
                                             std::function<bool()> cancelled = {},
                                             WriteFaults* faults = nullptr) {
        return BlobWriter::open(blob_, identity, {lock_, std::move(cancelled), GetParam(), faults});
    }
    fs::path incomplete() const { return fs::path(blob_.string() + ".incomplete"); }

    testing::TempDir dir_;
    fs::path blob_ = dir_ / "models--org--m" / "blobs" / "etag";
    fs::path lock_ = dir_ / ".locks" / "models--org--m" / "etag.lock";
};

TEST_P(BlobWriterTest, WritesVerifiesAndCommitsTheBlobAtItsName) {
    const std::string content = random_bytes(3 * (1 << 20) + 1234, 1);
    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    EXPECT_FALSE((*writer)->present());
    feed(**writer, content);
    EXPECT_EQ((*writer)->offset(), content.size());
    ASSERT_TRUE((*writer)->commit().ok());
    writer->reset();
    EXPECT_EQ(read_file(blob_), content);
    EXPECT_FALSE(fs::exists(incomplete()));
}

TEST_P(BlobWriterTest, NonLfsFilesAreCheckedAgainstTheirGitBlobId) {
    // `printf 'hello\n' | git hash-object --stdin`
    BlobIdentity identity{6, std::nullopt, "ce013625030ba8dba906f756967f9e9ca394464a"};
    auto writer = open(identity);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write("hello\n").ok());
    ASSERT_TRUE((*writer)->commit().ok());
    EXPECT_EQ(read_file(blob_), "hello\n");
}

TEST_P(BlobWriterTest, AnEmptyFileIsABlobToo) {
    auto writer = open(lfs(""));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->commit().ok());
    writer->reset();
    EXPECT_TRUE(fs::is_regular_file(blob_));
    EXPECT_EQ(fs::file_size(blob_), 0u);
}

TEST_P(BlobWriterTest, BytesThatDoNotHashToTheHubsDigestAreNotKept) {
    const std::string content = random_bytes(2 << 20, 2);
    BlobIdentity identity = lfs(content);
    identity.sha256 = sha256_hex("something else");
    auto writer = open(identity);
    ASSERT_TRUE(writer.ok());
    feed(**writer, content);
    auto committed = (*writer)->commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error().code, "checksum_mismatch");
    EXPECT_NE(committed.error().message.find(identity.expected()), std::string::npos);
    writer->reset();
    EXPECT_FALSE(fs::exists(blob_));
    EXPECT_FALSE(fs::exists(incomplete()));
}

TEST_P(BlobWriterTest, MoreBytesThanTheHubListsAreRefusedAndNothingIsKept) {
    const std::string content = random_bytes(100000, 3);
    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok());
    feed(**writer, content);
    auto extra = (*writer)->write("x");
    ASSERT_FALSE(extra.ok());
    EXPECT_EQ(extra.error().code, "checksum_mismatch");
    writer->reset();
    EXPECT_FALSE(fs::exists(blob_));
    EXPECT_FALSE(fs::exists(incomplete()));
}

TEST_P(BlobWriterTest, AnAbandonedWriterKeepsItsBytesAndTheNextResumesFromThem) {
    const std::string content = random_bytes(5 * (1 << 20) + 77, 4);
    const std::size_t cut = 3 * (1 << 20) / 2 + 100;  // inside a chunk, not on a 4 KiB boundary
    {
        auto writer = open(lfs(content));
        ASSERT_TRUE(writer.ok());
        ASSERT_TRUE((*writer)->write(std::string_view(content).substr(0, cut)).ok());
    }  // a stall, a cancel, a crash of the transfer: dropped without a commit
    EXPECT_EQ(fs::file_size(incomplete()), cut) << "every accepted byte is on disk";

    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok());
    const uint64_t resumed = (*writer)->offset();
    EXPECT_EQ(resumed, cut - cut % 4096) << "resumes at the last whole 4 KiB block";
    feed(**writer, content, resumed);
    ASSERT_TRUE((*writer)->commit().ok());
    EXPECT_EQ(read_file(blob_), content);
}

TEST_P(BlobWriterTest, APartialFileLongerThanTheBlobStartsOver) {
    const std::string content = random_bytes(10000, 5);
    write_file(incomplete(), random_bytes(20000, 6));
    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ((*writer)->offset(), 0u);
    feed(**writer, content);
    ASSERT_TRUE((*writer)->commit().ok());
    EXPECT_EQ(read_file(blob_), content);
}

TEST_P(BlobWriterTest, RestartForgetsWhatWasWrittenAndItsHash) {
    const std::string content = random_bytes(3 << 20, 7);
    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->write(random_bytes(2 << 20, 8)).ok());  // the wrong bytes
    ASSERT_TRUE((*writer)->restart().ok());
    EXPECT_EQ((*writer)->offset(), 0u);
    feed(**writer, content);
    ASSERT_TRUE((*writer)->commit().ok());
    EXPECT_EQ(read_file(blob_), content);
}

TEST_P(BlobWriterTest, AVerifiedBlobIsAdoptedAndAWrongOneReplaced) {
    const std::string content = random_bytes(50000, 9);
    write_file(blob_, content);
    {
        auto writer = open(lfs(content));
        ASSERT_TRUE(writer.ok());
        EXPECT_TRUE((*writer)->present());
    }
    EXPECT_EQ(read_file(blob_), content);
    EXPECT_FALSE(fs::exists(incomplete()));

    write_file(blob_, random_bytes(50000, 10));  // same size, other bytes
    auto writer = open(lfs(content));
    ASSERT_TRUE(writer.ok());
    EXPECT_FALSE((*writer)->present());
    EXPECT_FALSE(fs::exists(blob_));
    feed(**writer, content);
    ASSERT_TRUE((*writer)->commit().ok());
    EXPECT_EQ(read_file(blob_), content);
}

TEST_P(BlobWriterTest, OpenWaitsForTheLockAndACancelEndsTheWait) {
    fs::create_directories(lock_.parent_path());
    auto held = BlobLock::try_acquire(lock_);  // HF's tools writing this blob
    ASSERT_TRUE(held);
    std::atomic<bool> cancel{false};
    std::atomic<int> asked{0};
    auto opening = std::async(std::launch::async, [&] {
        return open(lfs("abc"), [&] {
            ++asked;
            return cancel.load();
        });
    });
    // The writer is waiting (it keeps asking whether to give up) and has touched nothing.
    const bool waiting = testing::eventually([&] { return asked.load() >= 2; });
    const bool touched = fs::exists(incomplete());
    cancel = true;
    auto writer = opening.get();
    EXPECT_TRUE(waiting);
    EXPECT_FALSE(touched);
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().code, "cancelled");
    EXPECT_FALSE(fs::exists(incomplete()));
}

TEST_P(BlobWriterTest, AFailedDurableStepLeavesNoBlob) {
    struct FailRename : WriteFaults {
        bool fail_at(WriteStep step) override { return step == WriteStep::rename; }
    } faults;
    const std::string content = random_bytes(10000, 11);
    auto writer = open(lfs(content), {}, &faults);
    ASSERT_TRUE(writer.ok());
    feed(**writer, content);
    auto committed = (*writer)->commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error().code, "storage_error");
    EXPECT_NE(committed.error().message.find("rename"), std::string::npos);
    writer->reset();
    EXPECT_FALSE(fs::exists(blob_));
}

TEST_P(BlobWriterTest, AFullDiskIsAStorageErrorNotAHang) {
    // A file size limit makes writes past it fail (EFBIG) as a full disk would (ENOSPC).
    struct rlimit before {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limited = before;
    limited.rlim_cur = 2 << 20;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);

    const std::string content = random_bytes(12 << 20, 12);
    Result<void> failure;
    {
        auto writer = open(lfs(content));
        ASSERT_TRUE(writer.ok());
        for (std::size_t at = 0; failure.ok() && at < content.size(); at += 65536) {
            failure = (*writer)->write(std::string_view(content).substr(at, 65536));
        }
        if (failure.ok()) failure = (*writer)->commit();
    }
    ::setrlimit(RLIMIT_FSIZE, &before);
    std::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(failure.ok());
    EXPECT_EQ(failure.error().code, "storage_error");
    EXPECT_FALSE(fs::exists(blob_));
}

INSTANTIATE_TEST_SUITE_P(IoModes, BlobWriterTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "direct" : "buffered"; });

}  // namespace
}  // namespace venom::providers

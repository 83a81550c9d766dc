#pragma once
// The Hub cache as a content store, in containerd's shape: a blob is written to
// blobs/<etag>.incomplete while HF's lock file for it is held, and only commit(), once its size
// and digest are what the Hub lists, makes it blobs/<etag>, through the durable-file code the
// manifest uses (fsync, rename, fsync of the directory). A writer dropped without a commit keeps
// its bytes for a resume; the next open() hashes them again and goes on from there.
//
// At the speed of the disk: write() copies the bytes once into a ring of aligned 1 MiB chunks;
// one thread hashes each full chunk in place while another writes it with O_DIRECT (buffered
// where the filesystem refuses O_DIRECT), so receiving, hashing and writing overlap and no
// page-cache copy is made. A third thread fdatasyncs every 64 MiB while the transfer goes on:
// a disk with a volatile cache (a VM's virtual disk) empties it as the bytes arrive, and the
// fsync of the commit has only the tail left.

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "providers/huggingface/blob_check.hpp"
#include "providers/huggingface/cache.hpp"
#include "venom/durable_file.hpp"
#include "venom/result.hpp"

namespace venom::providers {

struct BlobWriterOptions {
    std::filesystem::path lock_file;  // HF's lock for the blob; empty: none taken
    std::function<bool()> cancelled;  // ends the wait for the lock
    bool direct_io = true;            // false: buffered writes only
    WriteFaults* faults = nullptr;    // for tests: commit's fsync, rename, directory fsync
};

class BlobWriter {
public:
    // Takes the lock (waiting while HF's tools or another download hold it), then: a blob already
    // at `blob` whose bytes hash to `identity` is present() and nothing is written; one that does
    // not is deleted. Otherwise opens <blob>.incomplete, resuming the bytes a previous attempt
    // left when they can be the start of this file (rounded down to 4 KiB). Blocking (hashes what
    // is there). Errors: 499 cancelled (while waiting for the lock), 500 storage_error.
    static Result<std::unique_ptr<BlobWriter>> open(std::filesystem::path blob,
                                                    BlobIdentity identity,
                                                    BlobWriterOptions options = {});
    // Without a commit: writes what was accepted and keeps it for a resume (removes the file
    // when it holds nothing it did not hold before, or after a checksum mismatch), then lets go
    // of the lock.
    ~BlobWriter();
    BlobWriter(const BlobWriter&) = delete;
    BlobWriter& operator=(const BlobWriter&) = delete;

    // The verified blob was there at open(): nothing to write or commit.
    bool present() const { return present_; }
    // Bytes of the file accepted so far, resumed ones included: where a Range request starts.
    uint64_t offset() const { return offset_; }

    // Appends `bytes`. Errors: 502 checksum_mismatch when they would make the file longer than
    // the Hub lists (the file is then deleted), 500 storage_error when a write failed.
    Result<void> write(std::string_view bytes);
    // Back to an empty file (the server ignored Range, or refused our offset).
    Result<void> restart();
    // Waits for the bytes in flight, checks the size and the digest, and makes the blob durable
    // at its name. Errors: 502 upstream_error (fewer bytes than listed), 502 checksum_mismatch
    // (the file is deleted), 500 storage_error.
    Result<void> commit();

private:
    struct Chunk {
        char* data = nullptr;
        std::size_t size = 0;
        uint64_t at = 0;  // file offset of data[0]
    };
    static constexpr std::size_t kChunkBytes = 1 << 20;
    static constexpr std::size_t kChunks = 16;
    static constexpr std::size_t kAlign = 4096;

    BlobWriter(std::filesystem::path blob, BlobIdentity identity, BlobWriterOptions options);
    Result<void> open_partial();
    void start_threads();
    // Hands the chunk being filled to the hasher and the writer.
    void submit();
    // Waits until the hasher and the writer have done every submitted chunk.
    void drain();
    void hash_loop();
    void write_loop();
    void flush_loop();
    // One chunk to the file; false (errno set) on failure. Writer thread only.
    bool write_chunk(const Chunk& chunk);
    Error storage_error() const;

    std::filesystem::path blob_;
    std::filesystem::path incomplete_;
    BlobIdentity identity_;
    BlobWriterOptions options_;
    std::optional<BlobLock> lock_;  // released last: declared first
    int fd_ = -1;
    bool created_ = false;  // the .incomplete file is ours, not another attempt's
    bool present_ = false;
    bool committed_ = false;
    bool discard_ = false;  // delete the file on destruction
    bool direct_ = false;   // O_DIRECT on fd_ (writer thread once started)
    uint64_t offset_ = 0;   // producer side

    BlobDigest digest_;  // the hasher thread's while it runs
    std::unique_ptr<char, void (*)(void*)> memory_{nullptr, nullptr};
    Chunk chunks_[kChunks];
    std::size_t filled_ = 0;  // bytes in the chunk being filled (producer side)

    std::mutex mutex_;               // guards what follows
    std::condition_variable work_;   // a chunk to hash or write, or stop
    std::condition_variable space_;  // a chunk done
    uint64_t submitted_ = 0;         // chunks handed over so far
    uint64_t hashed_ = 0;
    uint64_t written_ = 0;
    int write_errno_ = 0;          // the first failed write's errno
    uint64_t flush_asked_at_ = 0;  // file offset up to which the last fdatasync was asked for
    bool flush_wanted_ = false;
    bool stop_ = false;
    std::condition_variable flush_;  // flush_wanted_, or stop
    std::thread hasher_;
    std::thread writer_;
    std::thread flusher_;
};

}  // namespace venom::providers

#include "providers/huggingface/blob_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "venom/logging.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

// How often the bytes written so far are made durable while the transfer goes on.
constexpr uint64_t kFlushEvery = 128ull << 20;

bool pwrite_all(int fd, const char* data, std::size_t n, uint64_t at) {
    while (n > 0) {
        const ssize_t done = ::pwrite(fd, data, n, static_cast<off_t>(at));
        if (done < 0 && errno == EINTR) continue;
        if (done <= 0) {
            if (done == 0) errno = EIO;
            return false;
        }
        data += done;
        n -= static_cast<std::size_t>(done);
        at += static_cast<uint64_t>(done);
    }
    return true;
}

// Hashes the first `bytes` of the file at `path` (what a previous attempt left).
bool hash_prefix(const fs::path& path, uint64_t bytes, BlobDigest& digest) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::vector<char> buf(4 << 20);
    bool ok = true;
    while (ok && bytes > 0) {
        const ssize_t n = ::read(fd, buf.data(), std::min<uint64_t>(buf.size(), bytes));
        ok = n > 0;
        if (ok) {
            digest.update(buf.data(), static_cast<std::size_t>(n));
            bytes -= static_cast<uint64_t>(n);
        }
    }
    ::close(fd);
    return ok;
}

bool set_direct(int fd, bool on) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0;
}

}  // namespace

BlobWriter::BlobWriter(fs::path blob, BlobIdentity identity, BlobWriterOptions options)
    : blob_(std::move(blob)),
      incomplete_(blob_.string() + ".incomplete"),
      identity_(std::move(identity)),
      options_(std::move(options)),
      digest_(identity_) {}

Result<std::unique_ptr<BlobWriter>> BlobWriter::open(fs::path blob, BlobIdentity identity,
                                                     BlobWriterOptions options) {
    std::unique_ptr<BlobWriter> writer(
        new BlobWriter(std::move(blob), std::move(identity), std::move(options)));
    BlobWriter& w = *writer;
    // HF's tools take the same lock while they write a blob: wait for them rather than write
    // the same .incomplete file at once; a cancel ends the wait.
    if (!w.options_.lock_file.empty()) {
        w.lock_ = BlobLock::acquire(w.options_.lock_file, w.options_.cancelled);
        if (!w.lock_) return make_error(499, "cancelled", "download cancelled");
    }
    // A blob already in the cache is adopted only when its bytes hash to what the Hub lists:
    // the size alone would adopt any file that happens to have it (issue 9, finding 3).
    std::error_code ec;
    if (fs::exists(fs::symlink_status(w.blob_, ec))) {
        if (check_cached_blob(w.blob_, w.identity_) == BlobCheck::matches) {
            w.present_ = true;
            return writer;
        }
        logger("huggingface")
            ->warn("blob={} in the cache does not match its hash: fetching it",
                   w.blob_.filename().string());
        fs::remove(w.blob_, ec);
    }
    if (auto opened = w.open_partial(); !opened) return opened.error();
    w.start_threads();
    return writer;
}

Result<void> BlobWriter::open_partial() {
    std::error_code ec;
    fs::create_directories(blob_.parent_path(), ec);
    // Created here (not another attempt's): then a file that got no byte is removed again.
    fd_ = ::open(incomplete_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    created_ = fd_ >= 0;
    if (!created_ && errno == EEXIST) fd_ = ::open(incomplete_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return storage_error();
    // O_DIRECT where the filesystem takes it (ext4, xfs, btrfs; tmpfs since Linux 6.6).
    direct_ = options_.direct_io && set_direct(fd_, true);

    struct stat st {};
    if (::fstat(fd_, &st) != 0) return storage_error();
    const uint64_t found = static_cast<uint64_t>(st.st_size);
    // Longer than the file can be, or unreadable: start over. O_DIRECT writes start at a
    // multiple of 4 KiB: the last partial block is fetched again.
    uint64_t keep = found <= identity_.size ? found - found % kAlign : 0;
    if (keep > 0 && !hash_prefix(incomplete_, keep, digest_)) {
        digest_.reset();
        keep = 0;
    }
    if (keep != found && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0) return storage_error();
    offset_ = keep;
    flush_asked_at_ = keep;
    if (keep > 0) {
        logger("huggingface")->info("resume blob={} from={}", blob_.filename().string(), keep);
    }

    void* memory = nullptr;
    if (::posix_memalign(&memory, kAlign, kChunks * kChunkBytes) != 0) {
        return make_error(500, "storage_error", "out of memory for the download buffers");
    }
    memory_ = {static_cast<char*>(memory), std::free};
    for (std::size_t i = 0; i < kChunks; ++i) chunks_[i].data = memory_.get() + i * kChunkBytes;
    return {};
}

void BlobWriter::start_threads() {
    hasher_ = std::thread([this] { hash_loop(); });
    writer_ = std::thread([this] { write_loop(); });
    flusher_ = std::thread([this] { flush_loop(); });
}

BlobWriter::~BlobWriter() {
    if (hasher_.joinable()) {
        if (!discard_ && !committed_) {
            if (filled_ > 0) submit();  // what was accepted is kept for a resume
            drain();
        }
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        work_.notify_all();
        flush_.notify_all();
        hasher_.join();
        writer_.join();
        flusher_.join();
    }
    if (fd_ >= 0) {
        struct stat st {};
        if (!committed_ && (discard_ || (created_ && ::fstat(fd_, &st) == 0 && st.st_size == 0))) {
            // A file that got no byte would only look like a download in flight to other tools.
            ::unlink(incomplete_.c_str());
        }
        ::close(fd_);
    }
}

Result<void> BlobWriter::write(std::string_view bytes) {
    if (offset_ + bytes.size() > identity_.size) {  // more bytes than the Hub lists: not this file
        discard_ = true;
        return make_error(502, "checksum_mismatch",
                          blob_.filename().string() +
                              ": the server sent more bytes than the Hub lists; nothing was kept");
    }
    while (!bytes.empty()) {
        Chunk& chunk = chunks_[submitted_ % kChunks];  // submitted_ changes on this thread only
        if (filled_ == 0) {
            // The chunk is free once the hasher and the writer are done with its last use.
            std::unique_lock lock(mutex_);
            space_.wait(lock, [&] {
                return write_errno_ != 0 || std::min(hashed_, written_) + kChunks > submitted_;
            });
            if (write_errno_ != 0) return storage_error();
            chunk.at = offset_;
        }
        const std::size_t n = std::min(kChunkBytes - filled_, bytes.size());
        std::memcpy(chunk.data + filled_, bytes.data(), n);
        filled_ += n;
        offset_ += n;
        bytes.remove_prefix(n);
        if (filled_ == kChunkBytes) submit();
    }
    return {};
}

void BlobWriter::submit() {
    {
        std::lock_guard lock(mutex_);
        chunks_[submitted_ % kChunks].size = filled_;
        ++submitted_;
    }
    filled_ = 0;
    work_.notify_all();
}

void BlobWriter::drain() {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return hashed_ == submitted_ && written_ == submitted_; });
}

Result<void> BlobWriter::restart() {
    filled_ = 0;
    drain();
    if (write_errno_ != 0) return storage_error();
    if (::ftruncate(fd_, 0) != 0) return storage_error();
    digest_.reset();  // the hasher is idle: drained
    offset_ = 0;
    std::lock_guard lock(mutex_);
    flush_asked_at_ = 0;
    return {};
}

Result<void> BlobWriter::commit() {
    if (filled_ > 0) submit();
    drain();
    if (write_errno_ != 0) return storage_error();
    const std::string name = blob_.filename().string();
    if (offset_ != identity_.size) {
        return make_error(502, "upstream_error",
                          name + ": " + std::to_string(offset_) + " of " +
                              std::to_string(identity_.size) + " bytes arrived");
    }
    const std::string actual = digest_.hex();
    if (actual != identity_.expected()) {
        discard_ = true;
        return make_error(502, "checksum_mismatch",
                          name + ": downloaded bytes do not match the Hub's hash (expected " +
                              identity_.expected() + ", got " + actual + "); nothing was kept");
    }
    if (auto durable = commit_durably(fd_, incomplete_, blob_, options_.faults); !durable) {
        return durable;
    }
    committed_ = true;
    return {};
}

void BlobWriter::hash_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_.wait(lock, [&] { return stop_ || hashed_ < submitted_; });
        if (hashed_ == submitted_) return;  // stopping, nothing left
        const Chunk chunk = chunks_[hashed_ % kChunks];
        lock.unlock();
        digest_.update(chunk.data, chunk.size);  // in place: the chunk is not reused until done
        lock.lock();
        ++hashed_;
        space_.notify_all();
    }
}

void BlobWriter::write_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_.wait(lock, [&] { return stop_ || written_ < submitted_; });
        if (written_ == submitted_) return;
        const Chunk chunk = chunks_[written_ % kChunks];
        const bool failed = write_errno_ != 0;
        lock.unlock();
        // After a failure the rest is only counted, so nobody waits for it.
        const int err = failed || write_chunk(chunk) ? 0 : errno;
        lock.lock();
        if (err != 0 && write_errno_ == 0) write_errno_ = err;
        ++written_;
        space_.notify_all();
        if (chunk.at + chunk.size >= flush_asked_at_ + kFlushEvery) {
            flush_asked_at_ = chunk.at + chunk.size;
            flush_wanted_ = true;
            flush_.notify_one();
        }
    }
}

void BlobWriter::flush_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        flush_.wait(lock, [&] { return stop_ || flush_wanted_; });
        if (stop_) return;
        flush_wanted_ = false;
        lock.unlock();
        ::fdatasync(fd_);  // a failure shows again in the commit's fsync
        lock.lock();
    }
}

bool BlobWriter::write_chunk(const Chunk& chunk) {
    // O_DIRECT takes whole aligned blocks: the file's last, partial chunk is written buffered.
    if (direct_ && chunk.size % kAlign != 0) {
        if (!set_direct(fd_, false)) return false;
        direct_ = false;
    }
    if (!pwrite_all(fd_, chunk.data, chunk.size, chunk.at)) {
        if (!direct_ || errno != EINVAL) return false;
        // A filesystem that took O_DIRECT but refuses the write: buffered from now on.
        if (!set_direct(fd_, false)) return false;
        direct_ = false;
        if (!pwrite_all(fd_, chunk.data, chunk.size, chunk.at)) return false;
    }
    return true;
}

Error BlobWriter::storage_error() const {
    const int err = write_errno_ != 0 ? write_errno_ : errno;
    return make_error(500, "storage_error",
                      "cannot write " + incomplete_.string() + ": " + std::strerror(err));
}

}  // namespace venom::providers

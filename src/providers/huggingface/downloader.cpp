#include "providers/huggingface/downloader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "providers/huggingface/cache.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "venom/http_client.hpp"
#include "venom/logging.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;
using Digest = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// The running hash of the file: sha256 of the content for LFS files, and for other files the
// git blob id, sha1("blob <size>\0" + content).
class Hasher {
public:
    explicit Hasher(const BlobDownload& target) : target_(target) { reset(); }
    void reset() {
        ctx_.reset(EVP_MD_CTX_new());
        EVP_DigestInit_ex(ctx_.get(), target_.sha256 ? EVP_sha256() : EVP_sha1(), nullptr);
        if (!target_.sha256) {
            const std::string header = "blob " + std::to_string(target_.size) + '\0';
            EVP_DigestUpdate(ctx_.get(), header.data(), header.size());
        }
    }
    void update(const char* data, std::size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
    std::string hex() {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(ctx_.get(), out, &len);
        static const char* digits = "0123456789abcdef";
        std::string s;
        for (unsigned int i = 0; i < len; ++i) {
            s += digits[out[i] >> 4];
            s += digits[out[i] & 15];
        }
        return s;
    }
    const std::string& expected() const {
        return target_.sha256 ? *target_.sha256 : target_.git_sha1;
    }

private:
    const BlobDownload& target_;
    Digest ctx_{nullptr, EVP_MD_CTX_free};
};

// Hashes on a thread of its own while the transfer thread receives and writes, so hashing does
// not slow the download (bench/download_bench.sh measured 71-81 % of curl with both on one
// thread). Pieces are copied into a bounded queue; update() waits when the hasher falls behind.
class StreamingHasher {
public:
    explicit StreamingHasher(Hasher& hasher) : hasher_(hasher), thread_([this] { loop(); }) {}
    ~StreamingHasher() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    void update(const char* data, std::size_t n) {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return queued_ < kMaxQueued; });
        queue_.emplace_back(data, n);
        queued_ += n;
        cv_.notify_one();
    }
    // Waits until every queued piece is hashed: before reset() or hex() of the Hasher.
    void drain() {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return queue_.empty() && !busy_; });
    }

private:
    static constexpr std::size_t kMaxQueued = 32 << 20;

    void loop() {
        std::unique_lock lock(mutex_);
        for (;;) {
            cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            std::string piece = std::move(queue_.front());
            queue_.pop_front();
            busy_ = true;
            lock.unlock();
            hasher_.update(piece.data(), piece.size());
            lock.lock();
            busy_ = false;
            queued_ -= piece.size();
            space_.notify_all();
        }
    }

    Hasher& hasher_;
    std::mutex mutex_;
    std::condition_variable cv_;     // work for the hasher
    std::condition_variable space_;  // room in the queue, or drained
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    bool busy_ = false;
    bool stop_ = false;
    std::thread thread_;
};

// Asks the kernel to start writing what has arrived every so often, so the fsync at the end
// has only the tail left instead of the whole file.
constexpr uint64_t kWritebackEvery = 64ull << 20;

// Hashes the bytes a previous attempt left, so a resume continues the same digest.
bool hash_existing(int fd, uint64_t bytes, Hasher& hasher) {
    std::vector<char> buf(1 << 20);
    if (::lseek(fd, 0, SEEK_SET) < 0) return false;
    while (bytes > 0) {
        ssize_t n = ::read(fd, buf.data(), std::min<uint64_t>(buf.size(), bytes));
        if (n <= 0) return false;
        hasher.update(buf.data(), static_cast<std::size_t>(n));
        bytes -= static_cast<uint64_t>(n);
    }
    return true;
}

bool transient(long status) {
    return status == 408 || status == 429 || status >= 500;
}

}  // namespace

Result<void> download_blob(const BlobDownload& target, const DownloadOptions& options) {
    std::error_code ec;
    const std::string name = target.blob.filename().string();
    // HF's tools take the same lock while they write a blob: wait for them rather than write
    // the same .incomplete file at once; a cancel ends the wait.
    std::optional<BlobLock> lock;
    if (!target.lock_file.empty()) {
        for (;;) {
            lock = BlobLock::try_acquire(target.lock_file);
            if (lock) break;
            if (options.cancelled && options.cancelled()) {
                return make_error(499, "cancelled", "download cancelled");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    // A blob already in the cache is adopted only when its bytes hash to what the Hub lists: the
    // size alone would adopt any file that happens to have it (issue 9, finding 3).
    if (fs::is_regular_file(target.blob, ec) && fs::file_size(target.blob, ec) == target.size) {
        int existing = ::open(target.blob.c_str(), O_RDONLY | O_CLOEXEC);
        if (existing >= 0) {
            Hasher check(target);
            const bool read = hash_existing(existing, target.size, check);
            ::close(existing);
            if (read && check.hex() == check.expected()) return {};
        }
        logger("huggingface")
            ->warn("blob={} in the cache does not match its hash: fetching it", name);
    }
    if (fs::exists(fs::symlink_status(target.blob, ec))) fs::remove(target.blob, ec);
    fs::create_directories(target.blob.parent_path(), ec);
    const fs::path incomplete = fs::path(target.blob.string() + ".incomplete");

    // Created here (not another writer's): then an empty one is removed again on failure.
    int fd = ::open(incomplete.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    const bool created = fd >= 0;
    if (!created && errno == EEXIST) fd = ::open(incomplete.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return make_error(500, "storage_error",
                          "cannot write " + incomplete.string() + ": " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    // A failed download that got no byte leaves nothing behind: an empty .incomplete file would
    // only look like a download in flight to other tools. Partial bytes stay for a resume.
    // Declared after `closer`, so it runs while the descriptor is open (and the lock held).
    struct EmptyRemover {
        int fd;
        const fs::path& path;
        bool armed;
        ~EmptyRemover() {
            struct stat st {};
            if (armed && ::fstat(fd, &st) == 0 && st.st_size == 0) ::unlink(path.c_str());
        }
    } empty_remover{fd, incomplete, created};

    Hasher hasher(target);
    uint64_t offset = static_cast<uint64_t>(::lseek(fd, 0, SEEK_END));
    if (offset > target.size || !hash_existing(fd, offset, hasher)) {
        offset = 0;  // longer than the file can be, or unreadable: start over
        hasher.reset();
        if (::ftruncate(fd, 0) != 0) return make_error(500, "storage_error", "truncate failed");
    }
    if (offset > 0) logger("huggingface")->info("resume blob={} from={}", name, offset);
    StreamingHasher streaming(hasher);
    uint64_t written_back = offset;

    auto backoff = options.first_backoff;
    Error last = make_error(502, "upstream_error", "download of " + name + " did not start");
    for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
        if (options.cancelled && options.cancelled()) {
            return make_error(499, "cancelled", "download cancelled");
        }
        if (offset == target.size && target.size > 0) break;  // all bytes are here
        std::string url = target.url;
        bool too_long = false;  // more bytes than the Hub lists: not this file
        bool disk_error = false;
        long status = 0;
        std::optional<std::chrono::milliseconds> pause;  // what a 429 asked for
        Result<net::HttpReply> reply = make_error(502, "upstream_error", "no request made");
        for (int hop = 0; hop < 6; ++hop) {
            net::HttpCall call;
            call.url = url;
            call.headers =
                options.headers_for ? options.headers_for(url) : std::vector<std::string>{};
            call.headers.push_back("Accept-Encoding: identity");
            if (offset > 0) call.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
            call.follow_redirects = false;  // the CDN must not get the Authorization header
            call.timeout = std::chrono::milliseconds(0);
            call.connect_timeout = options.connect_timeout;
            call.stall_timeout = options.stall_timeout;
            call.buffer_size = 256 * 1024;
            call.cancelled = options.cancelled;
            status = 0;
            call.on_response = [&](long s, const std::map<std::string, std::string>&) {
                status = s;
                if (s == 200 && offset > 0) {
                    // Range ignored: this body is the whole file. Never append it.
                    logger("huggingface")->info("range ignored blob={}: starting over", name);
                    offset = 0;
                    written_back = 0;
                    streaming.drain();
                    hasher.reset();
                    if (::ftruncate(fd, 0) != 0) disk_error = true;
                }
                return !disk_error;
            };
            call.on_data = [&](std::string_view piece) {
                if (status != 200 && status != 206) return true;  // an error or redirect body
                if (offset + piece.size() > target.size) {
                    too_long = true;
                    return false;
                }
                if (::pwrite(fd, piece.data(), piece.size(), static_cast<off_t>(offset)) !=
                    static_cast<ssize_t>(piece.size())) {
                    disk_error = true;
                    return false;
                }
                streaming.update(piece.data(), piece.size());
                offset += piece.size();
                if (offset - written_back >= kWritebackEvery) {
                    ::sync_file_range(fd, static_cast<off_t>(written_back),
                                      static_cast<off_t>(offset - written_back),
                                      SYNC_FILE_RANGE_WRITE);
                    written_back = offset;
                }
                if (options.on_bytes) options.on_bytes(offset);
                return true;
            };
            reply = net::perform(call);
            if (reply && reply->status >= 300 && reply->status < 400 &&
                reply->headers.count("location")) {
                url = net::resolve_location(reply->headers.at("location"), url);
                continue;
            }
            break;
        }
        if (disk_error) {
            return make_error(500, "storage_error",
                              "cannot write " + incomplete.string() + ": " + std::strerror(errno));
        }
        if (too_long) {
            ::unlink(incomplete.c_str());
            return make_error(502, "checksum_mismatch",
                              name +
                                  ": the server sent more bytes than the Hub lists; nothing "
                                  "was kept");
        }
        if (options.cancelled && options.cancelled()) {
            return make_error(499, "cancelled", "download cancelled");
        }
        if (reply) {
            const long s = reply->status;
            if (s == 416 && offset == target.size) break;
            if (s == 416) {  // our partial file does not fit the remote one: start over
                offset = 0;
                written_back = 0;
                streaming.drain();
                hasher.reset();
                if (::ftruncate(fd, 0) != 0) return make_error(500, "storage_error", "truncate");
                continue;
            }
            if (s != 200 && s != 206) {
                Error e =
                    hub_error(s, reply->headers, reply->body, options.what, options.have_token);
                if (!transient(s)) return e;
                last = e;
                // A 429 says how long to wait (RateLimit t=, Retry-After): waited out instead
                // of the back-off when within what this download may stall, else a clear
                // failure now rather than a retry the Hub will refuse again. huggingface_hub
                // utils/_http.py waits 1 s more than asked "to avoid rounding issues": so do
                // we, as far as the stall bound allows.
                if (const auto asked = s == 429 ? hub_retry_after(reply->headers) : std::nullopt) {
                    const auto bound =
                        std::chrono::duration_cast<std::chrono::seconds>(options.stall_timeout);
                    if (*asked > options.stall_timeout) {
                        return make_error(429, "rate_limited",
                                          e.message + ", longer than the " +
                                              std::to_string(bound.count()) +
                                              " s a download may stall; try again later");
                    }
                    pause = std::min<std::chrono::milliseconds>(
                        *asked + std::chrono::seconds(1), options.stall_timeout);
                    if (options.on_wait) {
                        options.on_wait(
                            "rate limited by the Hub: waiting " +
                            std::to_string(
                                std::chrono::duration_cast<std::chrono::seconds>(*pause).count()) +
                            " s");
                    }
                }
            } else if (offset == target.size) {
                break;
            } else {
                last =
                    make_error(502, "upstream_error",
                               "download of " + name + " ended early at " + std::to_string(offset) +
                                   " of " + std::to_string(target.size) + " bytes");
            }
        } else {
            last = reply.error();
        }
        logger("huggingface")
            ->warn("download retry blob={} attempt={} at={} error=\"{}\"", name, attempt, offset,
                   last.message);
        if (attempt == options.max_attempts) break;  // no wait before giving up
        // Back-off between attempts, cut short by a cancel.
        const auto until = std::chrono::steady_clock::now() + pause.value_or(backoff);
        while (std::chrono::steady_clock::now() < until &&
               !(options.cancelled && options.cancelled())) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (pause && options.on_wait) options.on_wait("");
        backoff *= 2;
    }
    if (offset != target.size) return last;

    streaming.drain();
    const std::string actual = hasher.hex();
    if (actual != hasher.expected()) {
        ::unlink(incomplete.c_str());
        return make_error(502, "checksum_mismatch",
                          name + ": downloaded bytes do not match the Hub's hash (expected " +
                              hasher.expected() + ", got " + actual + "); nothing was kept");
    }
    if (::fsync(fd) != 0) return make_error(500, "storage_error", "fsync failed");
    if (::rename(incomplete.c_str(), target.blob.c_str()) != 0) {
        return make_error(500, "storage_error",
                          "rename failed: " + std::string(std::strerror(errno)));
    }
    empty_remover.armed = false;  // the path now names nothing of ours (an empty file is valid)
    int dir = ::open(target.blob.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

}  // namespace venom::providers

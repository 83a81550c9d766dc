#include "providers/huggingface/downloader.hpp"

#include <algorithm>
#include <thread>

#include "providers/huggingface/blob_writer.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "venom/http_client.hpp"
#include "venom/logging.hpp"

namespace venom::providers {
namespace {

using std::chrono::milliseconds;

bool transient(long status) {
    return status == 408 || status == 429 || status >= 500;
}

bool cancelled(const DownloadOptions& options) {
    return options.cancelled && options.cancelled();
}

// One request for the rest of the file, redirects followed by hand (the CDN must not get the
// Authorization header), its body fed to `writer`. Sets `write_result` when the writer refused
// a piece.
Result<net::HttpReply> transfer(const std::string& first_url, BlobWriter& writer,
                                const DownloadOptions& options, const std::string& name,
                                Result<void>& write_result) {
    std::string url = first_url;
    Result<net::HttpReply> reply = make_error(502, "upstream_error", "no request made");
    for (int hop = 0; hop < 6; ++hop) {
        net::HttpCall call;
        call.url = url;
        call.headers = options.headers_for ? options.headers_for(url) : std::vector<std::string>{};
        call.headers.push_back("Accept-Encoding: identity");
        if (writer.offset() > 0) {
            call.headers.push_back("Range: bytes=" + std::to_string(writer.offset()) + "-");
        }
        call.follow_redirects = false;
        call.timeout = milliseconds(0);
        call.connect_timeout = options.connect_timeout;
        call.stall_timeout = options.stall_timeout;
        call.buffer_size = 512 * 1024;  // fewer, larger pieces from the socket
        call.cancelled = options.cancelled;
        long status = 0;
        call.on_response = [&](long s, const std::map<std::string, std::string>&) {
            status = s;
            if (s == 200 && writer.offset() > 0) {
                // Range ignored: this body is the whole file. Never append it.
                logger("huggingface")->info("range ignored blob={}: starting over", name);
                write_result = writer.restart();
            }
            return write_result.ok();
        };
        call.on_data = [&](std::string_view piece) {
            if (status != 200 && status != 206) return true;  // an error or redirect body
            write_result = writer.write(piece);
            if (!write_result) return false;
            if (options.on_bytes) options.on_bytes(writer.offset());
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
    return reply;
}

// A 429 says how long to wait (RateLimit t=, Retry-After): waited out instead of the back-off
// when within what this download may stall, else a clear failure now rather than a retry the
// Hub will refuse again. huggingface_hub utils/_http.py waits 1 s more than asked "to avoid
// rounding issues": so do we, as far as the stall bound allows. Returns the pause, or the error.
Result<std::optional<milliseconds>> rate_limit_pause(const net::HttpReply& reply, const Error& e,
                                                     const DownloadOptions& options) {
    const auto asked = hub_retry_after(reply.headers);
    if (!asked) return std::optional<milliseconds>();
    if (*asked > options.stall_timeout) {
        const auto bound = std::chrono::duration_cast<std::chrono::seconds>(options.stall_timeout);
        return make_error(429, "rate_limited",
                          e.message + ", longer than the " + std::to_string(bound.count()) +
                              " s a download may stall; try again later");
    }
    const auto pause =
        std::min<milliseconds>(*asked + std::chrono::seconds(1), options.stall_timeout);
    if (options.on_wait) {
        options.on_wait(
            "rate limited by the Hub: waiting " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(pause).count()) + " s");
    }
    return std::optional<milliseconds>(pause);
}

}  // namespace

Result<void> download_blob(const BlobDownload& target, const DownloadOptions& options) {
    const std::string name = target.blob.filename().string();
    auto opened =
        BlobWriter::open(target.blob, target.identity, {target.lock_file, options.cancelled});
    if (!opened) return opened.error();
    BlobWriter& writer = **opened;
    if (writer.present()) return {};
    const uint64_t size = target.identity.size;
    const auto started = std::chrono::steady_clock::now();
    const uint64_t resumed = writer.offset();

    auto backoff = options.first_backoff;
    Error last = make_error(502, "upstream_error", "download of " + name + " did not start");
    for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
        if (cancelled(options)) return make_error(499, "cancelled", "download cancelled");
        if (writer.offset() == size && size > 0) break;  // all bytes are here
        Result<void> write_result;
        const auto reply = transfer(target.url, writer, options, name, write_result);
        if (!write_result) return write_result;  // a disk error, or more bytes than listed
        if (cancelled(options)) return make_error(499, "cancelled", "download cancelled");
        std::optional<milliseconds> pause;
        if (!reply) {
            last = reply.error();
        } else if (reply->status == 416 && writer.offset() == size) {
            break;
        } else if (reply->status == 416) {  // our partial file does not fit the remote one
            if (auto restarted = writer.restart(); !restarted) return restarted;
            continue;
        } else if (reply->status != 200 && reply->status != 206) {
            const long s = reply->status;
            Error e = hub_error(s, reply->headers, reply->body, options.what, options.have_token);
            if (!transient(s)) return e;
            last = e;
            if (s == 429) {
                auto waited = rate_limit_pause(*reply, e, options);
                if (!waited) return waited.error();
                pause = *waited;
            }
        } else if (writer.offset() == size) {
            break;
        } else {
            last = make_error(502, "upstream_error",
                              "download of " + name + " ended early at " +
                                  std::to_string(writer.offset()) + " of " + std::to_string(size) +
                                  " bytes");
        }
        logger("huggingface")
            ->warn("download retry blob={} attempt={} at={} error=\"{}\"", name, attempt,
                   writer.offset(), last.message);
        if (attempt == options.max_attempts) break;  // no wait before giving up
        // Back-off between attempts, cut short by a cancel.
        const auto until = std::chrono::steady_clock::now() + pause.value_or(backoff);
        while (std::chrono::steady_clock::now() < until && !cancelled(options)) {
            std::this_thread::sleep_for(milliseconds(20));
        }
        if (pause && options.on_wait) options.on_wait("");
        backoff *= 2;
    }
    if (writer.offset() != size) return last;
    const auto transferred = std::chrono::steady_clock::now();
    auto committed = writer.commit();
    if (committed) {
        using ms = std::chrono::duration<double, std::milli>;
        const double transfer_ms = ms(transferred - started).count();
        logger("huggingface")
            ->info("blob={} bytes={} transfer_ms={:.0f} mb_per_s={:.0f} commit_ms={:.0f}", name,
                   size - resumed, transfer_ms,
                   transfer_ms > 0 ? (size - resumed) / transfer_ms / 1000 : 0.0,
                   ms(std::chrono::steady_clock::now() - transferred).count());
    }
    return committed;
}

}  // namespace venom::providers

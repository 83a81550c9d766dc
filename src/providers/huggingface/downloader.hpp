#pragma once
// Downloads one file of a Hub repository into its blob in the cache, crash-safely: bytes go to
// blobs/<etag>.incomplete while they are hashed, the size and hash are checked against the Hub's,
// then the file is fsynced and renamed to blobs/<etag>. An interrupted download resumes from the
// .incomplete file with Range; a server that ignores Range is answered by starting over.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "venom/result.hpp"

namespace venom::providers {

struct BlobDownload {
    std::string url;                    // the Hub's resolve URL
    std::filesystem::path blob;         // <repo>/blobs/<etag>
    uint64_t size = 0;                  // from the Hub
    std::optional<std::string> sha256;  // LFS files
    std::string git_sha1;               // other files: the git blob id
    std::filesystem::path lock_file;    // HF's lock for this blob; empty: none taken
};

struct DownloadOptions {
    // Headers for a URL: the Authorization header only for the Hub's own host.
    std::function<std::vector<std::string>(const std::string& url)> headers_for;
    std::function<void(uint64_t file_bytes_done)> on_bytes;  // after every piece
    std::function<bool()> cancelled;
    // Told why a download pauses ("rate limited by the Hub: waiting 55 s"), then "" when it
    // goes on; for the operation's progress message.
    std::function<void(const std::string& why)> on_wait;
    int max_attempts = 5;  // transient failures (reset, 429, 5xx, truncation) are retried
    std::chrono::milliseconds first_backoff{500};  // doubled after every failed attempt
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds stall_timeout{60000};
    // For error messages a person can act on: "model org/name", and whether HF_TOKEN was sent.
    std::string what = "the file";
    bool have_token = false;
};

// Blocking; workers only. Ok when blobs/<etag> holds the verified content (also when it was
// already there: an existing blob is hashed before it is trusted, and fetched again when it
// does not match). Errors: 499 cancelled (the .incomplete file is kept for a resume), 502
// checksum_mismatch (nothing kept), hub errors for 401/403/404, 502/504 after the attempts,
// 429 rate_limited at once when the Hub asks to wait longer than stall_timeout (a 429 asking
// for less is waited out, within the cancel rule, instead of the back-off).
Result<void> download_blob(const BlobDownload& target, const DownloadOptions& options);

}  // namespace venom::providers

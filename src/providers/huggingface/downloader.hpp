#pragma once
// The copy loop of one file of a Hub repository into its blob in the cache: the HTTP transfer
// (redirects followed by hand so the CDN never gets the token, retries with back-off, Range
// resume, 429 waits) feeding a BlobWriter (blob_writer.hpp), which hashes, writes, verifies and
// commits. A server that ignores Range is answered by starting over, never by appending.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "providers/huggingface/blob_check.hpp"
#include "venom/result.hpp"

namespace venom::providers {

struct BlobDownload {
    std::string url;                  // the Hub's resolve URL
    std::filesystem::path blob;       // <repo>/blobs/<etag>
    BlobIdentity identity;            // size and digest, from the Hub
    std::filesystem::path lock_file;  // HF's lock for this blob; empty: none taken
};

struct DownloadOptions {
    // Headers for a URL: the Authorization header only for the Hub's own host.
    std::function<std::vector<std::string>(const std::string& url)> headers_for;
    // Bytes of the file so far, after every piece (OperationContext bounds how often that is
    // published).
    std::function<void(uint64_t file_bytes_done)> on_bytes;
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

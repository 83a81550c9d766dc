#pragma once
// The Hugging Face Hub's HTTP API (upstream-protocols.md §2): model listings with Link
// pagination and repository metadata with file sizes and hashes. Blocking; workers only.
// HF_TOKEN goes to the Hub host only, never to the CDN it redirects downloads to.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "venom/model_provider.hpp"
#include "venom/result.hpp"

namespace venom::providers {

struct HubFile {
    std::string path;
    uint64_t size = 0;
    std::optional<std::string> sha256;  // LFS files: the content's sha256
    std::string blob_id;                // git blob sha1 (the etag of non-LFS files)
    // The name of its blob in the cache: sha256 for LFS files, the git sha1 otherwise.
    const std::string& etag() const { return sha256 ? *sha256 : blob_id; }
};

struct HubRepo {
    std::string id;
    std::string sha;  // the commit the revision resolved to
    nlohmann::json gated = false;
    std::vector<HubFile> files;
    // The card's base_model when it names exactly one repo (GGUF repos: the model quantized).
    std::optional<std::string> base_model;
};

class HubClient {
public:
    HubClient(std::string endpoint, std::optional<std::string> token,
              std::chrono::milliseconds timeout);

    enum class Sort { downloads, trending };
    // Chat models (the "conversational" tag, unless `search` is given, which searches every
    // model), of the pipelines a runtime serves (text-generation, image-text-to-text), in `sort`
    // order, page `page` of `limit`, following Link rel="next" with the Hub's own cursor. A Hub
    // that rejects sort=trendingScore is asked again by downloads.
    Result<std::vector<CatalogEntry>> list(Sort sort, const std::string& search, std::size_t limit,
                                           std::size_t page) const;

    // /api/models/{id}/revision/{rev}?blobs=true. Errors say what a person must do: 401/403 for
    // gated or private repos (no token / token without access), 404 for a missing repo.
    Result<HubRepo> repo(const std::string& id, const std::string& revision = "main") const;

    // A small JSON file of a commit (model.safetensors.index.json), through resolve_url. Errors
    // as repo(); 502 when it is not JSON.
    Result<nlohmann::json> file_json(const std::string& id, const std::string& commit,
                                     const std::string& path) const;

    // Whether this caller may download files of a gated repo: one HEAD of `path` at `commit`
    // on the Hub, no redirect followed (the Hub answers 401/403 GatedRepo before it redirects
    // to the CDN). Ok on 2xx/3xx; else the error a download would have met. BLOCKING.
    Result<void> check_download_access(const std::string& id, const std::string& commit,
                                       const std::string& path) const;
    // Where to GET a file of a commit; it redirects LFS files to the CDN.
    std::string resolve_url(const std::string& id, const std::string& commit,
                            const std::string& path) const;
    // The Authorization header for a URL: only for the Hub's own scheme://host:port.
    std::vector<std::string> auth_headers_for(const std::string& url) const;

    const std::string& endpoint() const { return endpoint_; }
    bool has_token() const { return token_.has_value(); }

private:
    Result<nlohmann::json> get_json(const std::string& url, std::string* next_page) const;

    std::string endpoint_;
    std::optional<std::string> token_;
    std::chrono::milliseconds timeout_;
};

// The Hub's JSON read without a network, for the client and the fuzzers. Both answer 502
// naming the field when the shape is not what the Hub sends, and parse_hub_repo refuses every
// id that could not safely become a path in the cache (hub_ids.hpp).
Result<std::vector<CatalogEntry>> parse_hub_listing(const nlohmann::json& body, std::size_t limit);
Result<HubRepo> parse_hub_repo(const nlohmann::json& body, const std::string& id);

// The largest file the Hub serves over plain HTTP: huggingface_hub constants.py
// `MAX_HTTP_DOWNLOAD_SIZE = 50 * 1000 * 1000 * 1000  # 50 GB`, which file_download.py http_get
// checks before the first request ("Any files over 50GB will not be available through basic
// http requests"; only Xet serves them). Decimal gigabytes, as the Hub counts.
inline constexpr uint64_t kHubMaxFileBytes = 50'000'000'000ull;

// Ok when `size` is within kHubMaxFileBytes; else 400 file_too_large naming the file. Pure.
Result<void> check_hub_file_size(const std::string& path, uint64_t size);

// The wait a 429 asks for: the largest `t` among the exhausted (`r=0`) policies of the IETF
// `RateLimit` header (`"api";r=0;t=55`), else `Retry-After` in seconds; nullopt when neither
// says. Pure.
std::optional<std::chrono::seconds> hub_retry_after(
    const std::map<std::string, std::string>& headers);

// Maps a Hub error answer to what a person must do. `status` 401/403/404/429/5xx; the Hub's
// own message is kept whole, a 429 says how long the Hub asks to wait.
Error hub_error(long status, const std::map<std::string, std::string>& headers,
                const std::string& body, const std::string& what, bool have_token);

}  // namespace venom::providers

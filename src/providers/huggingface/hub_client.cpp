#include "providers/huggingface/hub_client.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include "providers/huggingface/hub_ids.hpp"
#include "venom/http_client.hpp"
#include "venom/json_field_reader.hpp"
#include "venom/runtime.hpp"

namespace venom::providers {
namespace {

using nlohmann::json;

// Link: <https://huggingface.co/api/models?...&cursor=...>; rel="next"
std::string next_link(const std::map<std::string, std::string>& headers) {
    auto it = headers.find("link");
    if (it == headers.end()) return "";
    static const std::regex next(R"(<([^>]+)>\s*;\s*rel="?next"?)");
    std::smatch m;
    return std::regex_search(it->second, m, next) ? m[1].str() : "";
}

std::string path_quote(const std::string& path) {
    std::string out;
    for (char c : path) {
        out += c == '/' ? std::string("/") : net::url_encode(std::string(1, c));
    }
    return out;
}

// Bytes per parameter of a safetensors dtype, for a size the Hub only gives in parameters.
double dtype_bytes(const std::string& dtype) {
    if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
    if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
    if (dtype == "F64" || dtype == "I64") return 8;
    return 1;  // I8, U8, F8_E4M3, BOOL, ...
}

// One model of a listing, at `path` ("[3]"); surprises in its fields are recorded in `r`.
CatalogEntry to_entry(const json& m, JsonFieldReader& r, const std::string& path) {
    CatalogEntry e;
    e.provider = "huggingface";
    e.model_name = r.string(m, "id", "", path);
    e.display_name = e.model_name.substr(e.model_name.rfind('/') + 1);
    e.runtime = std::string(to_string(Runtime::vllm));
    if (const json* tags = r.array(m, "tags", path)) {
        for (const auto& tag : *tags) {
            if (tag.is_string()) e.tags.push_back(tag.get<std::string>());
        }
    }
    if (auto d = r.integer(m, "downloads", path)) e.downloads = *d;
    if (auto l = r.integer(m, "likes", path)) e.likes = *l;
    if (auto g = m.find("gated"); g != m.end()) e.gated = *g;
    const json* gguf = r.object(m, "gguf", path);
    const json* safetensors = r.object(m, "safetensors", path);
    if (auto total = gguf ? r.number(*gguf, "totalFileSize", JsonFieldReader::join(path, "gguf"))
                          : std::nullopt) {
        e.size_gb = *total / (1024.0 * 1024 * 1024);
    } else if (const json* params = safetensors
                                        ? r.object(*safetensors, "parameters",
                                                   JsonFieldReader::join(path, "safetensors"))
                                        : nullptr) {
        double bytes = 0;
        for (auto it = params->begin(); it != params->end(); ++it) {
            if (it->is_number()) bytes += it->get<double>() * dtype_bytes(it.key());
        }
        if (bytes > 0) e.size_gb = bytes / (1024.0 * 1024 * 1024);
    }
    if (e.size_gb) e.size_gb = std::round(*e.size_gb * 100) / 100;
    return e;
}

}  // namespace

Error hub_error(long status, const std::map<std::string, std::string>& headers,
                const std::string& body, const std::string& what, bool have_token) {
    auto header = [&](const char* name) {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    };
    const std::string code = header("x-error-code");
    std::string message = header("x-error-message");
    if (message.empty()) {
        json parsed = json::parse(body, nullptr, false);
        if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
            message = parsed["error"];
        }
    }
    if (code == "GatedRepo" || ((status == 401 || status == 403) && code.empty() &&
                                message.find("gated") != std::string::npos)) {
        return have_token ? make_error(403, "gated_repo",
                                       what +
                                           " is gated and this HF_TOKEN has no access: accept its "
                                           "terms on the Hub, or use a token with access to gated "
                                           "repositories")
                          : make_error(401, "gated_repo",
                                       what +
                                           " is gated: set HF_TOKEN to a token of an account that "
                                           "accepted its terms on the Hub");
    }
    if (status == 404 || code == "RepoNotFound" || code == "EntryNotFound" ||
        code == "RevisionNotFound") {
        const std::string hint = have_token ? "" : " (or it is private: set HF_TOKEN)";
        // The Hub's own words (X-Error-Message or the JSON `error`) are kept whole: they say
        // which of repo, revision or file is missing.
        return make_error(404, "not_found",
                          what + " does not exist on the Hub" + hint +
                              (message.empty() ? std::string() : ": " + message));
    }
    if (status == 401) {
        return make_error(401, "unauthorized",
                          have_token ? "HF_TOKEN was refused by the Hub: check the token"
                                     : what + " needs authentication: set HF_TOKEN");
    }
    if (status == 403) {
        return make_error(403, "forbidden",
                          "The Hub refused access to " + what +
                              (message.empty() ? std::string() : ": " + message));
    }
    if (status == 429) {
        const auto wait = hub_retry_after(headers);
        Error limited =
            make_error(429, "rate_limited",
                       "The Hub is rate limiting requests; " +
                           (wait ? "it asks to wait " + std::to_string(wait->count()) + " s"
                                 : std::string("retry later")));
        if (wait) limited.retry_after_seconds = wait->count();
        return limited;
    }
    return make_error(502, "upstream_error",
                      "The Hub answered HTTP " + std::to_string(status) + " for " + what +
                          (message.empty() ? std::string() : ": " + message));
}

Result<void> check_hub_file_size(const std::string& path, uint64_t size) {
    if (size <= kHubMaxFileBytes) return {};
    return make_error(400, "file_too_large",
                      path + " is " + std::to_string(size) +
                          " bytes, past the 50 GB the Hub serves over plain HTTP (larger files "
                          "need Xet, which venomd does not speak): choose a smaller quant or "
                          "another repository");
}

std::optional<std::chrono::seconds> hub_retry_after(
    const std::map<std::string, std::string>& headers) {
    // huggingface_hub utils/_http.py (_RATELIMIT_REGEX, parse_ratelimit_headers, and the 429
    // branch of its retry loop): `RateLimit: "<policy>";r=<left>;t=<seconds to reset>` counts
    // only when r is 0, because the Hub sends it on every answer; else `Retry-After` in
    // delay-seconds (the HTTP-date form is not supported there either). Repeated RateLimit
    // headers arrive joined by ", " (http_client): the longest reset of an exhausted policy wins.
    const auto seconds = [](const std::string& digits) {
        return std::chrono::seconds(digits.size() > 9 ? 999'999'999 : std::stoll(digits));
    };
    std::optional<std::chrono::seconds> wait;
    if (auto it = headers.find("ratelimit"); it != headers.end()) {
        static const std::regex policy(R"re("(\w+)"\s*;\s*r\s*=\s*(\d+)\s*;\s*t\s*=\s*(\d+))re");
        for (auto i = std::sregex_iterator(it->second.begin(), it->second.end(), policy);
             i != std::sregex_iterator(); ++i) {
            if (seconds((*i)[2]).count() != 0) continue;
            wait = std::max(wait.value_or(std::chrono::seconds(0)), seconds((*i)[3]));
        }
    }
    if (!wait) {
        if (auto it = headers.find("retry-after"); it != headers.end()) {
            const std::string& v = it->second;
            if (!v.empty() &&
                std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                wait = seconds(v);
            }
        }
    }
    return wait;
}

HubClient::HubClient(std::string endpoint, std::optional<std::string> token,
                     std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), token_(std::move(token)), timeout_(timeout) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

std::vector<std::string> HubClient::auth_headers_for(const std::string& url) const {
    if (!token_ || net::url_origin(url) != net::url_origin(endpoint_)) return {};
    return {"Authorization: Bearer " + *token_};
}

Result<json> HubClient::get_json(const std::string& url, std::string* next_page) const {
    net::HttpCall call;
    call.url = url;
    call.headers = auth_headers_for(url);
    call.headers.push_back("Accept: application/json");
    call.timeout = timeout_;
    call.stall_timeout = timeout_;
    call.follow_redirects = false;
    // Renamed repos answer a relative 307; follow those, on the Hub itself only.
    for (int hop = 0; hop < 5; ++hop) {
        auto reply = net::perform(call);
        if (!reply) return reply.error();
        if (reply->status >= 300 && reply->status < 400 && reply->headers.count("location")) {
            // huggingface_hub utils/_http.py (_httpx_follow_relative_redirects_with_backoff):
            // a relative Location goes on the origin that answered, not after HF_ENDPOINT's path.
            std::string location = net::resolve_location(reply->headers["location"], call.url);
            call.url = location;
            call.headers = auth_headers_for(location);
            continue;
        }
        if (reply->status != 200) {
            return hub_error(reply->status, reply->headers, reply->body, url, token_.has_value());
        }
        json parsed = json::parse(reply->body, nullptr, false);
        if (parsed.is_discarded()) {
            return make_error(502, "upstream_error", "The Hub sent a reply that is not JSON");
        }
        if (next_page) *next_page = next_link(reply->headers);
        return parsed;
    }
    return make_error(502, "upstream_error", "Too many redirects from the Hub");
}

Result<std::vector<CatalogEntry>> HubClient::list(Sort sort, const std::string& search,
                                                  std::size_t limit, std::size_t page) const {
    auto query = [&](const char* sort_key) {
        // No `direction`: huggingface_hub hf_api.py list_models deprecated it ("Sorting is
        // always descending.", #3630), then removed it (#3882); the Hub ignores it.
        std::string url =
            endpoint_ + "/api/models?sort=" + sort_key + "&limit=" + std::to_string(limit);
        if (search.empty()) {
            // Chat models of every pipeline a runtime serves: LLMs (text-generation) and VLMs
            // (image-text-to-text) both carry the Hub's "conversational" tag; huggingface_hub
            // hf_api.py list_models takes one pipeline_tag only, so the pipelines are kept
            // below (parse_hub_listing).
            url += "&filter=conversational";
        } else {
            url += "&search=" + net::url_encode(search);
        }
        for (const char* field : {"downloads", "likes", "tags", "pipeline_tag", "gated",
                                  "safetensors", "gguf", "trendingScore"}) {
            url += std::string("&expand=") + field;
        }
        return url;
    };
    std::string url = query(sort == Sort::trending ? "trendingScore" : "downloads");
    std::vector<CatalogEntry> entries;
    for (std::size_t p = 1; p <= page && !url.empty(); ++p) {
        std::string next;
        auto body = get_json(url, &next);
        if (!body && p == 1 && sort == Sort::trending && body.error().http_status == 502) {
            // Some Hub deployments (mirrors) reject trendingScore: popular by downloads instead.
            url = query("downloads");
            --p;
            sort = Sort::downloads;
            continue;
        }
        if (!body) return body.error();
        auto listed = parse_hub_listing(*body, limit);
        if (!listed) return listed.error();
        if (p == page) entries = std::move(listed.value());
        url = next;
    }
    return entries;
}

Result<std::vector<CatalogEntry>> parse_hub_listing(const json& body, std::size_t limit) {
    if (!body.is_array()) return make_error(502, "upstream_error", "Unexpected listing");
    std::vector<CatalogEntry> entries;
    JsonFieldReader reader("Hub listing");
    for (std::size_t i = 0; i < body.size() && entries.size() < limit; ++i) {
        const json& m = body[i];
        if (!m.is_object() || !m.contains("id")) continue;
        // Only what vLLM or Ollama can serve as a chat model; a repo without a pipeline_tag
        // (many GGUF repos) is kept.
        if (auto p = m.find("pipeline_tag"); p != m.end() && p->is_string() &&
                                             *p != "text-generation" &&
                                             *p != "image-text-to-text") {
            continue;
        }
        entries.push_back(to_entry(m, reader, "[" + std::to_string(i) + "]"));
        if (!reader.ok()) return reader.error();
    }
    return entries;
}

Result<HubRepo> HubClient::repo(const std::string& id, const std::string& revision) const {
    const std::string url =
        endpoint_ + "/api/models/" + id + "/revision/" + net::url_encode(revision) + "?blobs=true";
    auto body = get_json(url, nullptr);
    if (!body) {
        // The URL names the model for a person; what the Hub said after it is kept whole.
        Error e = body.error();
        if (const auto at = e.message.find(url); at != std::string::npos) {
            e.message.replace(at, url.size(), "model " + id);
        }
        return e;
    }
    return parse_hub_repo(*body, id);
}

Result<HubRepo> parse_hub_repo(const json& answer, const std::string& id) {
    const json* body = &answer;
    HubRepo repo;
    JsonFieldReader reader("Hub answer for " + id);
    repo.id = reader.string(*body, "id", id);
    repo.sha = reader.string(*body, "sha");
    if (body->is_object() && body->contains("gated")) repo.gated = (*body)["gated"];
    // The Hub's model card metadata: base_model is a repo id or a list of them (merges).
    if (body->is_object() && body->contains("cardData") && (*body)["cardData"].is_object()) {
        const json& base = (*body)["cardData"].value("base_model", json());
        const json& one = base.is_array() && base.size() == 1 ? base[0] : base;
        static const std::regex repo_id(R"(^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+$)");
        // It becomes vLLM's --tokenizer: an org/name, never a path ("../x") or an option ("-x").
        if (one.is_string() && std::regex_match(one.get<std::string>(), repo_id) &&
            one.get<std::string>().front() != '-' && is_safe_repo_path(one.get<std::string>())) {
            repo.base_model = one.get<std::string>();
        }
    }
    if (!reader.ok()) return reader.error();
    if (repo.sha.empty()) {
        return make_error(502, "upstream_error", "The Hub gave no commit for " + id);
    }
    // Every id below becomes a path in the cache: refuse what could leave it (issue 9).
    if (!is_git_sha1(repo.sha)) return invalid_upstream_id("sha", repo.sha, "model " + id);
    const json* siblings = reader.array(*body, "siblings");
    for (std::size_t i = 0; siblings && i < siblings->size(); ++i) {
        const json& s = (*siblings)[i];
        const std::string at = "siblings[" + std::to_string(i) + "]";
        HubFile f;
        f.path = reader.string(s, "rfilename", "", at);
        f.size = reader.unsigned_integer(s, "size", 0, at);
        f.blob_id = reader.string(s, "blobId", "", at);
        if (const json* lfs = reader.object(s, "lfs", at)) {
            const std::string lfs_at = at + ".lfs";
            const std::string oid = reader.string(*lfs, "oid", "", lfs_at);
            f.sha256 = reader.string(*lfs, "sha256", oid, lfs_at);
            f.size = reader.unsigned_integer(*lfs, "size", f.size, lfs_at);
        }
        if (!reader.ok()) return reader.error();
        if (f.path.empty()) continue;
        if (!is_safe_repo_path(f.path)) {
            return invalid_upstream_id(at + ".rfilename", f.path, "model " + id);
        }
        if (f.sha256 && !is_sha256_hex(*f.sha256)) {
            return invalid_upstream_id(at + ".lfs.sha256", *f.sha256, "model " + id);
        }
        if (!f.sha256 && !is_git_sha1(f.blob_id)) {
            return invalid_upstream_id(at + ".blobId", f.blob_id, "model " + id);
        }
        repo.files.push_back(std::move(f));
    }
    if (!reader.ok()) return reader.error();
    return repo;
}

Result<json> HubClient::file_json(const std::string& id, const std::string& commit,
                                  const std::string& path) const {
    return get_json(resolve_url(id, commit, path), nullptr);
}

Result<void> HubClient::check_download_access(const std::string& id, const std::string& commit,
                                              const std::string& path) const {
    net::HttpCall call;
    call.method = "HEAD";
    call.url = resolve_url(id, commit, path);
    call.headers = auth_headers_for(call.url);
    call.timeout = timeout_;
    call.stall_timeout = timeout_;
    call.follow_redirects = false;
    auto reply = net::perform(call);
    if (!reply) return reply.error();
    if (reply->status >= 200 && reply->status < 400) return {};
    return hub_error(reply->status, reply->headers, reply->body, "model " + id, token_.has_value());
}

std::string HubClient::resolve_url(const std::string& id, const std::string& commit,
                                   const std::string& path) const {
    return endpoint_ + "/" + id + "/resolve/" + net::url_encode(commit) + "/" + path_quote(path);
}

}  // namespace venom::providers

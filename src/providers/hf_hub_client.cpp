#include "providers/hf_hub_client.hpp"

#include <cmath>
#include <regex>

#include "providers/hub_ids.hpp"
#include "venom/http_client.hpp"

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

CatalogEntry to_entry(const json& m) {
    CatalogEntry e;
    e.provider = "huggingface";
    e.model_name = m.value("id", "");
    e.display_name = e.model_name.substr(e.model_name.rfind('/') + 1);
    e.runtime = "vllm";
    if (auto t = m.find("tags"); t != m.end() && t->is_array()) {
        for (const auto& tag : *t) {
            if (tag.is_string()) e.tags.push_back(tag.get<std::string>());
        }
    }
    if (auto d = m.find("downloads"); d != m.end() && d->is_number()) e.downloads = d->get<int64_t>();
    if (auto l = m.find("likes"); l != m.end() && l->is_number()) e.likes = l->get<int64_t>();
    if (auto g = m.find("gated"); g != m.end()) e.gated = *g;
    if (auto g = m.find("gguf"); g != m.end() && g->contains("totalFileSize")) {
        e.size_gb = (*g)["totalFileSize"].get<double>() / (1024.0 * 1024 * 1024);
    } else if (auto s = m.find("safetensors"); s != m.end() && s->contains("parameters")) {
        double bytes = 0;
        for (auto it = (*s)["parameters"].begin(); it != (*s)["parameters"].end(); ++it) {
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
        return have_token
                   ? make_error(403, "gated_repo",
                                what + " is gated and this HF_TOKEN has no access: accept its "
                                       "terms on the Hub, or use a token with access to gated "
                                       "repositories")
                   : make_error(401, "gated_repo",
                                what + " is gated: set HF_TOKEN to a token of an account that "
                                       "accepted its terms on the Hub");
    }
    if (status == 404 || code == "RepoNotFound" || code == "EntryNotFound" ||
        code == "RevisionNotFound") {
        const std::string hint = have_token ? "" : " (or it is private: set HF_TOKEN)";
        return make_error(404, "not_found", what + " does not exist on the Hub" + hint);
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
        return make_error(429, "rate_limited", "The Hub is rate limiting requests; retry later");
    }
    return make_error(502, "upstream_error",
                      "The Hub answered HTTP " + std::to_string(status) + " for " + what +
                          (message.empty() ? std::string() : ": " + message));
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
            std::string location = reply->headers["location"];
            if (location.rfind("/", 0) == 0) location = endpoint_ + location;
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
        std::string url = endpoint_ + "/api/models?sort=" + sort_key + "&direction=-1&limit=" +
                          std::to_string(limit);
        if (search.empty()) {
            url += "&filter=text-generation";
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
        if (!body->is_array()) return make_error(502, "upstream_error", "Unexpected listing");
        if (p == page) {
            for (const auto& m : *body) {
                if (entries.size() >= limit) break;
                if (m.is_object() && m.contains("id")) entries.push_back(to_entry(m));
            }
        }
        url = next;
    }
    return entries;
}

Result<HubRepo> HubClient::repo(const std::string& id, const std::string& revision) const {
    auto body = get_json(endpoint_ + "/api/models/" + id + "/revision/" +
                             net::url_encode(revision) + "?blobs=true",
                         nullptr);
    if (!body) {
        Error e = body.error();
        if (e.message.find(endpoint_) != std::string::npos) {
            e.message.replace(e.message.find(endpoint_), std::string::npos, "model " + id);
        }
        return e;
    }
    HubRepo repo;
    repo.id = body->value("id", id);
    repo.sha = body->value("sha", "");
    if (body->contains("gated")) repo.gated = (*body)["gated"];
    if (repo.sha.empty()) {
        return make_error(502, "upstream_error", "The Hub gave no commit for " + id);
    }
    // Every id below becomes a path in the cache: refuse what could leave it (issue 9).
    if (!is_git_sha1(repo.sha)) return invalid_upstream_id("sha", repo.sha, "model " + id);
    for (const auto& s : body->value("siblings", json::array())) {
        HubFile f;
        f.path = s.value("rfilename", "");
        if (f.path.empty()) continue;
        f.size = s.value("size", uint64_t{0});
        f.blob_id = s.value("blobId", "");
        if (auto lfs = s.find("lfs"); lfs != s.end() && lfs->is_object()) {
            f.sha256 = lfs->value("sha256", lfs->value("oid", ""));
            f.size = lfs->value("size", f.size);
        }
        if (!is_safe_repo_path(f.path)) {
            return invalid_upstream_id("siblings[].rfilename", f.path, "model " + id);
        }
        if (f.sha256 && !is_sha256_hex(*f.sha256)) {
            return invalid_upstream_id("siblings[].lfs.sha256", *f.sha256, "model " + id);
        }
        if (!f.sha256 && !is_git_sha1(f.blob_id)) {
            return invalid_upstream_id("siblings[].blobId", f.blob_id, "model " + id);
        }
        repo.files.push_back(std::move(f));
    }
    return repo;
}

std::string HubClient::resolve_url(const std::string& id, const std::string& commit,
                                   const std::string& path) const {
    return endpoint_ + "/" + id + "/resolve/" + net::url_encode(commit) + "/" + path_quote(path);
}

}  // namespace venom::providers

#include "providers/ollama/client.hpp"

#include <atomic>
#include <map>
#include <mutex>

#include "venom/http_client.hpp"
#include "venom/json_field_reader.hpp"

namespace venom::providers {
namespace {

using nlohmann::json;

std::string strip_sha(std::string digest) {
    if (digest.rfind("sha256:", 0) == 0) digest.erase(0, 7);
    return digest;
}

std::string string_field(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Ollama answers errors as {"error": "..."}; keep its words, they are what a person needs.
std::string error_text(const std::string& body, long status) {
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
        return parsed["error"].get<std::string>();
    }
    return "Ollama answered HTTP " + std::to_string(status);
}

// server/images.go PullModel: a manifest the registry does not have comes back as
// os.ErrNotExist ("pull model manifest: file does not exist") in an error line of a 200 stream
// (real Ollama never answers 404 there); other stream errors are Ollama's or the registry's.
Error pull_stream_error(const std::string& name, const std::string& text) {
    if (text.find("file does not exist") != std::string::npos) {
        return make_error(
            404, "model_not_found",
            "Model " + name + " is not in the Ollama registry (Ollama: " + text + ")");
    }
    return make_error(502, "upstream_error", text);
}

Error upstream_error(long status, const std::string& body) {
    if (status == 404) return make_error(404, "model_not_found", error_text(body, status));
    return make_error(502, "upstream_error", "Ollama: " + error_text(body, status));
}

}  // namespace

std::string connectable_ollama_url(const std::string& normalized_host) {
    std::string url = normalized_host;
    for (auto [any, loopback] :
         {std::pair{"://0.0.0.0:", "://127.0.0.1:"}, std::pair{"://[::]:", "://[::1]:"}}) {
        if (auto pos = url.find(any); pos != std::string::npos) {
            url.replace(pos, std::string(any).size(), loopback);
        }
    }
    return url;
}

std::optional<PullProgress> parse_pull_line(std::string_view line, std::string* error) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    if (auto it = j.find("error"); it != j.end()) {
        if (error) *error = it->is_string() ? it->get<std::string>() : it->dump();
        return PullProgress{"error", std::nullopt, std::nullopt, std::nullopt};
    }
    PullProgress p;
    p.status = string_field(j, "status");
    if (auto d = string_field(j, "digest"); !d.empty()) p.digest = d;
    if (auto it = j.find("total"); it != j.end()) p.total = as_unsigned(*it);
    if (auto it = j.find("completed"); it != j.end()) p.completed = as_unsigned(*it);
    return p;
}

OllamaClient::OllamaClient(std::string base_url, Timeouts timeouts)
    : base_url_(std::move(base_url)), timeouts_(timeouts) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<json> OllamaClient::call_json(const std::string& method, const std::string& path,
                                     const json* body, std::chrono::milliseconds timeout) const {
    net::HttpCall call;
    call.method = method;
    call.url = base_url_ + path;
    call.connect_timeout = timeouts_.connect;
    call.timeout = timeout;
    call.stall_timeout = timeout;
    if (body) {
        call.headers = {"Content-Type: application/json"};
        call.body = body->dump();
    }
    auto reply = net::perform(call);
    if (!reply) return reply.error();
    if (reply->status < 200 || reply->status >= 300) {
        return upstream_error(reply->status, reply->body);
    }
    if (reply->body.empty()) return json::object();  // /api/delete answers 200 with no body
    json parsed = json::parse(reply->body, nullptr, false);
    if (parsed.is_discarded()) {
        return make_error(502, "upstream_error", "Ollama sent a reply that is not JSON: " + path);
    }
    return parsed;
}

Result<std::vector<OllamaModel>> OllamaClient::tags() const {
    auto reply = call_json("GET", "/api/tags", nullptr, timeouts_.request);
    if (!reply) return reply.error();
    return parse_ollama_tags(*reply);
}

Result<std::vector<OllamaModel>> parse_ollama_tags(const json& answer) {
    std::vector<OllamaModel> models;
    JsonFieldReader reader("Ollama /api/tags answer");
    const json* list = reader.array(answer, "models");
    if (!reader.ok()) return reader.error();
    if (!list) return models;
    for (const auto& m : *list) {
        OllamaModel model;
        model.name = string_field(m, "name");
        if (model.name.empty()) model.name = string_field(m, "model");
        if (model.name.empty()) continue;
        if (auto it = m.find("size"); it != m.end()) {
            if (auto size = as_unsigned(*it)) model.size = *size;
        }
        model.digest = strip_sha(string_field(m, "digest"));
        model.remote_host = string_field(m, "remote_host");
        model.remote_model = string_field(m, "remote_model");
        if (auto it = m.find("capabilities"); it != m.end() && it->is_array()) {
            for (const auto& c : *it) {
                if (c.is_string()) model.capabilities.push_back(c.get<std::string>());
            }
        }
        if (auto it = m.find("details"); it != m.end() && it->is_object()) {
            model.family = string_field(*it, "family");
            model.parameter_size = string_field(*it, "parameter_size");
            model.quantization_level = string_field(*it, "quantization_level");
            model.format = string_field(*it, "format");
        }
        models.push_back(std::move(model));
    }
    return models;
}

Result<json> OllamaClient::show(const std::string& name) const {
    json body = {{"model", name}};
    return call_json("POST", "/api/show", &body, timeouts_.request);
}

Result<std::vector<std::string>> OllamaClient::loaded() const {
    auto reply = call_json("GET", "/api/ps", nullptr, timeouts_.request);
    if (!reply) return reply.error();
    return parse_ollama_ps(*reply);
}

Result<std::vector<std::string>> parse_ollama_ps(const json& answer) {
    std::vector<std::string> names;
    JsonFieldReader reader("Ollama /api/ps answer");
    const json* list = reader.array(answer, "models");
    if (!reader.ok()) return reader.error();
    if (list) {
        for (const auto& m : *list) {
            std::string name = string_field(m, "name");
            if (name.empty()) name = string_field(m, "model");
            if (!name.empty()) names.push_back(name);
        }
    }
    return names;
}

Result<void> OllamaClient::load(const std::string& name, const json& options) const {
    // The active model stays in memory until another is activated (which unloads it).
    json body = {{"model", name}, {"prompt", ""}, {"stream", false}, {"keep_alive", -1}};
    if (!options.empty()) body["options"] = options;
    auto reply = call_json("POST", "/api/generate", &body, timeouts_.load);
    if (!reply) return reply.error();
    return {};
}

Result<void> OllamaClient::unload(const std::string& name) const {
    json body = {{"model", name}, {"prompt", ""}, {"stream", false}, {"keep_alive", 0}};
    auto reply = call_json("POST", "/api/generate", &body, timeouts_.request);
    if (!reply) return reply.error();
    return {};
}

Result<void> OllamaClient::remove(const std::string& name) const {
    json body = {{"model", name}};
    auto reply = call_json("DELETE", "/api/delete", &body, timeouts_.request);
    if (!reply) return reply.error();
    return {};
}

Result<void> OllamaClient::pull(const std::string& name,
                                const std::function<void(const PullProgress&)>& on_progress,
                                const std::function<bool()>& cancelled) const {
    using steady = std::chrono::steady_clock;
    std::string pending;       // bytes of a line not yet complete
    std::string stream_error;  // an {"error":...} line
    bool succeeded = false;
    uint64_t last_completed = 0;
    std::string last_status;
    auto last_progress = steady::now();
    std::map<std::string, uint64_t> layer_totals;  // by digest
    bool verifying = false;
    bool stalled = false;
    bool line_too_long = false;

    auto handle_line = [&](std::string_view line) {
        if (line.empty()) return;
        auto progress = parse_pull_line(line, &stream_error);
        if (!progress) return;
        if (progress->status == "success") succeeded = true;
        if (progress->digest && progress->total) layer_totals[*progress->digest] = *progress->total;
        verifying = progress->status == "verifying sha256 digest";
        // Progress is bytes moving or a new phase; the same line repeated is not progress.
        const uint64_t completed = progress->completed.value_or(0);
        if (completed != last_completed || progress->status != last_status) {
            last_completed = completed;
            last_status = progress->status;
            last_progress = steady::now();
        }
        on_progress(*progress);
    };

    net::HttpCall call;
    call.method = "POST";
    call.url = base_url_ + "/api/pull";
    call.headers = {"Content-Type: application/json"};
    call.body = json{{"model", name}, {"stream", true}}.dump();
    call.connect_timeout = timeouts_.connect;
    call.timeout = std::chrono::milliseconds(0);        // a pull may rightly take hours
    call.stall_timeout = std::chrono::milliseconds(0);  // judged below, phase by phase
    call.on_data = [&](std::string_view piece) {
        pending.append(piece);
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            handle_line(std::string_view(pending).substr(start, nl - start));
        }
        pending.erase(0, start);
        if (pending.size() > timeouts_.max_pull_line_bytes) {
            line_too_long = true;  // one endless line fails at the cap, not at the stall timer
            return false;
        }
        return stream_error.empty();  // stop reading after an error line
    };
    // The silence a phase may rightly have: hashing the pulled bytes, or pull_stall.
    auto allowed_silence = [&] {
        if (!verifying || timeouts_.verify_bytes_per_second == 0) return timeouts_.pull_stall;
        uint64_t bytes = 0;
        for (const auto& [digest, total] : layer_totals) bytes += total;
        return timeouts_.pull_stall +
               std::chrono::milliseconds(bytes / timeouts_.verify_bytes_per_second * 1000 +
                                         bytes % timeouts_.verify_bytes_per_second * 1000 /
                                             timeouts_.verify_bytes_per_second);
    };
    call.cancelled = [&] {
        if (cancelled && cancelled()) return true;
        if (steady::now() - last_progress > allowed_silence()) {
            stalled = true;
            return true;
        }
        return false;
    };

    auto reply = net::perform(call);
    if (line_too_long) {
        return make_error(502, "upstream_too_large",
                          "Ollama pull of " + name + ": a progress line longer than " +
                              std::to_string(timeouts_.max_pull_line_bytes / 1024) + " KiB");
    }
    if (!pending.empty()) handle_line(pending);
    if (!stream_error.empty()) return pull_stream_error(name, stream_error);
    if (stalled) {
        const auto waited = allowed_silence();
        return make_error(504, "upstream_timeout",
                          "pull of " + name + " stalled: no progress for " +
                              std::to_string(waited.count()) + " ms" +
                              (verifying ? " while Ollama verified the sha256 digests" : ""));
    }
    if (!reply) return reply.error();
    if (reply->status < 200 || reply->status >= 300) {
        return upstream_error(reply->status, reply->body);
    }
    if (!succeeded) {
        return make_error(502, "upstream_error",
                          "pull of " + name + " ended without success from Ollama");
    }
    return {};
}

}  // namespace venom::providers

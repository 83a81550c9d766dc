#pragma once
// The Ollama server's native HTTP API (upstream-protocols.md §1): tags, show, ps, pull,
// delete, generate (load/unload). Blocking calls through net::perform; use from workers only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "venom/result.hpp"

namespace venom::providers {

struct OllamaModel {
    std::string name;
    uint64_t size = 0;
    std::string digest;  // 64 hex, without "sha256:"
    std::string family;
    std::string parameter_size;
    std::string quantization_level;
    std::string format;
    // A cloud stub (ollama/ollama api/types.go ListModelResponse RemoteHost/RemoteModel): its
    // weights live at remote_host, nothing is installed here.
    std::string remote_host;
    std::string remote_model;
    std::vector<std::string> capabilities;  // newer servers list them in /api/tags too
};

struct PullProgress {
    std::string status;                 // "pulling manifest", "pulling 6a0746a1ec1a", ...
    std::optional<std::string> digest;  // with "sha256:"
    std::optional<uint64_t> total;
    std::optional<uint64_t> completed;  // omitted by Ollama when zero
};

// The base URL to connect to for OLLAMA_HOST as normalize_ollama_host() returns it: bind-all
// addresses (0.0.0.0, [::]) become loopback, as Ollama's own ConnectableHost does.
std::string connectable_ollama_url(const std::string& normalized_host);

class OllamaClient {
public:
    struct Timeouts {
        std::chrono::milliseconds connect{5000};
        std::chrono::milliseconds request{30000};
        std::chrono::milliseconds load{300000};  // loading a model into memory
        std::chrono::milliseconds pull_stall{120000};
        // After "verifying sha256 digest" Ollama sends nothing until it has hashed every new
        // blob (server/images.go PullModel), minutes for a 40 GB model. In that phase the stall
        // bound is pull_stall plus the pulled bytes at this rate (a slow disk's read speed).
        std::uint64_t verify_bytes_per_second = 50ull * 1000 * 1000;
        // Not a time but the same kind of bound: one progress line of /api/pull is ~150 bytes;
        // a line that grows past this is broken or hostile and fails the pull at once.
        std::size_t max_pull_line_bytes = 1 << 20;
    };

    OllamaClient(std::string base_url, Timeouts timeouts);

    const std::string& base_url() const { return base_url_; }

    // GET /api/tags. 502/504 when Ollama cannot be reached.
    Result<std::vector<OllamaModel>> tags() const;
    // POST /api/show; 404 model_not_found.
    Result<nlohmann::json> show(const std::string& name) const;
    // GET /api/ps: names of the loaded models.
    Result<std::vector<std::string>> loaded() const;
    // POST /api/generate with an empty prompt and keep_alive -1: loaded until unloaded.
    // `options` (api/types.go Options, e.g. num_ctx) go with it when not empty: runner options
    // such as num_ctx are the ones the model is loaded with.
    Result<void> load(const std::string& name,
                      const nlohmann::json& options = nlohmann::json::object()) const;
    Result<void> unload(const std::string& name) const;
    // DELETE /api/delete with a JSON body; 404 model_not_found.
    Result<void> remove(const std::string& name) const;
    // POST /api/pull, streaming. Calls `on_progress` for every line; fails with the stream's
    // own error text (404 model_not_found when the registry has no such manifest), when the
    // stream ends without "success", on HTTP errors, when no progress is seen for pull_stall
    // (longer while Ollama verifies, see Timeouts), and with 499 when `cancelled` turns true.
    Result<void> pull(const std::string& name,
                      const std::function<void(const PullProgress&)>& on_progress,
                      const std::function<bool()>& cancelled) const;

private:
    Result<nlohmann::json> call_json(const std::string& method, const std::string& path,
                                     const nlohmann::json* body,
                                     std::chrono::milliseconds timeout) const;

    std::string base_url_;
    Timeouts timeouts_;
};

// Parses one pull progress line; nullopt when it is not a JSON object. Pure.
std::optional<PullProgress> parse_pull_line(std::string_view line, std::string* error_text);
// /api/tags and /api/ps answers; 502 naming the field when the shape is not Ollama's. Pure.
Result<std::vector<OllamaModel>> parse_ollama_tags(const nlohmann::json& answer);
Result<std::vector<std::string>> parse_ollama_ps(const nlohmann::json& answer);

}  // namespace venom::providers

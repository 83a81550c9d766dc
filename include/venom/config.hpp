#pragma once
// The daemon's settings, from (strongest first) command-line flags, environment variables,
// config/venom.json and defaults (DESIGN.md "Command line and environment").

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "venom/runtime.hpp"

namespace venom {

struct Config {
    std::string host = "127.0.0.1";
    int port = 8000;
    std::filesystem::path data_dir = "./data";
    std::filesystem::path models_dir;  // default <data_dir>/models
    std::optional<std::filesystem::path> config_file;
    std::string log_level = "info";

    std::optional<std::string> api_token;  // secret: never logged or returned
    // Listen on a non-loopback address without a token (--insecure-bind, VENOM_INSECURE_BIND).
    bool insecure_bind = false;
    // Host names accepted in the Host header besides loopback names and IP literals
    // (VENOM_ALLOWED_HOSTS, comma-separated, lower-cased; "*": any).
    std::vector<std::string> allowed_hosts;
    // Origins of pages that may call the API cross-origin (VENOM_CORS_ORIGINS, comma-separated,
    // "scheme://host[:port]").
    std::vector<std::string> cors_origins;
    double max_storage_gb = 50.0;
    double default_model_size_gb = 4.0;
    // Partial downloads kept for a resume after a failure that may pass (network, cancel):
    // deleted once older than this, or oldest first beyond partial_max_gb (issue 9, finding 11).
    int partial_max_age_hours = 24;
    double partial_max_gb = 20.0;
    int catalog_ttl_seconds = 1800;

    std::string ollama_host = "http://127.0.0.1:11434";
    std::string ollama_library_url = "https://ollama.com";
    std::string hf_endpoint = "https://huggingface.co";
    // HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file $HF_HOME/token. Secret.
    std::optional<std::string> hf_token;
    // HF_HOME (unset: no token file is read; the cache then defaults to the models directory).
    std::optional<std::filesystem::path> hf_home;
    // HF_HUB_CACHE; empty: not set (hub_cache_dir() says where the cache is then).
    std::filesystem::path hf_hub_cache;
    // Hub news (GET /models/news); empty: under hf_endpoint (blog_feed_url(), papers_url()).
    std::string hf_blog_feed_url;
    std::string hf_papers_url;
    int news_timeout_seconds = 10;           // one news upstream request (feed, page, API)
    int news_translation_timeout_ms = 8000;  // translating one news answer, all items together
    std::string vllm_endpoint = "http://127.0.0.1:8001/v1";
    std::optional<std::string> openai_api_key;  // secret
    std::string openai_base_url = "https://api.openai.com/v1";
    std::optional<std::string> google_api_key;  // secret
    std::string gemini_base_url = "https://generativelanguage.googleapis.com";
    std::string service_manager = "auto";  // auto|systemd|process
    std::string ollama_bin = "ollama";
    std::string vllm_bin = "vllm";
    // Where ollama_service.sh and vllm_service.sh live; relative paths are from the working
    // directory (the unit in config/systemd sets it to the install directory).
    std::filesystem::path scripts_dir = "scripts/llm";

    // HTTP server and queue tuning (config file only).
    int io_threads = 2;
    int operation_workers = 2;
    int max_connections = 512;
    uint64_t max_body_bytes = 1 << 20;
    int request_timeout_seconds = 30;     // to read one request / write one response
    int keep_alive_timeout_seconds = 60;  // idle time between requests on one connection
    int operations_history_limit = 500;
    int runtime_history_limit = 200;  // entries of runtime-history.json (GET /runtime/history)
    int usage_interval_seconds = 5;
    int upstream_timeout_seconds = 30;           // one upstream request (catalog, show, tags)
    int pull_stall_timeout_seconds = 120;        // an install with no progress for this long fails
    int ollama_inventory_interval_seconds = 10;  // how often Ollama's model list is re-read
    int request_workers = 4;                     // threads for upstream calls requests need
    int download_attempts = 5;                   // per file, for resets, 429, 5xx, truncation
    int download_backoff_ms = 1000;              // before the 2nd attempt; doubled after each
    int runtime_action_timeout_seconds = 300;    // one service-script start/stop/restart
    int runtime_ready_timeout_seconds = 300;     // a started runtime must answer its health URL
    int runtime_probe_timeout_ms = 2000;         // one health probe of a runtime
    int cloud_catalog_ttl_seconds = 300;         // OpenAI/Gemini model lists
    // A request whose handler has not answered by then gets 504 handler_timeout (runtime
    // switches and service actions get runtime_action + runtime_ready timeouts instead).
    double handler_timeout_seconds = 30;
    int action_workers = 2;  // threads for installs, switches and service actions
    // Live events: events one client may have waiting before it is dropped as too slow, and how
    // often an idle stream gets a keep-alive (SSE comment; WebSocket ping, closed when no pong
    // comes within twice this).
    int events_client_queue = 256;
    int events_keepalive_ms = 15000;
    // POST /translate and news translation (issue 12): one chunk's upstream call, chunks of one
    // call in flight at once, the largest chunk, the context assumed for a model whose context
    // length is unknown, and translations kept (LRU, saved to <data>/translation-cache.json).
    int translation_timeout_seconds = 60;
    int translation_parallelism = 3;
    int translation_max_chunk_bytes = 6000;
    int translation_default_context_tokens = 4096;
    int translation_cache_entries = 2000;
    // Governance (issue 13): the price table, where translation falls back, and whether the
    // HTTP layer counts requests per route for GET /metrics.
    std::optional<std::filesystem::path> pricing_file;  // default: config/pricing.json if present
    std::vector<Runtime> fallback_order{kAllRuntimes.begin(), kAllRuntimes.end()};
    bool fallback_from_local = false;
    bool metrics = true;
};

// A setting that cannot be used; the message names it, e.g. "--port: 'abc' is not a number".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CommandLine {
    bool help = false;
    bool version = false;
    Config config;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Parses flags, the environment and the config file. Throws ConfigError for an unknown flag, a
// malformed value or an unreadable config file named explicitly.
CommandLine load_config(const std::vector<std::string>& args, const EnvLookup& env);

// The Hub cache shared with Hugging Face's tools: HF_HUB_CACHE, else HF_HOME/hub, else
// <models_dir>/huggingface/hub. Pure.
std::filesystem::path hub_cache_dir(const Config& config);

// HF_BLOG_FEED_URL, else <hf_endpoint>/blog/feed.xml. Pure.
std::string blog_feed_url(const Config& config);
// HF_PAPERS_URL, else <hf_endpoint>/papers/month: the base the month page's "/YYYY-MM" is
// appended to. Pure.
std::string papers_url(const Config& config);

// OLLAMA_HOST read the way Ollama reads it: no scheme means http and port 11434, an explicit
// http:// or https:// without a port means 80 or 443, a path is kept, "ollama.com" means
// https://ollama.com:443, and a bad port falls back to the default. Returns
// "scheme://host:port[/path]"; bind-all hosts (0.0.0.0) are kept for `ollama serve`.
std::string normalize_ollama_host(std::string text);

// The real process environment.
EnvLookup process_environment();

std::string usage_text();

}  // namespace venom

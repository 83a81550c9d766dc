#include "venom/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "venom/text.hpp"

namespace venom {
namespace {

using nlohmann::json;

// One row per setting: where it may come from and how its text becomes a value. Rows with an
// empty flag or env cannot be set that way (secrets never come from flags or the file).
struct Setting {
    const char* flag;
    const char* env;
    const char* file_key;
    std::function<void(Config&, const std::string& value, const std::string& source)> apply;
};

[[noreturn]] void bad(const std::string& source, const std::string& value, const char* why) {
    throw ConfigError(source + ": '" + value + "' " + why);
}

int64_t parse_int(const std::string& v, const std::string& source, int64_t lo, int64_t hi) {
    std::size_t used = 0;
    int64_t n = 0;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        bad(source, v, "is not a whole number");
    }
    if (used != v.size()) bad(source, v, "is not a whole number");
    if (n < lo || n > hi) {
        throw ConfigError(source + ": '" + v + "' must be between " + std::to_string(lo) + " and " +
                          std::to_string(hi));
    }
    return n;
}

double parse_positive(const std::string& v, const std::string& source) {
    std::size_t used = 0;
    double d = 0;
    try {
        d = std::stod(v, &used);
    } catch (const std::exception&) {
        bad(source, v, "is not a number");
    }
    if (used != v.size() || !(d > 0) || d == std::numeric_limits<double>::infinity()) {
        bad(source, v, "must be a positive number");
    }
    return d;
}

std::string parse_url(const std::string& v, const std::string& source) {
    const std::size_t scheme_end = v.find("://");
    const std::string scheme = v.substr(0, scheme_end);
    if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https")) {
        bad(source, v, "must start with http:// or https://");
    }
    if (scheme_end + 3 >= v.size() || v[scheme_end + 3] == '/') bad(source, v, "has no host");
    return v;
}

std::string parse_one_of(const std::string& v, const std::string& source,
                         std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
        if (v == a) return v;
        list += list.empty() ? a : std::string(", ") + a;
    }
    throw ConfigError(source + ": '" + v + "' must be one of " + list);
}

std::string non_empty(const std::string& v, const std::string& source) {
    if (v.empty()) throw ConfigError(source + ": must not be empty");
    return v;
}

template <typename T>
auto int_setting(T Config::*field, int64_t lo, int64_t hi) {
    return [=](Config& c, const std::string& v, const std::string& s) {
        c.*field = static_cast<T>(parse_int(v, s, lo, hi));
    };
}

auto url_setting(std::string Config::*field) {
    return
        [=](Config& c, const std::string& v, const std::string& s) { c.*field = parse_url(v, s); };
}

auto text_setting(std::string Config::*field) {
    return
        [=](Config& c, const std::string& v, const std::string& s) { c.*field = non_empty(v, s); };
}

// "a, b,c" -> {"a", "b", "c"}; empty items dropped.
std::vector<std::string> parse_list(const std::string& v) {
    std::vector<std::string> items;
    std::stringstream in(v);
    for (std::string item; std::getline(in, item, ',');) {
        item = trim(item);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

bool parse_bool(const std::string& v, const std::string& source) {
    const std::string t = to_lower(trim(v));
    if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
    if (t == "0" || t == "false" || t == "no" || t == "off" || t.empty()) return false;
    bad(source, v, "must be 1 or 0 (true or false)");
}

// "http://panel.lan:3000": a scheme and a host, an optional port, nothing else. "*" is refused:
// any page could then act for the user.
std::string parse_origin(const std::string& v, const std::string& source) {
    if (v == "*") bad(source, v, "is not allowed: list each origin");
    const std::string url = parse_url(v, source);
    const std::string authority = url.substr(url.find("://") + 3);
    if (authority.find_first_of("/?#@ ") != std::string::npos) {
        bad(source, v, "must be an origin: scheme://host[:port] without a path");
    }
    return to_lower(url);
}

// Loopback addresses that a non-browser peer on the network cannot reach.
bool is_loopback_host(const std::string& host) {
    return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost" ||
           host == "0:0:0:0:0:0:0:1";
}

auto secret_setting(std::optional<std::string> Config::*field) {
    return [=](Config& c, const std::string& v, const std::string&) {
        if (!v.empty()) c.*field = v;
    };
}

const std::vector<Setting>& settings() {
    static const std::vector<Setting> table = {
        {"--host", "VENOM_HOST", "host", text_setting(&Config::host)},
        {"--port", "VENOM_PORT", "port", int_setting(&Config::port, 0, 65535)},
        {"--data-dir", "VENOM_DATA_DIR", "data_dir",
         [](Config& c, const std::string& v, const std::string& s) {
             c.data_dir = non_empty(v, s);
         }},
        {"--log-level", "VENOM_LOG_LEVEL", "log_level",
         [](Config& c, const std::string& v, const std::string& s) {
             c.log_level =
                 parse_one_of(v, s, {"trace", "debug", "info", "warn", "error", "critical", "off"});
         }},
        {"", "VENOM_MODELS_DIR", "models_dir",
         [](Config& c, const std::string& v, const std::string& s) {
             c.models_dir = non_empty(v, s);
         }},
        {"", "VENOM_API_TOKEN", "", secret_setting(&Config::api_token)},
        {"", "VENOM_INSECURE_BIND", "insecure_bind",
         [](Config& c, const std::string& v, const std::string& s) {
             c.insecure_bind = parse_bool(v, s);
         }},
        {"", "VENOM_ALLOWED_HOSTS", "allowed_hosts",
         [](Config& c, const std::string& v, const std::string&) {
             c.allowed_hosts.clear();
             for (auto& host : parse_list(v)) c.allowed_hosts.push_back(to_lower(host));
         }},
        {"", "VENOM_CORS_ORIGINS", "cors_origins",
         [](Config& c, const std::string& v, const std::string& s) {
             c.cors_origins.clear();
             for (const auto& origin : parse_list(v)) {
                 c.cors_origins.push_back(parse_origin(origin, s));
             }
         }},
        {"", "MAX_STORAGE_GB", "max_storage_gb",
         [](Config& c, const std::string& v, const std::string& s) {
             c.max_storage_gb = parse_positive(v, s);
         }},
        {"", "DEFAULT_MODEL_SIZE_GB", "default_model_size_gb",
         [](Config& c, const std::string& v, const std::string& s) {
             c.default_model_size_gb = parse_positive(v, s);
         }},
        {"", "VENOM_PARTIAL_MAX_AGE_HOURS", "partial_max_age_hours",
         int_setting(&Config::partial_max_age_hours, 0, 24 * 365)},
        {"", "VENOM_PARTIAL_MAX_GB", "partial_max_gb",
         [](Config& c, const std::string& v, const std::string& s) {
             c.partial_max_gb = parse_positive(v, s);
         }},
        {"", "VENOM_CATALOG_TTL_SECONDS", "catalog_ttl_seconds",
         int_setting(&Config::catalog_ttl_seconds, 0, 7 * 24 * 3600)},
        {"", "OLLAMA_HOST", "ollama_host",
         [](Config& c, const std::string& v, const std::string& s) {
             c.ollama_host = normalize_ollama_host(non_empty(v, s));
         }},
        {"", "OLLAMA_LIBRARY_URL", "ollama_library_url", url_setting(&Config::ollama_library_url)},
        {"", "HF_ENDPOINT", "hf_endpoint", url_setting(&Config::hf_endpoint)},
        // huggingface_hub utils/_auth.py (_get_token_from_environment): HF_TOKEN wins over
        // the legacy HUGGING_FACE_HUB_TOKEN; rows apply in order, so the legacy one goes first.
        {"", "HUGGING_FACE_HUB_TOKEN", "", secret_setting(&Config::hf_token)},
        {"", "HF_TOKEN", "", secret_setting(&Config::hf_token)},
        // Set but empty (an EnvironmentFile line "HF_HOME=") counts as unset.
        {"", "HF_HOME", "",
         [](Config& c, const std::string& v, const std::string&) {
             if (!v.empty()) c.hf_home = v;
         }},
        {"", "HF_HUB_CACHE", "",
         [](Config& c, const std::string& v, const std::string&) {
             if (!v.empty()) c.hf_hub_cache = v;
         }},
        {"", "HF_BLOG_FEED_URL", "hf_blog_feed_url", url_setting(&Config::hf_blog_feed_url)},
        {"", "HF_PAPERS_URL", "hf_papers_url", url_setting(&Config::hf_papers_url)},
        {"", "VENOM_NEWS_TIMEOUT_SECONDS", "news_timeout_seconds",
         int_setting(&Config::news_timeout_seconds, 1, 600)},
        {"", "VENOM_NEWS_TRANSLATION_TIMEOUT_MS", "news_translation_timeout_ms",
         int_setting(&Config::news_translation_timeout_ms, 50, 600000)},
        {"", "VLLM_ENDPOINT", "vllm_endpoint", url_setting(&Config::vllm_endpoint)},
        {"", "OPENAI_API_KEY", "", secret_setting(&Config::openai_api_key)},
        {"", "OPENAI_BASE_URL", "openai_base_url", url_setting(&Config::openai_base_url)},
        {"", "GOOGLE_API_KEY", "", secret_setting(&Config::google_api_key)},
        {"", "GEMINI_BASE_URL", "gemini_base_url", url_setting(&Config::gemini_base_url)},
        {"", "VENOM_SERVICE_MANAGER", "service_manager",
         [](Config& c, const std::string& v, const std::string& s) {
             c.service_manager = parse_one_of(v, s, {"auto", "systemd", "process"});
         }},
        {"", "OLLAMA_BIN", "ollama_bin", text_setting(&Config::ollama_bin)},
        {"", "VLLM_BIN", "vllm_bin", text_setting(&Config::vllm_bin)},
        {"", "VENOM_SCRIPTS_DIR", "scripts_dir",
         [](Config& c, const std::string& v, const std::string& s) {
             c.scripts_dir = non_empty(v, s);
         }},
        {"", "", "runtime_action_timeout_seconds",
         int_setting(&Config::runtime_action_timeout_seconds, 1, 86400)},
        {"", "", "runtime_ready_timeout_seconds",
         int_setting(&Config::runtime_ready_timeout_seconds, 1, 86400)},
        {"", "", "runtime_probe_timeout_ms",
         int_setting(&Config::runtime_probe_timeout_ms, 50, 60000)},
        {"", "", "cloud_catalog_ttl_seconds",
         int_setting(&Config::cloud_catalog_ttl_seconds, 0, 7 * 24 * 3600)},
        {"", "", "io_threads", int_setting(&Config::io_threads, 1, 64)},
        {"", "", "operation_workers", int_setting(&Config::operation_workers, 1, 64)},
        {"", "", "max_connections", int_setting(&Config::max_connections, 1, 100000)},
        {"", "", "max_body_bytes", int_setting(&Config::max_body_bytes, 1024, 1LL << 30)},
        {"", "", "request_timeout_seconds", int_setting(&Config::request_timeout_seconds, 1, 3600)},
        {"", "", "keep_alive_timeout_seconds",
         int_setting(&Config::keep_alive_timeout_seconds, 1, 3600)},
        {"", "", "operations_history_limit",
         int_setting(&Config::operations_history_limit, 10, 100000)},
        {"", "", "runtime_history_limit", int_setting(&Config::runtime_history_limit, 10, 100000)},
        {"", "", "usage_interval_seconds", int_setting(&Config::usage_interval_seconds, 1, 3600)},
        {"", "VENOM_TRANSLATION_TIMEOUT_SECONDS", "translation_timeout_seconds",
         int_setting(&Config::translation_timeout_seconds, 1, 3600)},
        {"", "VENOM_TRANSLATION_PARALLELISM", "translation_parallelism",
         int_setting(&Config::translation_parallelism, 1, 16)},
        {"", "", "translation_max_chunk_bytes",
         int_setting(&Config::translation_max_chunk_bytes, 256, 1 << 20)},
        {"", "", "translation_default_context_tokens",
         int_setting(&Config::translation_default_context_tokens, 512, 10000000)},
        {"", "VENOM_TRANSLATION_CACHE_ENTRIES", "translation_cache_entries",
         int_setting(&Config::translation_cache_entries, 0, 1000000)},
        {"", "VENOM_PRICING_FILE", "pricing_file",
         [](Config& c, const std::string& v, const std::string& s) {
             c.pricing_file = non_empty(v, s);
         }},
        {"", "VENOM_FALLBACK_ORDER", "fallback_order",
         [](Config& c, const std::string& v, const std::string& s) {
             std::vector<Runtime> order;
             for (const auto& name : parse_list(v)) {
                 const std::optional<Runtime> runtime = parse_runtime(name);
                 if (!runtime) bad(s, name, "is not a runtime (ollama, vllm, openai, google)");
                 if (std::find(order.begin(), order.end(), *runtime) == order.end()) {
                     order.push_back(*runtime);
                 }
             }
             c.fallback_order = std::move(order);
         }},
        {"", "VENOM_FALLBACK_FROM_LOCAL", "fallback_from_local",
         [](Config& c, const std::string& v, const std::string& s) {
             c.fallback_from_local = parse_bool(v, s);
         }},
        {"", "VENOM_METRICS", "metrics",
         [](Config& c, const std::string& v, const std::string& s) {
             c.metrics = parse_bool(v, s);
         }},
        {"", "", "upstream_timeout_seconds",
         int_setting(&Config::upstream_timeout_seconds, 1, 3600)},
        {"", "", "pull_stall_timeout_seconds",
         int_setting(&Config::pull_stall_timeout_seconds, 1, 86400)},
        {"", "", "ollama_inventory_interval_seconds",
         int_setting(&Config::ollama_inventory_interval_seconds, 1, 3600)},
        {"", "", "request_workers", int_setting(&Config::request_workers, 1, 64)},
        {"", "", "download_attempts", int_setting(&Config::download_attempts, 1, 20)},
        {"", "", "download_backoff_ms", int_setting(&Config::download_backoff_ms, 1, 600000)},
        {"", "VENOM_HANDLER_TIMEOUT_SECONDS", "handler_timeout_seconds",
         [](Config& c, const std::string& v, const std::string& s) {
             // Bounded: a deadline is a time point, and 1e10 s would overflow the clock.
             const double seconds = parse_positive(v, s);
             if (seconds > 86400) bad(s, v, "must be at most 86400 seconds");
             c.handler_timeout_seconds = seconds;
         }},
        {"", "VENOM_ACTION_WORKERS", "action_workers", int_setting(&Config::action_workers, 1, 64)},
        {"", "", "events_client_queue", int_setting(&Config::events_client_queue, 1, 100000)},
        {"", "", "events_keepalive_ms", int_setting(&Config::events_keepalive_ms, 50, 3600000)},
    };
    return table;
}

// Splits "--name=value" / "--name value" pairs. Throws for unknown flags or a missing value.
std::vector<std::pair<std::string, std::string>> parse_flags(const std::vector<std::string>& args,
                                                             CommandLine& out) {
    std::vector<std::pair<std::string, std::string>> flags;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg == "--help" || arg == "-h") {
            out.help = true;
            continue;
        }
        if (arg == "--version") {
            out.version = true;
            continue;
        }
        if (arg == "--insecure-bind") {
            flags.emplace_back(arg, "1");
            continue;
        }
        std::string name = arg, value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        bool known = name == "--config";
        for (const auto& s : settings()) known = known || (*s.flag && name == s.flag);
        if (!known) {
            throw ConfigError("unknown option '" + arg + "' (see --help)");
        }
        if (!has_value) {
            if (i + 1 >= args.size()) throw ConfigError(name + ": needs a value");
            value = args[++i];
        }
        flags.emplace_back(name, value);
    }
    return flags;
}

void apply_file(Config& config, const std::filesystem::path& path, bool required) {
    std::ifstream in(path);
    if (!in) {
        if (required) throw ConfigError("--config: cannot read " + path.string());
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    json doc;
    try {
        doc = json::parse(text.str());
    } catch (const json::exception& e) {
        throw ConfigError(path.string() + ": not valid JSON (" + e.what() + ")");
    }
    if (!doc.is_object()) throw ConfigError(path.string() + ": must be a JSON object");
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        const Setting* match = nullptr;
        for (const auto& s : settings()) {
            if (*s.file_key && it.key() == s.file_key) match = &s;
        }
        if (!match) throw ConfigError(path.string() + ": unknown setting '" + it.key() + "'");
        if (it->is_null()) continue;
        std::string value = it->is_string() ? it->get<std::string>() : it->dump();
        match->apply(config, value, path.string() + ": " + it.key());
    }
}

}  // namespace

std::string normalize_ollama_host(std::string text) {
    auto trim = [](std::string& t, const char* chars) {
        t.erase(0, t.find_first_not_of(chars));
        t.erase(t.find_last_not_of(chars) + 1);
    };
    trim(text, " \t\"'");
    if (text == "ollama.com") return "https://ollama.com:443";

    std::string scheme = "http";
    std::string default_port = "11434";
    if (auto pos = text.find("://"); pos != std::string::npos) {
        scheme = text.substr(0, pos);
        default_port = scheme == "https" ? "443" : "80";
        text = text.substr(pos + 3);
    }
    std::string path;
    if (auto slash = text.find('/'); slash != std::string::npos) {
        path = text.substr(slash);
        text = text.substr(0, slash);
    }
    trim(path, "/");
    if (!path.empty()) path = "/" + path;

    std::string host = text, port;
    if (!text.empty() && text.front() == '[') {  // "[::1]:11434"
        auto close = text.find(']');
        host = text.substr(0, close == std::string::npos ? text.size() : close + 1);
        if (close != std::string::npos && close + 1 < text.size() && text[close + 1] == ':') {
            port = text.substr(close + 2);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        host = text.substr(0, text.find(':'));
        port = text.substr(text.find(':') + 1);
    } else if (text.find(':') != std::string::npos) {
        host = "[" + text + "]";  // a bare IPv6 address such as "::"
    }
    if (host.empty()) host = "127.0.0.1";
    // Like Ollama, an unusable port falls back to the default rather than failing.
    bool port_ok = !port.empty() && port.size() <= 5 &&
                   port.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoi(port) > 0 && std::stoi(port) <= 65535;
    return scheme + "://" + host + ":" + (port_ok ? port : default_port) + path;
}

// The token Hugging Face's own tools use, after the environment's (huggingface_hub
// constants.py: HF_TOKEN_PATH defaults to HF_HOME/token). Without HF_HOME no token file is read:
// a daemon must not pick up whatever ~/.cache/huggingface of the user running it holds.
static void read_hf_token_file(Config& config) {
    if (config.hf_token || !config.hf_home) return;
    // huggingface_hub utils/_auth.py (_get_token_from_file, _clean_token): the whole file
    // without its line breaks, stripped; an empty or missing file is no token.
    std::ifstream in(*config.hf_home / "token");
    std::string token;
    for (char ch; in.get(ch);) {
        if (ch != '\r' && ch != '\n') token += ch;
    }
    const auto first = token.find_first_not_of(" \t");
    if (first == std::string::npos) return;
    token = token.substr(first, token.find_last_not_of(" \t") - first + 1);
    config.hf_token = token;
}

// huggingface_hub constants.py: HF_HUB_CACHE, else HF_HOME/hub. Without either venomd keeps
// the cache in its models directory (not ~/.cache/huggingface/hub), as before.
std::filesystem::path hub_cache_dir(const Config& config) {
    if (!config.hf_hub_cache.empty()) return config.hf_hub_cache;
    if (config.hf_home) return *config.hf_home / "hub";
    return config.models_dir / "huggingface" / "hub";
}

// DESIGN.md's contract: the blog feed and the papers pages live under HF_ENDPOINT unless set
// on their own.
std::string blog_feed_url(const Config& config) {
    if (!config.hf_blog_feed_url.empty()) return config.hf_blog_feed_url;
    return strip_trailing_slashes(config.hf_endpoint) + "/blog/feed.xml";
}

std::string papers_url(const Config& config) {
    if (!config.hf_papers_url.empty()) return strip_trailing_slashes(config.hf_papers_url);
    return strip_trailing_slashes(config.hf_endpoint) + "/papers/month";
}

CommandLine load_config(const std::vector<std::string>& args, const EnvLookup& env) {
    CommandLine out;
    auto flags = parse_flags(args, out);
    Config& config = out.config;

    std::optional<std::string> config_path = env("VENOM_CONFIG");
    for (const auto& [name, value] : flags) {
        if (name == "--config") config_path = value;
    }
    if (config_path && !config_path->empty()) {
        config.config_file = *config_path;
        apply_file(config, *config.config_file, true);
    } else if (std::filesystem::exists("config/venom.json")) {
        config.config_file = "config/venom.json";
        apply_file(config, *config.config_file, false);
    }
    for (const auto& s : settings()) {
        if (!*s.env) continue;
        if (auto value = env(s.env)) s.apply(config, *value, s.env);
    }
    for (const auto& [name, value] : flags) {
        if (name == "--insecure-bind") config.insecure_bind = true;
        for (const auto& s : settings()) {
            if (*s.flag && name == s.flag) s.apply(config, value, name);
        }
    }
    if (config.models_dir.empty()) config.models_dir = config.data_dir / "models";
    read_hf_token_file(config);
    // Anyone who can reach a non-loopback address could install, remove and switch models.
    if (!is_loopback_host(config.host) && !config.api_token && !config.insecure_bind && !out.help &&
        !out.version) {
        throw ConfigError("--host/VENOM_HOST: refusing to listen on " + config.host +
                          " without VENOM_API_TOKEN: set a token, or pass --insecure-bind "
                          "(VENOM_INSECURE_BIND=1) to accept the risk");
    }
    return out;
}

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

std::string usage_text() {
    return R"(venomd: manages LLM models on this machine (catalogs, installs, runtimes).

Usage: venomd [options]

Options (flag beats environment beats config file beats default):
  --host ADDR         listen address           VENOM_HOST       (127.0.0.1)
  --port N            listen port, 0 = any     VENOM_PORT       (8000)
  --data-dir DIR      state directory          VENOM_DATA_DIR   (./data)
  --config FILE       JSON config file         VENOM_CONFIG     (config/venom.json if present)
  --log-level LEVEL   trace|debug|info|warn|error|critical|off
                                               VENOM_LOG_LEVEL  (info)
  --insecure-bind     listen on a non-loopback address without VENOM_API_TOKEN
                                               VENOM_INSECURE_BIND (off)
  --help              show this text
  --version           print the version

Environment only: VENOM_MODELS_DIR, VENOM_API_TOKEN, MAX_STORAGE_GB, DEFAULT_MODEL_SIZE_GB,
VENOM_CATALOG_TTL_SECONDS, OLLAMA_HOST, OLLAMA_LIBRARY_URL, HF_ENDPOINT, HF_TOKEN,
HUGGING_FACE_HUB_TOKEN, HF_HOME, HF_HUB_CACHE, HF_BLOG_FEED_URL, HF_PAPERS_URL,
VENOM_NEWS_TIMEOUT_SECONDS, VENOM_NEWS_TRANSLATION_TIMEOUT_MS,
VENOM_TRANSLATION_TIMEOUT_SECONDS, VENOM_TRANSLATION_PARALLELISM,
VENOM_TRANSLATION_CACHE_ENTRIES, VENOM_PRICING_FILE, VENOM_FALLBACK_ORDER,
VENOM_FALLBACK_FROM_LOCAL, VENOM_METRICS, VLLM_ENDPOINT,
OPENAI_API_KEY, OPENAI_BASE_URL, GOOGLE_API_KEY, GEMINI_BASE_URL, VENOM_SERVICE_MANAGER,
OLLAMA_BIN, VLLM_BIN, VENOM_SCRIPTS_DIR, VENOM_ALLOWED_HOSTS, VENOM_CORS_ORIGINS,
VENOM_HANDLER_TIMEOUT_SECONDS, VENOM_ACTION_WORKERS, VENOM_PARTIAL_MAX_AGE_HOURS,
VENOM_PARTIAL_MAX_GB. See docs/CONFIGURATION.md.
)";
}

}  // namespace venom

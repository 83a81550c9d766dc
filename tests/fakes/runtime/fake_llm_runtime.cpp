// fake_llm_runtime: a stand-in for the `ollama` and `vllm` binaries, so that the service scripts
// (scripts/llm) and venomd's runtime control can be tested start to finish without a GPU or a
// model. It lives outside tests/fakes/*.cpp because that glob is compiled into the integration
// tests, and this file has a main().
//
//   fake_llm_runtime serve
//       Ollama mode: listens on the port of OLLAMA_HOST (parsed as Ollama parses it: no scheme
//       means port 11434) and serves the native and OpenAI-compatible API through FakeOllama,
//       plus /api/chat and /v1/chat/completions. Models: FAKE_OLLAMA_MODELS, comma-separated,
//       default "llama3.2:1b" (set but empty: no models). FAKE_OLLAMA_PULLS, comma-separated:
//       models /api/pull can fetch (FakeOllama's default PullScript, about one second);
//       FAKE_OLLAMA_PULL_GATE=<file>: those pulls hold after their first layer until <file>
//       exists, so a test keeps a pull in progress as long as it needs.
//   fake_llm_runtime serve <model-path> --host H --port P [--served-model-name N...]
//                    [--max-model-len N] [other vLLM flags, ignored]
//       vLLM mode: /health, /version, /v1/models, /v1/chat/completions for that one model.
//
// Both always bind 127.0.0.1 (tests never reach beyond loopback) and print one line to stdout
// once the port is open. Variants, from the environment, for the failure paths of the scripts:
//   FAKE_RUNTIME_EXIT_AT_ONCE=1    error on stderr, exit 1 before listening
//   FAKE_RUNTIME_START_DELAY_MS=N  open the port only after N ms (vLLM loading a model)
//   FAKE_RUNTIME_IGNORE_SIGTERM=1  ignore SIGTERM and SIGINT: only SIGKILL stops it
// Otherwise SIGTERM or SIGINT stops it cleanly with exit 0.

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_http_server.hpp"
#include "fakes/fake_ollama.hpp"

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using venom::testing::FakeChunk;
using venom::testing::FakeHttpServer;
using venom::testing::FakeOllama;
using venom::testing::FakeOllamaModel;
using venom::testing::FakeRequest;
using venom::testing::FakeResponse;

constexpr std::uint16_t kOllamaDefaultPort = 11434;
constexpr std::uint16_t kVllmDefaultPort = 8000;  // vLLM's own default
constexpr std::int64_t kVllmDefaultMaxModelLen = 4096;

bool env_flag(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && std::string_view(value) == "1";
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// The port `ollama serve` would bind for OLLAMA_HOST: "host", "host:port", "[v6]:port",
// "scheme://host[:port][/path]". Without a scheme the default port is 11434, with one it is the
// scheme's (80/443), and an unusable port falls back to 11434, as in Ollama's envconfig.Host().
std::uint16_t ollama_port(std::string_view host) {
    std::uint16_t fallback = kOllamaDefaultPort;
    if (const auto scheme_end = host.find("://"); scheme_end != std::string_view::npos) {
        fallback = host.substr(0, scheme_end) == "https" ? 443 : 80;
        host.remove_prefix(scheme_end + 3);
    }
    host = host.substr(0, host.find('/'));
    std::string_view port_text;
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        if (close != std::string_view::npos && close + 1 < host.size() && host[close + 1] == ':') {
            port_text = host.substr(close + 2);
        }
    } else if (const auto colon = host.rfind(':');
               colon != std::string_view::npos && host.find(':') == colon) {
        port_text = host.substr(colon + 1);
    }
    if (port_text.empty()) return fallback;
    return parse_port(port_text).value_or(kOllamaDefaultPort);
}

std::vector<std::string> split_models(std::string_view text) {
    std::vector<std::string> names;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) names.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return names;
}

// A plausible store entry for any name: llama3's template (it has a system turn), metadata and
// capabilities, with the family and parameter size read off the name ("qwen2.5:7b" → family
// "qwen", "7B").
FakeOllamaModel model_named(const std::string& name) {
    FakeOllamaModel model = FakeOllamaModel::llama3();
    model.name = name;
    model.digest.clear();  // FakeOllama derives a stable one from the name
    std::string base = name.substr(0, name.find(':'));
    if (const auto slash = base.rfind('/'); slash != std::string::npos) base.erase(0, slash + 1);
    std::string family;
    for (const char c : base) {
        if (!std::isalpha(static_cast<unsigned char>(c))) break;
        family += c;
    }
    if (!family.empty()) {
        model.family = family;
        model.families = {family};
        model.architecture = family;
    }
    const auto colon = name.find(':');
    if (colon != std::string::npos) {
        const std::string tag = name.substr(colon + 1);
        char* end = nullptr;
        const double billions = std::strtod(tag.c_str(), &end);
        if (end != tag.c_str() && billions > 0 && (*end == 'b' || *end == 'B')) {
            char label[32];
            std::snprintf(label, sizeof label, "%.1fB", billions);
            model.parameter_size = label;
            model.parameter_count = static_cast<std::int64_t>(billions * 1e9);
            // llama3()'s quantization, Q4_0, weighs about 4.5 bits per parameter.
            model.size = static_cast<std::int64_t>(billions * 1e9 * 4.5 / 8);
        }
    }
    return model;
}

std::string last_user_message(const json& body) {
    if (!body.contains("messages") || !body["messages"].is_array()) return {};
    std::string text;
    for (const json& message : body["messages"]) {
        if (message.is_object() && message.value("role", "") == "user" &&
            message.contains("content") && message["content"].is_string()) {
            text = message["content"].get<std::string>();
        }
    }
    return text;
}

std::string canned_reply(const json& body) {
    const std::string asked = last_user_message(body);
    return asked.empty() ? std::string("Hello from fake_llm_runtime.")
                         : "fake_llm_runtime received: " + asked;
}

bool wants_stream(const json& body, bool default_value) {
    return body.contains("stream") && body["stream"].is_boolean() ? body["stream"].get<bool>()
                                                                  : default_value;
}

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string utc_now_rfc3339() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
        1000000000LL;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
    char tail[16];
    std::snprintf(tail, sizeof tail, ".%09lldZ", nanos);
    return std::string(buffer) + tail;
}

// OpenAI's chat.completion answer, streamed as SSE when asked (role chunk, content chunk, finish
// chunk with an empty delta, [DONE]), the same for both runtimes apart from vLLM's extras.
FakeResponse openai_chat_answer(const std::string& model, const json& body, bool vllm) {
    static int counter = 0;  // handlers run one at a time on the server's io thread
    const std::string id = "chatcmpl-" + std::to_string(++counter);
    const long long created = unix_now();
    const std::string reply = canned_reply(body);
    if (wants_stream(body, false)) {
        const auto chunk = [&](ordered_json delta, json finish_reason) {
            ordered_json frame{{"id", id},
                               {"object", "chat.completion.chunk"},
                               {"created", created},
                               {"model", model},
                               {"choices",
                                {{{"index", 0},
                                  {"delta", std::move(delta)},
                                  {"logprobs", nullptr},
                                  {"finish_reason", std::move(finish_reason)}}}}};
            return FakeChunk{"data: " + frame.dump() + "\n\n", std::chrono::milliseconds(5)};
        };
        FakeResponse response;
        response.headers.emplace_back("Content-Type", "text/event-stream");
        response.chunks.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
        response.chunks.push_back(chunk({{"content", reply}}, nullptr));
        response.chunks.push_back(chunk(ordered_json::object(), "stop"));
        response.chunks.push_back(FakeChunk{"data: [DONE]\n\n", std::chrono::milliseconds(5)});
        return response;
    }
    ordered_json message{{"role", "assistant"}, {"content", reply}};
    if (vllm) message["tool_calls"] = json::array();
    ordered_json choice{{"index", 0},
                        {"message", std::move(message)},
                        {"logprobs", nullptr},
                        {"finish_reason", "stop"}};
    if (vllm) choice["stop_reason"] = nullptr;
    ordered_json answer{
        {"id", id},
        {"object", "chat.completion"},
        {"created", created},
        {"model", model},
        {"choices", ordered_json::array({std::move(choice)})},
        {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 9}, {"total_tokens", 21}}}};
    answer["system_fingerprint"] = vllm ? json(nullptr) : json("fp_ollama");
    return FakeResponse::json(200, answer.dump());
}

std::optional<json> parse_object(const FakeRequest& request) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return std::nullopt;
    return body;
}

// ---- Ollama mode -------------------------------------------------------------------------------

FakeResponse ollama_error(int status, const std::string& message) {
    return FakeResponse::json(status, json{{"error", message}}.dump());
}

FakeResponse openai_error(int status, const std::string& type, const std::string& message) {
    return FakeResponse::json(
        status,
        ordered_json{
            {"error",
             {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}}
            .dump());
}

std::string not_found_message(const std::string& name) {
    // What /api/generate answers in FakeOllama (upstream-protocols.md §1.8).
    return "model \"" + name + "\" not found, try pulling it first";
}

// FakeOllama has no /api/chat; this one loads and unloads like /api/generate (empty messages:
// "load", with keep_alive 0: "unload") and otherwise answers with a canned reply.
void add_ollama_chat_routes(FakeOllama& ollama) {
    FakeHttpServer& server = ollama.server();
    server.on("POST", "/api/chat", [&ollama](const FakeRequest& request) {
        if (request.body.empty()) return ollama_error(400, "missing request body");
        const std::optional<json> body = parse_object(request);
        if (!body) return ollama_error(400, "invalid character looking for beginning of value");
        const std::string name = body->value("model", "");
        if (name.empty()) return ollama_error(400, "model is required");
        if (!ollama.has_model(name)) return ollama_error(404, not_found_message(name));

        const bool no_messages = !body->contains("messages") || !(*body)["messages"].is_array() ||
                                 (*body)["messages"].empty();
        const bool unload = body->contains("keep_alive") && (*body)["keep_alive"].is_number() &&
                            (*body)["keep_alive"].get<double>() == 0;
        std::vector<std::string> loaded = ollama.loaded();
        std::erase_if(loaded, [&](const std::string& entry) {
            return entry == name || entry == name + ":latest";
        });
        if (!(unload && no_messages)) loaded.push_back(name);
        ollama.set_loaded(loaded);

        const std::string created_at = utc_now_rfc3339();
        if (no_messages) {
            return FakeResponse::json(
                200, ordered_json{{"model", name},
                                  {"created_at", created_at},
                                  {"message", {{"role", "assistant"}, {"content", ""}}},
                                  {"done", true},
                                  {"done_reason", unload ? "unload" : "load"}}
                         .dump());
        }
        const std::string reply = canned_reply(*body);
        ordered_json final_line{{"model", name},
                                {"created_at", created_at},
                                {"message", {{"role", "assistant"}, {"content", ""}}},
                                {"done", true},
                                {"done_reason", "stop"},
                                {"total_duration", 412345678},
                                {"load_duration", 12345678},
                                {"prompt_eval_count", 12},
                                {"prompt_eval_duration", 45678901},
                                {"eval_count", 9},
                                {"eval_duration", 298765432}};
        if (!wants_stream(*body, true)) {
            final_line["message"]["content"] = reply;
            return FakeResponse::json(200, final_line.dump());
        }
        return FakeResponse::ndjson_stream(
            {ordered_json{{"model", name},
                          {"created_at", created_at},
                          {"message", {{"role", "assistant"}, {"content", reply}}},
                          {"done", false}}
                 .dump(),
             final_line.dump()},
            std::chrono::milliseconds(5));
    });
    server.on("POST", "/v1/chat/completions", [&ollama](const FakeRequest& request) {
        const std::optional<json> body = parse_object(request);
        if (!body) return openai_error(400, "invalid_request_error", "invalid request body");
        const std::string name = body->value("model", "");
        if (name.empty() || !ollama.has_model(name)) {
            return openai_error(404, "not_found_error", not_found_message(name));
        }
        return openai_chat_answer(name, *body, false);
    });
}

// ---- vLLM mode ---------------------------------------------------------------------------------

struct VllmOptions {
    std::string model_path;
    std::vector<std::string> served_names;  // empty: the model path, as vLLM does
    std::string tokenizer;                  // --tokenizer; empty: from the model itself
    std::uint16_t port = kVllmDefaultPort;
    std::int64_t max_model_len = kVllmDefaultMaxModelLen;
    std::string override_generation_config;  // --override-generation-config, a JSON object
};

FakeResponse vllm_error(int status, const std::string& type, const std::string& message,
                        const char* param) {
    return FakeResponse::json(status, ordered_json{{"error",
                                                    {{"message", message},
                                                     {"type", type},
                                                     {"param", param ? json(param) : json()},
                                                     {"code", status}}}}
                                          .dump());
}

void add_vllm_routes(FakeHttpServer& server, const VllmOptions& options) {
    const std::string served =
        options.served_names.empty() ? options.model_path : options.served_names.front();
    std::vector<std::string> accepted = options.served_names;
    if (accepted.empty()) accepted.push_back(options.model_path);
    const long long created = unix_now();

    server.on("GET", "/health", [](const FakeRequest&) {
        FakeResponse response;  // 200, empty body, as vLLM's engine health check
        return response;
    });
    server.on("GET", "/ping", [](const FakeRequest&) { return FakeResponse{}; });
    server.on("GET", "/version", [](const FakeRequest&) {
        return FakeResponse::json(200, R"({"version":"0.10.1"})");
    });
    server.on("GET", "/v1/models", [=](const FakeRequest&) {
        ordered_json permission{{"id", "modelperm-fake0001"},
                                {"object", "model_permission"},
                                {"created", created},
                                {"allow_create_engine", false},
                                {"allow_sampling", true},
                                {"allow_logprobs", true},
                                {"allow_search_indices", false},
                                {"allow_view", true},
                                {"allow_fine_tuning", false},
                                {"organization", "*"},
                                {"group", nullptr},
                                {"is_blocking", false}};
        ordered_json entry{{"id", served},
                           {"object", "model"},
                           {"created", created},
                           {"owned_by", "vllm"},
                           {"root", options.model_path},
                           {"parent", nullptr},
                           {"max_model_len", options.max_model_len},
                           {"permission", ordered_json::array({permission})}};
        return FakeResponse::json(
            200, ordered_json{{"object", "list"}, {"data", ordered_json::array({entry})}}.dump());
    });
    server.on("POST", "/v1/chat/completions", [=](const FakeRequest& request) {
        const std::optional<json> body = parse_object(request);
        if (!body) {
            return vllm_error(400, "BadRequestError", "Expected a JSON object body", nullptr);
        }
        const std::string name = body->value("model", "");
        if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
            return vllm_error(404, "NotFoundError", "The model `" + name + "` does not exist.",
                              "model");
        }
        return openai_chat_answer(served, *body, true);
    });
    // FastAPI's answer to an unknown route.
    server.on_prefix("*", "/", [](const FakeRequest&) {
        return FakeResponse::json(404, R"({"detail":"Not Found"})");
    });
}

// vLLM's command line: the model first, then flags; both "--flag value" and "--flag=value".
// Flags the fake does not model are skipped with their value, so real invocations parse.
std::optional<VllmOptions> parse_vllm_args(const std::vector<std::string>& args,
                                           std::string& error) {
    VllmOptions options;
    options.model_path = args.front();
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag.erase(eq);
        }
        const auto take_value = [&]() -> std::optional<std::string> {
            if (inline_value) return inline_value;
            if (i + 1 < args.size() && !args[i + 1].starts_with("--")) return args[++i];
            return std::nullopt;
        };
        if (flag == "--port") {
            const auto value = take_value();
            const auto port = value ? parse_port(*value) : std::nullopt;
            if (!port) {
                error = "--port needs a port number";
                return std::nullopt;
            }
            options.port = *port;
        } else if (flag == "--max-model-len") {
            const auto value = take_value();
            if (!value || value->empty() || std::atoll(value->c_str()) <= 0) {
                error = "--max-model-len needs a positive integer";
                return std::nullopt;
            }
            options.max_model_len = std::atoll(value->c_str());
        } else if (flag == "--served-model-name") {
            if (inline_value) {
                options.served_names.push_back(*inline_value);
            } else {
                while (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
                    options.served_names.push_back(args[++i]);
                }
            }
        } else if (flag == "--tokenizer") {
            options.tokenizer = take_value().value_or("");
        } else if (flag == "--override-generation-config") {
            // vLLM parses the value as JSON (a dict) and refuses to start otherwise.
            const auto value = take_value();
            if (!value || !json::parse(*value, nullptr, false).is_object()) {
                error = "--override-generation-config needs a JSON object";
                return std::nullopt;
            }
            options.override_generation_config = *value;
        } else if (flag.starts_with("--")) {
            (void)take_value();  // --host and everything else
        } else {
            error = "unexpected argument '" + flag + "'";
            return std::nullopt;
        }
    }
    return options;
}

// ---- process life ------------------------------------------------------------------------------

// Blocks the stop signals in every thread (the server's thread inherits the mask) so that the
// main thread alone receives them with sigwait; in the ignore variant they are discarded instead.
sigset_t prepare_signals(bool ignore_stop_signals) {
    sigset_t set;
    sigemptyset(&set);
    if (ignore_stop_signals) {
        ::signal(SIGTERM, SIG_IGN);
        ::signal(SIGINT, SIG_IGN);
        return set;
    }
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

// Waits `delay` unless a stop signal comes first; returns that signal, or 0.
int wait_for_signal(const sigset_t& set, std::optional<std::chrono::milliseconds> delay) {
    if (sigisemptyset(&set)) {
        if (!delay) {
            for (;;) ::pause();  // only SIGKILL ends this variant
        }
        timespec remaining{static_cast<time_t>(delay->count() / 1000),
                           static_cast<long>(delay->count() % 1000) * 1000000L};
        while (::nanosleep(&remaining, &remaining) != 0) {
        }
        return 0;
    }
    if (!delay) {
        int signal_number = 0;
        sigwait(&set, &signal_number);
        return signal_number;
    }
    const auto deadline = std::chrono::steady_clock::now() + *delay;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return 0;
        const timespec timeout{static_cast<time_t>(left.count() / 1000000000LL),
                               static_cast<long>(left.count() % 1000000000LL)};
        const int signal_number = sigtimedwait(&set, nullptr, &timeout);
        if (signal_number > 0) return signal_number;
        // EAGAIN: the delay is over (checked above); EINTR: some other signal, keep waiting.
    }
}

int usage() {
    std::cerr << "usage: fake_llm_runtime serve                          (Ollama, OLLAMA_HOST)\n"
                 "       fake_llm_runtime serve <model-path> [--host H] [--port P]\n"
                 "                        [--served-model-name N] [--max-model-len N]  (vLLM)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args.front() != "serve") return usage();
    args.erase(args.begin());
    const bool vllm_mode = !args.empty() && !args.front().starts_with("-");
    if (!vllm_mode && !args.empty()) return usage();  // `ollama serve` takes no arguments
    const char* who = vllm_mode ? "fake-vllm" : "fake-ollama";

    if (env_flag("FAKE_RUNTIME_EXIT_AT_ONCE")) {
        std::cerr << who << ": simulated start-up failure (FAKE_RUNTIME_EXIT_AT_ONCE=1)"
                  << std::endl;
        return 1;
    }
    const sigset_t stop_signals = prepare_signals(env_flag("FAKE_RUNTIME_IGNORE_SIGTERM"));
    if (const char* delay = std::getenv("FAKE_RUNTIME_START_DELAY_MS"); delay && *delay) {
        const int signal_number =
            wait_for_signal(stop_signals, std::chrono::milliseconds(std::atoll(delay)));
        if (signal_number != 0) {
            std::cerr << who << ": stopped by signal " << signal_number << " while loading"
                      << std::endl;
            return 0;
        }
    }

    std::unique_ptr<FakeOllama> ollama;
    std::unique_ptr<FakeHttpServer> vllm;
    try {
        if (vllm_mode) {
            std::string error;
            const std::optional<VllmOptions> options = parse_vllm_args(args, error);
            if (!options) {
                std::cerr << who << ": " << error << std::endl;
                return 2;
            }
            // vLLM loads a folder through its config.json (transformers' AutoConfig); a folder
            // of GGUF files has none, and vLLM never loads one
            // (docs/features/quantization/gguf.md).
            std::error_code ec;
            if (std::filesystem::is_directory(options->model_path, ec) &&
                !std::filesystem::exists(std::filesystem::path(options->model_path) / "config.json",
                                         ec)) {
                std::cerr << who << ": ValueError: Invalid repository ID or local directory "
                          << "specified: '" << options->model_path << "' (no config.json)"
                          << std::endl;
                return 1;
            }
            vllm = std::make_unique<FakeHttpServer>();
            add_vllm_routes(*vllm, *options);
            vllm->start(options->port);
            const std::string served =
                options->served_names.empty() ? options->model_path : options->served_names.front();
            std::cout << "fake-vllm serving " << options->model_path << " as " << served
                      << (options->tokenizer.empty() ? "" : " with tokenizer " + options->tokenizer)
                      << (options->override_generation_config.empty()
                              ? ""
                              : " with generation config " + options->override_generation_config)
                      << " on 127.0.0.1:" << vllm->port() << std::endl;
        } else {
            const char* host = std::getenv("OLLAMA_HOST");
            const std::uint16_t port = host ? ollama_port(host) : kOllamaDefaultPort;
            ollama = std::make_unique<FakeOllama>(port);
            const char* listed = std::getenv("FAKE_OLLAMA_MODELS");
            for (const std::string& name : split_models(listed ? listed : "llama3.2:1b")) {
                ollama->add_model(model_named(name));
            }
            const char* pullable = std::getenv("FAKE_OLLAMA_PULLS");
            const char* gate = std::getenv("FAKE_OLLAMA_PULL_GATE");
            for (const std::string& name : split_models(pullable ? pullable : "")) {
                venom::testing::PullScript script;
                script.model = model_named(name);
                if (gate && *gate) {
                    const std::filesystem::path released = gate;
                    script.hold_until = [released] {
                        std::error_code ec;
                        return std::filesystem::exists(released, ec);
                    };
                }
                ollama->script_pull(name, std::move(script));
            }
            add_ollama_chat_routes(*ollama);
            std::cout << "fake-ollama listening on 127.0.0.1:" << ollama->server().port()
                      << std::endl;
        }
    } catch (const std::exception& error) {
        // Like a real server that cannot bind: a message on stderr and a non-zero exit.
        std::cerr << who << ": " << error.what() << std::endl;
        return 1;
    }

    const int signal_number = wait_for_signal(stop_signals, std::nullopt);
    std::cerr << who << ": stopping on signal " << signal_number << std::endl;
    ollama.reset();
    vllm.reset();
    return 0;
}

#pragma once

// A fake Ollama server speaking the native REST protocol (upstream-protocols.md §1) on 127.0.0.1,
// for tests of the Ollama provider. It keeps a local model store and a loaded-model list that the
// endpoints read and change the way the real server does, and scripts /api/pull per model name,
// including the real server's failure shapes (an {"error"} line with HTTP 200 mid-stream, a JSON
// error before streaming, a stall, a reset, a stream that ends without "success").
//
// Wire details copied from the real server because clients trip over them: JSON is serialised
// like Go's encoding/json (`<`, `>`, `&` escaped as \u003c, \u003e, \u0026, visible in templates),
// omitted zero fields, `families: null`, timestamps with the server's local offset (this fake
// lives at UTC-07:00) and 9 fractional digits, digests without `sha256:` in /api/tags but with it
// in pull progress.
//
// Thread-safety: every member may be called from any thread while requests are being served.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes/fake_http_server.hpp"

namespace venom::testing {

// One model in the fake's local store: what /api/tags, /api/show and /api/ps report about it.
struct FakeOllamaModel {
    std::string name;                   // "llama3:latest"; a name without a tag gets ":latest"
    std::int64_t size = 0;              // bytes, sum of the blobs
    std::string digest;                 // manifest digest, 64 hex, no "sha256:"
    std::string family;                 // details.family
    std::vector<std::string> families;  // details.families; empty is serialised as null
    std::string parameter_size = "8.0B";
    std::string quantization_level = "Q4_K_M";
    std::string format = "gguf";
    std::string architecture = "llama";  // model_info["general.architecture"]
    std::int64_t parameter_count = 8030261248;
    std::int64_t context_length = 8192;  // model_info["<architecture>.context_length"]
    std::int64_t embedding_length = 4096;
    std::string template_text;  // /api/show "template" (Go template)
    // /api/show "parameters", one line per entry; the value is sent exactly as given, so string
    // values carry their Go quotes: {"stop", "\"<|eot_id|>\""}. Repeated keys are list values.
    std::vector<std::pair<std::string, std::string>> parameters;
    std::string license;
    std::vector<std::string> capabilities;  // e.g. {"completion", "tools"}; empty is omitted
    std::string modified_at;                // RFC 3339, local offset, 9 fractional digits
    // A cloud stub (api/types.go ListModelResponse RemoteModel/RemoteHost): listed in /api/tags
    // and /api/show with these set, its weights elsewhere. Empty: a local model.
    std::string remote_model;
    std::string remote_host;

    // llama3:latest (8B, Q4_0, 8192 context): the template renders a system message with
    // `{{ if .System }}<|start_header_id|>system<|end_header_id|>`; capabilities {"completion"}.
    static FakeOllamaModel llama3();
    // gemma2:latest (9B, Q4_0, arch "gemma2"): a Gemma template with only `<start_of_turn>user`
    // and `<start_of_turn>model` turns and no system handling; families null.
    static FakeOllamaModel gemma2();
    // qwen2.5:7b (Q4_K_M, arch "qwen2", 32768 context): capabilities {"completion", "tools"}, a
    // qwen2.5-style ChatML template with a tools block and `{{- if .System }}<|im_start|>system`.
    static FakeOllamaModel qwen_tools();
    // embeddinggemma:latest (arch "gemma3", F16): capabilities {"embedding"} only, no template;
    // /api/generate refuses it with 400 "\"<name>\" does not support generate".
    static FakeOllamaModel embedding();
    // gpt-oss:120b-cloud: a cloud stub of 384 bytes with remote_model "gpt-oss:120b" and
    // remote_host "https://ollama.com:443"; capabilities {"completion", "tools", "thinking"}.
    static FakeOllamaModel cloud_stub();
};

// One blob of a pull, in manifest order.
struct PullLayer {
    std::string digest;  // 64 hex, no "sha256:"; progress lines say "pulling <first 12>"
    std::int64_t total = 0;
    // A blob already on disk: one line with completed == total instead of the download ticks.
    bool already_present = false;
};

// An {"error": message} line sent after `after_layer` layers have completed (0: right after
// "pulling manifest"; layers.size(): after the last layer, before "verifying sha256 digest").
struct PullErrorLine {
    std::size_t after_layer = 0;
    std::string message;
};

// An HTTP error answered before any stream byte, body {"error": message}.
struct PullHttpError {
    int status = 500;
    std::string message;
};

// How /api/pull answers for one model name. The defaults give a successful pull of four layers
// lasting about one second. The `*_after_layer` faults count completed layers like
// PullErrorLine (a count past the last layer means after it); when several are set, the one
// earliest in the stream wins, and at the same point an error line beats a reset beats a stall.
// With "stream": false the single answer comes after the scripted time, as the real server
// buffers: success → 200 {"status":"success"}, error line → 500 {"error"}, end_without_success
// → 200 {"status":"writing manifest"}, stall → no answer at all, reset → headers, then reset.
struct PullScript {
    std::vector<PullLayer> layers = default_layers();
    // Progress lines per downloading layer after its first line (which has `total` but no
    // `completed`); `completed` grows evenly and the last one equals `total`.
    int ticks_per_layer = 6;
    // Delay before every line but the first ("pulling manifest" goes out at once).
    std::chrono::milliseconds tick_delay{35};
    // Silence after "verifying sha256 digest": the real server hashes every new blob before it
    // says "writing manifest" and sends nothing meanwhile (server/images.go PullModel), minutes
    // for a big model. Replaces tick_delay before the "writing manifest" line.
    std::chrono::milliseconds verify_silence{0};
    // Added to the store when the "success" line is due. Unset: a llama3-shaped model named as
    // requested, its size the sum of the layers. An empty name also means the requested name.
    // The fake cannot see a client hang up, so a cancelled successful script still adds the model
    // at that moment: script a stall for cancel tests.
    std::optional<FakeOllamaModel> model;
    std::optional<PullErrorLine> error_after_layer;
    std::optional<PullHttpError> status_before_stream;
    // Sends the lines up to that point, then goes silent with the connection open.
    std::optional<std::size_t> stall_after_layer;
    // Sends the lines up to that point, then aborts the connection with a TCP reset.
    std::optional<std::size_t> reset_after_layer;
    // The stream ends (cleanly) after "writing manifest", without "success".
    bool end_without_success = false;
    // A pull a test holds at a gate: with "stream": true, the lines after `hold_after_layer`
    // completed layers (counted like PullErrorLine) wait until `hold_until` returns true (asked
    // every 10 ms on the server's thread; it must be cheap), and the model joins the store only
    // once it is released. Not a behaviour of the real server: a test's way to keep a pull in
    // progress for as long as it needs. Ignored for "stream": false.
    std::function<bool()> hold_until;
    std::size_t hold_after_layer = 1;

    // llama3's blobs: 4.66 GB weights, then license, template and params.
    static std::vector<PullLayer> default_layers();
    // Scripted time from the first line to the last of a complete stream.
    std::chrono::milliseconds duration() const;
};

// Answered instead of the next /api/chat (see fail_next_chat()).
enum class OllamaChatFault {
    server_error,  // 500 {"error":"…"}: what a failed stream:false generation gets
    stall,         // headers never come: the runner hangs
};

class FakeOllama {
public:
    // Starts serving on 127.0.0.1 at an ephemeral port, with an empty store.
    FakeOllama();
    // The same on 127.0.0.1:`port` (FakeHttpServer::start(port)), for fake_llm_runtime, which
    // stands in for `ollama serve` at the address OLLAMA_HOST names. Throws std::system_error
    // when the port is taken.
    explicit FakeOllama(std::uint16_t port);
    // Stops the server (closing stalled streams) before the state it reads goes away.
    ~FakeOllama();

    FakeOllama(const FakeOllama&) = delete;
    FakeOllama& operator=(const FakeOllama&) = delete;

    // "http://127.0.0.1:PORT", what OLLAMA_HOST should be set to.
    std::string base_url() const;
    // The request log (requests(), request_count(), wait_for_requests()) and stop(), which makes
    // Ollama "go down": later connections are refused.
    FakeHttpServer& server();

    // Adds or replaces (same name, case-insensitively) a model in the local store, under the
    // name Ollama lists (types/model/name.go DisplayShortest): "registry.ollama.ai/" and then
    // "library/" dropped, ":latest" added, so "library/qwen3" is listed as "qwen3:latest".
    void add_model(FakeOllamaModel model);
    // Name lookups follow Ollama: case-insensitive, ":latest" by default, "library/" and
    // "registry.ollama.ai/" optional.
    bool has_model(std::string_view name) const;
    // The store in /api/tags order (most recently modified first, then insertion order);
    // includes models added by pulls whose "success" line is due.
    std::vector<FakeOllamaModel> models() const;

    // Replaces the loaded list (/api/ps) with these store models, expiring in 5 minutes.
    // Throws std::invalid_argument for a name not in the store.
    void set_loaded(const std::vector<std::string>& names);
    // Store names of the loaded models, in /api/ps order (latest expiry first).
    std::vector<std::string> loaded() const;

    // Scripts /api/pull for `name` (looked up like the store), replacing any earlier script. A
    // script stays in force for every later pull of that name. Unscripted names get the real
    // answer for an unknown model: "pulling manifest", then
    // {"error":"pull model manifest: file does not exist"}, HTTP 200.
    void script_pull(std::string_view name, PullScript script);

    // Request bodies as received, in arrival order, malformed or not (a body that is not JSON is
    // recorded as a JSON string holding the raw text).
    std::vector<nlohmann::json> pull_requests() const;
    std::vector<nlohmann::json> generate_requests() const;
    std::vector<nlohmann::json> delete_requests() const;
    std::vector<nlohmann::json> chat_requests() const;

    // /api/chat (api/types.go ChatRequest/ChatResponse) answers a store model with "Echo: "
    // followed by the last user message's content, so tests can see every text was sent and
    // answered in order. `delay` is waited before each answer (a model's generation time).
    void set_chat_delay(std::chrono::milliseconds delay);
    // The next `count` /api/chat requests get `fault` instead of an answer.
    void fail_next_chat(OllamaChatFault fault, std::size_t count = 1);
    // Pull requests whose model (or legacy name) designates `name`.
    std::size_t pull_count(std::string_view name) const;

private:
    struct LoadedModel {
        std::string name;  // store spelling
        // nullopt: a negative keep_alive, kept loaded forever.
        std::optional<std::chrono::system_clock::time_point> expires_at;
        std::int64_t context_length = 0;
    };
    struct PendingModel {
        std::chrono::steady_clock::time_point due;
        FakeOllamaModel model;
        std::function<bool()> released;  // PullScript::hold_until, when the pull is held
    };

    FakeResponse handle_tags() const;
    FakeResponse handle_show(const FakeRequest& request) const;
    FakeResponse handle_ps() const;
    FakeResponse handle_generate(const FakeRequest& request);
    FakeResponse handle_chat(const FakeRequest& request);
    FakeResponse handle_delete(const FakeRequest& request);
    FakeResponse handle_pull(const FakeRequest& request);
    FakeResponse handle_openai_models() const;

    // Call with mutex_ held: lands pulls whose "success" is due and drops expired loads, so the
    // state any caller sees matches what the streams already told the clients.
    void settle_locked() const;
    const FakeOllamaModel* find_locked(std::string_view name) const;
    // The answer to a request naming `name` when it is none or not in the store.
    std::optional<FakeResponse> refuse_model_locked(const std::string& name) const;
    void load_locked(const FakeOllamaModel& model,
                     std::optional<std::chrono::system_clock::time_point> expires_at,
                     std::int64_t context_length);
    void add_model_locked(FakeOllamaModel model) const;

    mutable std::mutex mutex_;
    // Mutable because settle_locked() runs in const readers too.
    mutable std::vector<FakeOllamaModel> models_;
    mutable std::vector<LoadedModel> loaded_;
    mutable std::vector<PendingModel> pending_;
    std::vector<std::pair<std::string, PullScript>> pull_scripts_;  // key: canonical name
    std::vector<nlohmann::json> pull_requests_;
    std::vector<nlohmann::json> generate_requests_;
    std::vector<nlohmann::json> delete_requests_;
    std::vector<nlohmann::json> chat_requests_;
    std::chrono::milliseconds chat_delay_{0};
    std::deque<OllamaChatFault> chat_faults_;

    // Last member: destroyed first, so no handler runs against destroyed state.
    FakeHttpServer server_;
};

}  // namespace venom::testing

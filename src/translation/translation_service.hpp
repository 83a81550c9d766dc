#pragma once
// Translating text with the active runtime, whichever it is (issue 12, points 3 and 4): Ollama
// (/api/chat), vLLM and OpenAI (/v1/chat/completions), Google Gemini (generateContent with the
// x-goog-api-key header). Long texts are split (translation/text_chunker.hpp) under a budget
// derived from the context the active model runs with, the chunks translated with bounded
// parallelism and joined in order. Each chunk's translation is cached (TranslationCache); a call
// caches nothing unless every chunk succeeded.
//
// Used by POST /api/v1/translate and by the news (titles and summaries): construct once, call
// translate() from any thread. The upstream calls run on the service's own bounded pool of
// workers, so no caller's thread waits for a runtime, and stop() cancels them (a shutdown does
// not wait for a slow runtime).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "translation/runtime_chat.hpp"
#include "translation/translation_cache.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/result.hpp"

namespace venom {
class RuntimeStateStore;
class ModelRegistry;
}  // namespace venom

namespace venom::governance {
class Governor;
}

namespace venom::translation {

struct TranslationRequest {
    std::string text;
    std::string target_lang;                 // pl|en|de, any case (translation/language.hpp)
    std::optional<std::string> source_lang;  // likewise; nullopt: let the model tell
    bool use_cache = true;                   // false: neither read nor write the cache
    // When the answer is no longer wanted: no chunk starts after it and each upstream call is
    // bounded by it (504 translation_timeout). nullopt: only Options::timeout per chunk.
    std::optional<std::chrono::steady_clock::time_point> deadline;
};

// When the active runtime could not serve and another one did (issue 13, point 3).
struct TranslationFallback {
    std::string from_runtime;
    std::string from_model;
    std::string reason_code;  // FALLBACK_TIMEOUT, FALLBACK_RATE_LIMIT, FALLBACK_AUTH_ERROR, ...
};

struct Translation {
    std::string text;
    std::string target_lang;  // normalised ("pl")
    std::string runtime;      // the runtime that answered: "ollama", "vllm", "openai", "google"
    std::string model;
    std::optional<TranslationFallback> fallback;  // set when `runtime` is not the active one
    std::size_t chunks = 0;                       // pieces the text was translated in
    std::size_t upstream_calls = 0;               // chunks not answered from the cache
};

class TranslationService {
public:
    struct Options {
        std::string ollama_url = "http://127.0.0.1:11434";  // connectable, no trailing slash
        std::string vllm_endpoint = "http://127.0.0.1:8001/v1";
        std::string openai_base_url = "https://api.openai.com/v1";
        std::optional<std::string> openai_api_key;
        std::string gemini_base_url = "https://generativelanguage.googleapis.com";
        std::optional<std::string> google_api_key;
        std::chrono::milliseconds timeout{60000};  // one chunk's upstream call, whole
        std::chrono::milliseconds connect_timeout{5000};
        std::size_t parallelism = 3;                 // chunks of one call in flight at once
        std::size_t workers = 6;                     // chunk calls in flight in all, threads
        std::size_t max_queued = 256;                // past it a call is refused (503 busy)
        std::int64_t default_context_tokens = 4096;  // when the model's is unknown
        // What Ollama runs a model with when no num_ctx is sent: 2048 in its docs/faq.md
        // ("default context window size of 2048 tokens"), 4096 in later releases; the smaller,
        // so a chunk and its answer always fit (a cut-off answer fails the call).
        std::int64_t ollama_default_context_tokens = 2048;
        std::size_t max_chunk_bytes = 6000;
        TranslationCache::Options cache{};
    };

    // What is known of the context the active model runs with. Called once per translate().
    struct ModelContext {
        std::optional<std::int64_t> max_tokens;      // the manifest's max_context_length
        std::optional<std::int64_t> ollama_num_ctx;  // the tuning drawer's num_ctx for Ollama
    };
    using ContextLookup = std::function<ModelContext(const std::string& model)>;
    using Done = std::function<void(Result<Translation>)>;

    // `governor` (may be null: no governance) admits every upstream call before it is made,
    // records what it used, and gives the fallback order: when a cloud runtime (or, if
    // configured, a local one) times out, is rate-limited, refuses its key, is over budget or
    // fails, the rest of the call goes to the next runtime of that order that has a model (the
    // one it last ran) and, for a cloud runtime, a key. Chunks another runtime translated are
    // not cached under the active model.
    TranslationService(Options options, const RuntimeStateStore& runtime_state,
                       ContextLookup context_lookup, governance::Governor* governor = nullptr);
    ~TranslationService();  // stop()

    // Loads the persisted cache; the warning when its file is damaged.
    std::optional<std::string> load_cache();
    // Saves the cache if it changed (called at shutdown).
    void flush_cache();

    // Translates `request.text` into request.target_lang with the active runtime's active
    // model and calls `done` exactly once: on the calling thread when the answer is known at
    // once (bad input, nothing active, every chunk cached), else from a worker. Errors, all
    // before any upstream call unless said: 400 unsupported_language, 400 empty_text (text empty
    // or only whitespace), 503 no_active_runtime (nothing active, or no model), 503
    // missing_api_key (a cloud runtime without its key and nothing to fall back to), 503 busy
    // (too many calls queued); 402/429 from the governor when a limit refuses the call and no
    // runtime is left to fall back to;
    // after calls: 502 translation_failed (the runtime answered an error, an unreadable, empty or
    // cut-off answer, or could not be reached; the message names the runtime and its HTTP
    // status, never a key), 504 translation_timeout (a chunk's call passed Options::timeout or
    // the request's deadline), 503 shutting_down (stop() came first). Any failed chunk fails the
    // whole call and nothing of it is cached. Thread-safe; never waits for an upstream, but
    // hashes and splits the text on the calling thread (keep big texts off I/O threads).
    void translate(TranslationRequest request, Done done);

    // The translation cache's hits and misses since start (GET /metrics). Thread-safe.
    const TranslationCache& cache() const { return cache_; }

    // translate() and wait for its answer (tools, tests, benchmarks). BLOCKING.
    Result<Translation> translate_and_wait(TranslationRequest request);

    // Stops the workers: queued chunks are not started, running calls give up, and every call
    // not yet answered gets 503 shutting_down. Idempotent.
    void stop();

private:
    struct Call;
    void run_chunks(const std::shared_ptr<Call>& call);  // a worker's task: never throws
    void take_chunks(const std::shared_ptr<Call>& call);
    // One chunk: the call's current target, then the next ones of the fallback order while the
    // failure is one that a fallback answers. Returns the text and the target that gave it.
    Result<std::string> translate_chunk(Call& call, const std::string& chunk,
                                        std::size_t& served_by);
    // One upstream call through the governor: admitted, timed, recorded.
    Result<std::string> governed_chat(const ChatTarget& target, const std::string& system,
                                      const std::string& chunk);
    void worker_done(const std::shared_ptr<Call>& call, std::optional<Error> error);
    void finish(Call& call);

    Options options_;
    const RuntimeStateStore& runtime_state_;
    ContextLookup context_lookup_;
    governance::Governor* governor_;
    TranslationCache cache_;
    std::atomic<bool> stopped_{false};
    BlockingPool workers_;  // last: stopped before what its tasks use
};

}  // namespace venom::translation

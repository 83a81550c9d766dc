#pragma once
// Translating text with the active runtime, whichever it is (issue 12, points 3 and 4): Ollama
// (/api/chat), vLLM and OpenAI (/v1/chat/completions), Google Gemini (generateContent with the
// x-goog-api-key header). Long texts are split (translation/text_chunker.hpp) under a budget
// derived from the active model's context length, the chunks translated with bounded
// parallelism and joined in order. Each chunk's translation is cached (TranslationCache); a call
// caches nothing unless every chunk succeeded.
//
// Used by POST /api/v1/translate and by anything else that needs a translation (news titles and
// summaries): construct once, call translate() from any thread. BLOCKING: run it on a worker
// (BlockingPool), never on an I/O thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "translation/translation_cache.hpp"
#include "venom/result.hpp"

namespace venom {
class RuntimeStateStore;
class ModelRegistry;
}  // namespace venom

namespace venom::translation {

struct TranslationRequest {
    std::string text;
    std::string target_lang;                 // pl|en|de, any case (translation/language.hpp)
    std::optional<std::string> source_lang;  // likewise; nullopt: let the model tell
    bool use_cache = true;                   // false: neither read nor write the cache
};

struct Translation {
    std::string text;
    std::string target_lang;  // normalised ("pl")
    std::string runtime;      // "ollama", "vllm", "openai", "google"
    std::string model;
    std::size_t chunks = 0;          // pieces the text was translated in
    std::size_t upstream_calls = 0;  // chunks not answered from the cache
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
        std::int64_t default_context_tokens = 4096;  // when the model's is unknown
        std::size_t max_chunk_bytes = 6000;
        TranslationCache::Options cache{};
    };

    // Where the active model's context length comes from: its manifest entry's capabilities
    // (nullopt when unknown, e.g. cloud models). Called once per translate().
    using ContextLookup = std::function<std::optional<std::int64_t>(const std::string& model)>;

    TranslationService(Options options, const RuntimeStateStore& runtime_state,
                       ContextLookup context_lookup);

    // Loads the persisted cache; the warning when its file is damaged.
    std::optional<std::string> load_cache();
    // Saves the cache if it changed (called at shutdown).
    void flush_cache();

    // Translates `request.text` into request.target_lang with the active runtime's active
    // model. Errors, all before any upstream call unless said: 400 unsupported_language, 400
    // empty_text (text empty or only whitespace), 503 no_active_runtime (nothing active, or no
    // model), 400 missing_api_key (a cloud runtime without its key); after calls: 502
    // translation_failed (the runtime answered an error, an unreadable or empty answer, or could
    // not be reached; the message names the runtime and its HTTP status, never a key), 504
    // translation_timeout (a chunk's call passed Options::timeout). Any failed chunk fails the
    // whole call and nothing of it is cached. Thread-safe; BLOCKING.
    Result<Translation> translate(const TranslationRequest& request);

    // The per-chunk budget translate() uses for a model with this context (for tests/bench).
    std::size_t chunk_budget(std::optional<std::int64_t> context_tokens) const;

private:
    Options options_;
    const RuntimeStateStore& runtime_state_;
    ContextLookup context_lookup_;
    TranslationCache cache_;
};

}  // namespace venom::translation

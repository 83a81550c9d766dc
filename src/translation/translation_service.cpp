#include "translation/translation_service.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "translation/language.hpp"
#include "translation/runtime_chat.hpp"
#include "translation/text_chunker.hpp"
#include "venom/logging.hpp"
#include "venom/runtime_state.hpp"

namespace venom::translation {

namespace {

std::string system_instruction(const std::optional<std::string>& source,
                               const std::string& target) {
    const std::string from =
        source ? std::string(language_label(*source)) : std::string("its original language");
    return "You are a precise translation assistant. Translate the user's text from " + from +
           " to " + std::string(language_label(target)) +
           ". Preserve names, URLs, code, Markdown formatting and technical terms. Return only "
           "the translated text, without comments or explanations.";
}

}  // namespace

TranslationService::TranslationService(Options options, const RuntimeStateStore& runtime_state,
                                       ContextLookup context_lookup)
    : options_(std::move(options)),
      runtime_state_(runtime_state),
      context_lookup_(std::move(context_lookup)),
      cache_(options_.cache) {}

std::optional<std::string> TranslationService::load_cache() {
    return cache_.load();
}

void TranslationService::flush_cache() {
    cache_.save_if_due(true);
}

std::size_t TranslationService::chunk_budget(std::optional<std::int64_t> context_tokens) const {
    return chunk_budget_bytes(context_tokens.value_or(options_.default_context_tokens),
                              options_.max_chunk_bytes);
}

Result<Translation> TranslationService::translate(const TranslationRequest& request) {
    // Everything a client got wrong is refused before any upstream call (venom-python.md §6.12).
    const auto target = normalize_language(request.target_lang);
    if (!target) {
        return make_error(400, "unsupported_language",
                          "Unsupported target_lang '" + request.target_lang +
                              "'; supported: " + supported_languages_text());
    }
    std::optional<std::string> source;
    if (request.source_lang) {
        source = normalize_language(*request.source_lang);
        if (!source) {
            return make_error(400, "unsupported_language",
                              "Unsupported source_lang '" + *request.source_lang +
                                  "'; supported: " + supported_languages_text());
        }
    }
    if (request.text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return make_error(400, "empty_text", "Field 'text' is empty; nothing to translate");
    }

    const RuntimeState state = runtime_state_.current();
    const auto kind =
        state.active_runtime ? parse_runtime_kind(*state.active_runtime) : std::nullopt;
    if (!kind || !state.active_model || state.active_model->empty()) {
        return make_error(503, "no_active_runtime",
                          "No active runtime with a model: activate one "
                          "(POST /api/v1/system/llm-servers/active) before translating");
    }
    ChatTarget chat_target;
    chat_target.kind = *kind;
    chat_target.model = *state.active_model;
    chat_target.timeout = options_.timeout;
    chat_target.connect_timeout = options_.connect_timeout;
    std::optional<std::int64_t> context;
    switch (*kind) {
        case RuntimeKind::ollama:
            chat_target.base_url = options_.ollama_url;
            break;
        case RuntimeKind::vllm:
            chat_target.base_url = options_.vllm_endpoint;
            // vLLM answers only to the name it serves (--served-model-name), §5.2.
            if (state.vllm_served_model_name && !state.vllm_served_model_name->empty()) {
                chat_target.model = *state.vllm_served_model_name;
            }
            break;
        case RuntimeKind::openai:
            chat_target.base_url = options_.openai_base_url;
            chat_target.api_key = options_.openai_api_key;
            break;
        case RuntimeKind::google:
            chat_target.base_url = options_.gemini_base_url;
            chat_target.api_key = options_.google_api_key;
            break;
    }
    if ((*kind == RuntimeKind::openai || *kind == RuntimeKind::google) && !chat_target.api_key) {
        return make_error(503, "missing_api_key",
                          std::string("The active runtime is ") + runtime_kind_name(*kind) +
                              " but " +
                              (*kind == RuntimeKind::openai ? "OPENAI_API_KEY" : "GOOGLE_API_KEY") +
                              " is not set");
    }
    if (context_lookup_) context = context_lookup_(*state.active_model);
    while (!chat_target.base_url.empty() && chat_target.base_url.back() == '/') {
        chat_target.base_url.pop_back();
    }

    const auto pieces = split_for_translation(request.text, chunk_budget(context));
    std::vector<std::string> chunks;
    for (const auto& piece : pieces) {
        if (piece.translate) chunks.push_back(piece.text);
    }
    std::vector<std::string> keys(chunks.size());
    std::vector<std::optional<std::string>> results(chunks.size());
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        keys[i] = TranslationCache::key(chat_target.model, source.value_or(""), *target, chunks[i]);
        if (request.use_cache) results[i] = cache_.get(keys[i]);
        if (!results[i]) pending.push_back(i);
    }

    // Bounded parallelism: at most `parallelism` chunks in flight; the first failure stops the
    // rest from starting and fails the call.
    const std::string system = system_instruction(source, *target);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::optional<Error> first_error;
    auto work = [&] {
        for (;;) {
            const std::size_t n = next.fetch_add(1);
            if (n >= pending.size() || failed.load()) return;
            const std::size_t index = pending[n];
            Result<std::string> answer = make_error(502, "translation_failed", "");
            try {
                answer = chat(chat_target, system, chunks[index]);
            } catch (const std::exception& e) {  // a worker thread must never throw
                answer = make_error(502, "translation_failed",
                                    std::string("Translation failed: ") +
                                        runtime_kind_name(chat_target.kind) +
                                        " gave an answer venomd could not read (" + e.what() + ")");
            }
            if (!answer) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = answer.error();
                failed = true;
                return;
            }
            results[index] = std::move(answer.value());
        }
    };
    const std::size_t workers =
        std::min(std::max<std::size_t>(options_.parallelism, 1), pending.size());
    std::vector<std::thread> threads;
    try {
        for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
    } catch (const std::system_error&) {
        // No thread to spare: the ones started (and this one) do the work.
    }
    if (workers > 0) work();  // this thread is one of the workers
    for (auto& t : threads) t.join();

    if (first_error) {
        logger("translation")
            ->warn("translation failed runtime={} model={} chunks={} status={} code={}",
                   runtime_kind_name(*kind), chat_target.model, chunks.size(),
                   first_error->http_status, first_error->code);
        return *first_error;
    }
    std::vector<std::string> translations;
    translations.reserve(chunks.size());
    for (auto& r : results) translations.push_back(std::move(*r));
    if (request.use_cache) {
        for (std::size_t index : pending) cache_.put(keys[index], translations[index]);
        cache_.save_if_due();
    }
    Translation out;
    out.text = join_translated(pieces, translations);
    out.target_lang = *target;
    out.runtime = runtime_kind_name(*kind);
    out.model = chat_target.model;
    out.chunks = chunks.size();
    out.upstream_calls = pending.size();
    logger("translation")
        ->info("translated runtime={} model={} bytes={} chunks={} upstream_calls={}", out.runtime,
               out.model, request.text.size(), out.chunks, out.upstream_calls);
    return out;
}

}  // namespace venom::translation

#include "translation/translation_service.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
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

// One translate() call in flight: what its workers share.
struct TranslationService::Call {
    ChatTarget target;
    std::string system;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    bool use_cache = true;
    std::size_t text_bytes = 0;
    std::string target_lang;
    std::vector<TextPiece> pieces;
    std::vector<std::string> chunks;  // the pieces to translate, in order
    std::vector<std::string> keys;
    std::vector<std::size_t> pending;  // chunks not answered from the cache
    Done done;

    std::atomic<std::size_t> next{0};  // the next entry of `pending` to take
    std::atomic<bool> failed{false};   // the first failure stops the rest from starting
    std::mutex mutex;                  // guards what follows
    std::vector<std::optional<std::string>> results;
    std::optional<Error> first_error;
    std::size_t workers_left = 0;
};

TranslationService::TranslationService(Options options, const RuntimeStateStore& runtime_state,
                                       ContextLookup context_lookup)
    : options_(std::move(options)),
      runtime_state_(runtime_state),
      context_lookup_(std::move(context_lookup)),
      cache_(options_.cache),
      workers_(std::max<std::size_t>(options_.workers, 1), options_.max_queued) {}

TranslationService::~TranslationService() {
    stop();
}

void TranslationService::stop() {
    stopped_ = true;
    workers_.stop();
}

std::optional<std::string> TranslationService::load_cache() {
    return cache_.load();
}

void TranslationService::flush_cache() {
    cache_.save_if_due(true);
}

Result<Translation> TranslationService::translate_and_wait(TranslationRequest request) {
    std::promise<Result<Translation>> answer;
    auto future = answer.get_future();
    translate(std::move(request),
              [&answer](Result<Translation> result) { answer.set_value(std::move(result)); });
    return future.get();
}

void TranslationService::translate(TranslationRequest request, Done done) {
    // Everything a client got wrong is refused before any upstream call (venom-python.md §6.12).
    const auto target = normalize_language(request.target_lang);
    if (!target) {
        return done(make_error(400, "unsupported_language",
                               "Unsupported target_lang '" + request.target_lang +
                                   "'; supported: " + supported_languages_text()));
    }
    std::optional<std::string> source;
    if (request.source_lang) {
        source = normalize_language(*request.source_lang);
        if (!source) {
            return done(make_error(400, "unsupported_language",
                                   "Unsupported source_lang '" + *request.source_lang +
                                       "'; supported: " + supported_languages_text()));
        }
    }
    if (request.text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return done(make_error(400, "empty_text", "Field 'text' is empty; nothing to translate"));
    }

    const RuntimeState state = runtime_state_.current();
    const auto kind =
        state.active_runtime ? parse_runtime_kind(*state.active_runtime) : std::nullopt;
    if (!kind || !state.active_model || state.active_model->empty()) {
        return done(make_error(503, "no_active_runtime",
                               "No active runtime with a model: activate one "
                               "(POST /api/v1/system/llm-servers/active) before translating"));
    }
    auto call = std::make_shared<Call>();
    ChatTarget& chat_target = call->target;
    chat_target.kind = *kind;
    chat_target.model = *state.active_model;
    chat_target.timeout = options_.timeout;
    chat_target.connect_timeout = options_.connect_timeout;
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
        return done(
            make_error(503, "missing_api_key",
                       std::string("The active runtime is ") + runtime_kind_name(*kind) + " but " +
                           (*kind == RuntimeKind::openai ? "OPENAI_API_KEY" : "GOOGLE_API_KEY") +
                           " is not set"));
    }
    while (!chat_target.base_url.empty() && chat_target.base_url.back() == '/') {
        chat_target.base_url.pop_back();
    }

    // The budget comes from the context the model really runs with. Ollama runs it with the
    // num_ctx it is sent (the tuning drawer's, sent again here so the loaded runner is not
    // reloaded with another), else with its default, whatever the model could hold.
    const ModelContext context =
        context_lookup_ ? context_lookup_(*state.active_model) : ModelContext{};
    std::int64_t tokens = context.max_tokens.value_or(options_.default_context_tokens);
    if (*kind == RuntimeKind::ollama) {
        if (context.ollama_num_ctx) {
            tokens = *context.ollama_num_ctx;
            chat_target.num_ctx = *context.ollama_num_ctx;
        } else {
            tokens = std::min(tokens, options_.ollama_default_context_tokens);
        }
    }

    call->system = system_instruction(source, *target);
    call->deadline = request.deadline;
    call->use_cache = request.use_cache;
    call->text_bytes = request.text.size();
    call->target_lang = *target;
    call->pieces =
        split_for_translation(request.text, chunk_budget_bytes(tokens, options_.max_chunk_bytes));
    for (const auto& piece : call->pieces) {
        if (piece.translate) call->chunks.push_back(piece.text);
    }
    call->keys.resize(call->chunks.size());
    call->results.resize(call->chunks.size());
    for (std::size_t i = 0; i < call->chunks.size(); ++i) {
        call->keys[i] =
            TranslationCache::key(chat_target.model, source.value_or(""), *target, call->chunks[i]);
        if (request.use_cache) call->results[i] = cache_.get(call->keys[i]);
        if (!call->results[i]) call->pending.push_back(i);
    }
    call->done = std::move(done);
    if (call->pending.empty()) return finish(*call);
    if (stopped_) {
        call->first_error =
            make_error(503, "shutting_down", "venomd is shutting down; retry when it is back");
        return finish(*call);
    }

    // Bounded parallelism: at most `parallelism` workers for this call, each taking the next
    // chunk until none is left. The starter holds one count itself, so the call cannot finish
    // before every worker was posted.
    const std::size_t workers =
        std::min(std::max<std::size_t>(options_.parallelism, 1), call->pending.size());
    call->workers_left = workers + 1;
    std::size_t handed = 0;
    try {
        for (; handed < workers; ++handed) {
            const bool queued = workers_.post(
                [this, call] { run_chunks(call); },
                [this, call] {
                    worker_done(call,
                                make_error(503, "shutting_down",
                                           "venomd is shutting down; the translation stopped"));
                });
            // A worker that could not be queued leaves its share to the others; with none
            // queued the call ends below as busy.
            if (!queued) worker_done(call, std::nullopt);
        }
    } catch (const std::exception& e) {  // no memory for a task: the shares not handed out end
        for (; handed < workers; ++handed) {
            worker_done(
                call, make_error(503, "busy", std::string("Translation not started: ") + e.what()));
        }
    }
    worker_done(call, std::nullopt);
}

void TranslationService::run_chunks(const std::shared_ptr<Call>& call) {
    // Whatever happens, this worker's share of the call ends exactly once.
    try {
        take_chunks(call);
    } catch (const std::exception& e) {
        worker_done(call, make_error(502, "translation_failed",
                                     std::string("Translation failed: ") + e.what()));
    } catch (...) {
        worker_done(call, make_error(502, "translation_failed", "Translation failed"));
    }
}

void TranslationService::take_chunks(const std::shared_ptr<Call>& call) {
    const char* runtime = runtime_kind_name(call->target.kind);
    for (;;) {
        const std::size_t n = call->next.fetch_add(1);
        if (n >= call->pending.size() || call->failed.load())
            return worker_done(call, std::nullopt);
        if (BlockingPool::current_task_cancelled()) {
            return worker_done(call,
                               make_error(503, "shutting_down",
                                          "venomd is shutting down; the translation stopped"));
        }
        ChatTarget target = call->target;
        if (call->deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *call->deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return worker_done(call, make_error(504, "translation_timeout",
                                                    std::string("Translation timed out: ") +
                                                        runtime + " was not asked in time"));
            }
            target.timeout = std::min(target.timeout, left);
        }
        const std::size_t index = call->pending[n];
        Result<std::string> answer = chat(target, call->system, call->chunks[index]);
        if (!answer) {
            call->failed = true;
            return worker_done(call, answer.error());
        }
        std::lock_guard lock(call->mutex);
        call->results[index] = std::move(answer.value());
    }
}

void TranslationService::worker_done(const std::shared_ptr<Call>& call,
                                     std::optional<Error> error) {
    {
        std::lock_guard lock(call->mutex);
        if (error && !call->first_error) call->first_error = std::move(error);
        if (--call->workers_left > 0) return;
    }
    finish(*call);  // the last one out answers
}

void TranslationService::finish(Call& call) {
    const char* runtime = runtime_kind_name(call.target.kind);
    std::optional<Error> error = call.first_error;
    std::vector<std::string> translations;
    translations.reserve(call.chunks.size());
    for (auto& r : call.results) {
        if (!r) {  // no worker could be queued for it
            if (!error)
                error = make_error(503, "busy", "Too many translations in progress; retry shortly");
            break;
        }
        translations.push_back(std::move(*r));
    }
    if (error) {
        logger("translation")
            ->warn("translation failed runtime={} model={} chunks={} status={} code={}", runtime,
                   call.target.model, call.chunks.size(), error->http_status, error->code);
        return call.done(std::move(*error));
    }
    if (call.use_cache) {
        for (std::size_t index : call.pending) cache_.put(call.keys[index], translations[index]);
    }
    Translation out;
    out.text = join_translated(call.pieces, translations);
    out.target_lang = call.target_lang;
    out.runtime = runtime;
    out.model = call.target.model;
    out.chunks = call.chunks.size();
    out.upstream_calls = call.pending.size();
    logger("translation")
        ->info("translated runtime={} model={} bytes={} chunks={} upstream_calls={}", out.runtime,
               out.model, call.text_bytes, out.chunks, out.upstream_calls);
    const bool changed = call.use_cache && !call.pending.empty();
    call.done(std::move(out));
    if (changed) cache_.save_if_due();  // after the answer: nobody waits for the disk
}

}  // namespace venom::translation

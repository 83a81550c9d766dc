#include "translation/translation_service.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <vector>

#include "governance/governor.hpp"
#include "translation/language.hpp"
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

// Where and how `kind` is asked, with `model`; its key when it has one.
ChatTarget target_for(Runtime kind, std::string model, const RuntimeState& state,
                      const TranslationService::Options& options) {
    ChatTarget target;
    target.kind = kind;
    target.model = std::move(model);
    target.timeout = options.timeout;
    target.connect_timeout = options.connect_timeout;
    switch (kind) {
        case Runtime::ollama:
            target.base_url = options.ollama_url;
            break;
        case Runtime::vllm:
            target.base_url = options.vllm_endpoint;
            // vLLM answers only to the name it serves (--served-model-name), §5.2.
            if (state.vllm_served_model_name && !state.vllm_served_model_name->empty()) {
                target.model = *state.vllm_served_model_name;
            }
            break;
        case Runtime::openai:
            target.base_url = options.openai_base_url;
            target.api_key = options.openai_api_key;
            break;
        case Runtime::google:
            target.base_url = options.gemini_base_url;
            target.api_key = options.google_api_key;
            break;
    }
    while (!target.base_url.empty() && target.base_url.back() == '/') target.base_url.pop_back();
    return target;
}

// Which fallback a failure calls for; nullopt when another runtime would not help (bad input,
// cancelled, shutting down).
std::optional<std::string> fallback_reason(const Error& error) {
    if (error.code == "budget_hard_limit_exceeded" || error.code == "provider_budget_exceeded") {
        return "FALLBACK_BUDGET_EXCEEDED";
    }
    if (error.http_status == 429 || error.upstream_status == 429) return "FALLBACK_RATE_LIMIT";
    if (error.http_status == 504) return "FALLBACK_TIMEOUT";
    if (error.upstream_status == 401 || error.upstream_status == 403) {
        return "FALLBACK_AUTH_ERROR";
    }
    if (error.http_status == 502) return "FALLBACK_PROVIDER_ERROR";
    return std::nullopt;
}

// The error code a provider's metrics count a failure under (a bounded set).
std::string metric_code(const Error& error) {
    if (error.upstream_status) return "http_" + std::to_string(*error.upstream_status);
    if (error.http_status == 504) return "timeout";
    return "unavailable";  // unreachable, or an answer without a usable text
}

// Tokens a text will use before the upstream says: four bytes a token, rounded up (English runs
// about four; Polish and German text and code fewer, so this errs towards admitting).
std::int64_t estimate_tokens(std::size_t bytes) {
    return static_cast<std::int64_t>((bytes + 3) / 4);
}

}  // namespace

// One translate() call in flight: what its workers share.
struct TranslationService::Call {
    std::vector<ChatTarget> targets;      // the active runtime's, then those to fall back to
    std::atomic<std::size_t> current{0};  // the target chunks are sent to now
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
    std::vector<std::size_t> served_by;  // per chunk, the index of the target that translated it
    std::string fallback_reason;         // why the call last moved to another target
    std::optional<Error> first_error;
    std::size_t workers_left = 0;
};

TranslationService::TranslationService(Options options, const RuntimeStateStore& runtime_state,
                                       ContextLookup context_lookup, governance::Governor* governor)
    : options_(std::move(options)),
      runtime_state_(runtime_state),
      context_lookup_(std::move(context_lookup)),
      governor_(governor),
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
    const std::optional<Runtime> kind = state.active_runtime;
    if (!kind || !state.active_model || state.active_model->empty()) {
        return done(make_error(503, "no_active_runtime",
                               "No active runtime with a model: activate one "
                               "(POST /api/v1/system/llm-servers/active) before translating"));
    }
    auto call = std::make_shared<Call>();
    ChatTarget chat_target = target_for(*kind, *state.active_model, state, options_);
    // The budget comes from the context the model really runs with. Ollama runs it with the
    // num_ctx it is sent (the tuning drawer's, sent again here so the loaded runner is not
    // reloaded with another), else with its default, whatever the model could hold.
    const ModelContext context =
        context_lookup_ ? context_lookup_(*state.active_model) : ModelContext{};
    std::int64_t tokens = context.max_tokens.value_or(options_.default_context_tokens);
    if (*kind == Runtime::ollama) {
        if (context.ollama_num_ctx) {
            tokens = *context.ollama_num_ctx;
            chat_target.num_ctx = *context.ollama_num_ctx;
        } else {
            tokens = std::min(tokens, options_.ollama_default_context_tokens);
        }
    }

    // The active runtime first (with its num_ctx), then where the call may fall back to.
    call->targets.push_back(chat_target);
    if (governor_ && (!is_local(*kind) || governor_->fallback_from_local())) {
        for (const Runtime other : governor_->fallback_order()) {
            if (other == *kind) continue;
            auto last = state.last_model.find(other);
            if (last == state.last_model.end() || last->second.empty()) continue;
            ChatTarget fallback = target_for(other, last->second, state, options_);
            if (!is_local(other) && !fallback.api_key) continue;
            call->targets.push_back(std::move(fallback));
        }
    }
    if (!is_local(*kind) && !chat_target.api_key) {
        const std::string key_name = *kind == Runtime::openai ? "OPENAI_API_KEY" : "GOOGLE_API_KEY";
        if (call->targets.size() < 2) {
            return done(make_error(503, "missing_api_key",
                                   std::string("The active runtime is ") +
                                       std::string(to_string(*kind)) + " but " + key_name +
                                       " is not set"));
        }
        call->current = 1;
        call->fallback_reason = "FALLBACK_AUTH_ERROR";
        governor_->record_fallback(std::string(to_string(*kind)),
                                   std::string(to_string(call->targets[1].kind)),
                                   "FALLBACK_AUTH_ERROR", key_name + " is not set");
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
    call->served_by.resize(call->chunks.size(), 0);
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
    for (;;) {
        const std::size_t n = call->next.fetch_add(1);
        if (n >= call->pending.size() || call->failed.load())
            return worker_done(call, std::nullopt);
        if (BlockingPool::current_task_cancelled()) {
            return worker_done(call,
                               make_error(503, "shutting_down",
                                          "venomd is shutting down; the translation stopped"));
        }
        const std::size_t index = call->pending[n];
        std::size_t served_by = 0;
        Result<std::string> answer = translate_chunk(*call, call->chunks[index], served_by);
        if (!answer) {
            call->failed = true;
            return worker_done(call, answer.error());
        }
        std::lock_guard lock(call->mutex);
        call->results[index] = std::move(answer.value());
        call->served_by[index] = served_by;
    }
}

Result<std::string> TranslationService::translate_chunk(Call& call, const std::string& chunk,
                                                        std::size_t& served_by) {
    for (;;) {
        const std::size_t at = call.current.load();
        ChatTarget target = call.targets[at];
        const std::string runtime(to_string(target.kind));
        if (call.deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *call.deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return make_error(
                    504, "translation_timeout",
                    std::string("Translation timed out: ") + runtime + " was not asked in time");
            }
            target.timeout = std::min(target.timeout, left);
        }
        Result<std::string> answer = governed_chat(target, call.system, chunk);
        if (answer) {
            served_by = at;
            return answer;
        }
        const auto reason = fallback_reason(answer.error());
        if (!reason || at + 1 >= call.targets.size()) return answer;
        // The whole call moves on, once: the worker that moves it records why.
        std::size_t expected = at;
        if (call.current.compare_exchange_strong(expected, at + 1)) {
            {
                std::lock_guard lock(call.mutex);
                call.fallback_reason = *reason;
            }
            governor_->record_fallback(runtime, std::string(to_string(call.targets[at + 1].kind)),
                                       *reason, answer.error().message);
        }
    }
}

Result<std::string> TranslationService::governed_chat(const ChatTarget& target,
                                                      const std::string& system,
                                                      const std::string& chunk) {
    if (!governor_) {
        auto answer = chat(target, system, chunk);
        if (!answer) return answer.error();
        return std::move(answer->text);
    }
    const std::string provider = std::string(to_string(target.kind));
    auto admitted =
        governor_->admit(provider, target.model, estimate_tokens(system.size() + chunk.size()),
                         estimate_tokens(chunk.size()));
    if (!admitted) return admitted.error();  // refused: nothing was sent
    const auto start = std::chrono::steady_clock::now();
    auto answer = chat(target, system, chunk);
    governance::CallOutcome outcome;
    outcome.provider = provider;
    outcome.model = target.model;
    outcome.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    outcome.estimate = *admitted;
    outcome.ok = answer.ok();
    if (answer) {
        outcome.tokens_in = answer->usage.tokens_in;
        outcome.tokens_out = answer->usage.tokens_out;
    } else {
        const Error& e = answer.error();
        // Cancelled or stopping: venomd gave up, the provider did not fail.
        if (!e.upstream_status && (e.http_status == 499 || e.http_status == 503)) return e;
        outcome.error_code = metric_code(e);
    }
    governor_->record(outcome);
    if (!answer) return answer.error();
    return std::move(answer->text);
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
    const ChatTarget& active = call.targets[0];
    const std::string runtime(to_string(active.kind));
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
                   active.model, call.chunks.size(), error->http_status, error->code);
        return call.done(std::move(*error));
    }
    bool cached = false;
    std::size_t served = 0;  // the furthest fallback any chunk needed
    for (std::size_t index : call.pending) {
        served = std::max(served, call.served_by[index]);
        if (!call.use_cache || call.served_by[index] != 0) continue;
        cache_.put(call.keys[index], translations[index]);
        cached = true;
    }
    Translation out;
    out.text = join_translated(call.pieces, translations);
    out.target_lang = call.target_lang;
    out.runtime = std::string(to_string(call.targets[served].kind));
    out.model = call.targets[served].model;
    if (served != 0) {
        out.fallback = TranslationFallback{runtime, active.model, call.fallback_reason};
    }
    out.chunks = call.chunks.size();
    out.upstream_calls = call.pending.size();
    logger("translation")
        ->info("translated runtime={} model={} bytes={} chunks={} upstream_calls={}", out.runtime,
               out.model, call.text_bytes, out.chunks, out.upstream_calls);
    call.done(std::move(out));
    if (cached) cache_.save_if_due();  // after the answer: nobody waits for the disk
}

}  // namespace venom::translation

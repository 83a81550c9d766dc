#include "translation/runtime_chat.hpp"

#include <nlohmann/json.hpp>

#include "venom/blocking_pool.hpp"
#include "venom/http_client.hpp"
#include "venom/text.hpp"

namespace venom::translation {

namespace {

using nlohmann::json;

constexpr double kTemperature = 0.2;  // as venom-python.md §3.8: faithful, not creative

std::string shorten(std::string text) {
    constexpr std::size_t kMax = 200;
    if (text.size() > kMax) text = text.substr(0, kMax) + "...";
    return text;
}

// The upstream's own error message: Ollama {"error":"…"}, OpenAI/vLLM/Gemini
// {"error":{"message":…}}, old vLLM {"message":…}; empty when there is none.
std::string upstream_message(const std::string& body) {
    const json doc = json::parse(body, nullptr, false);
    if (!doc.is_object()) return "";
    if (auto it = doc.find("error"); it != doc.end()) {
        if (it->is_string()) return it->get<std::string>();
        if (it->is_object()) {
            if (auto m = it->find("message"); m != it->end() && m->is_string()) return *m;
        }
    }
    if (auto m = doc.find("message"); m != doc.end() && m->is_string()) return *m;
    return "";
}

Error failed(const ChatTarget& target, std::string what) {
    return make_error(502, "translation_failed",
                      std::string("Translation failed: ") + std::string(to_string(target.kind)) +
                          " " + std::move(what));
}

std::string url_for(const ChatTarget& target) {
    switch (target.kind) {
        case Runtime::ollama:
            return target.base_url + "/api/chat";
        case Runtime::vllm:
        case Runtime::openai:
            return target.base_url + "/chat/completions";
        case Runtime::google:
            // The bare id: listings say "models/x", and the prefix must not be doubled (§6).
            {
                std::string id = target.model;
                if (id.rfind("models/", 0) == 0) id = id.substr(7);
                return target.base_url + "/v1beta/models/" + net::url_encode(id) +
                       ":generateContent";
            }
    }
    return target.base_url;
}

}  // namespace

json chat_body(const ChatTarget& target, const std::string& system, const std::string& user) {
    switch (target.kind) {
        case Runtime::ollama: {
            json options = {{"temperature", kTemperature}};
            if (target.num_ctx) options["num_ctx"] = *target.num_ctx;
            return {{"model", target.model},
                    {"messages", json::array({{{"role", "system"}, {"content", system}},
                                              {{"role", "user"}, {"content", user}}})},
                    {"stream", false},
                    {"options", std::move(options)}};
        }
        case Runtime::vllm:
        case Runtime::openai:
            return {{"model", target.model},
                    {"messages", json::array({{{"role", "system"}, {"content", system}},
                                              {{"role", "user"}, {"content", user}}})},
                    {"temperature", kTemperature},
                    {"stream", false}};
        case Runtime::google:
            return {{"systemInstruction", {{"parts", json::array({{{"text", system}}})}}},
                    {"contents",
                     json::array({{{"role", "user"}, {"parts", json::array({{{"text", user}}})}}})},
                    {"generationConfig", {{"temperature", kTemperature}}}};
    }
    return json::object();
}

namespace {

// Members of untrusted JSON, by pointer: nothing is copied (a deep document would recurse) and
// nothing throws on a wrong type.
const json* member(const json* doc, const char* key) {
    if (!doc || !doc->is_object()) return nullptr;
    auto it = doc->find(key);
    return it == doc->end() ? nullptr : &*it;
}
const json* first(const json* list) {
    return list && list->is_array() && !list->empty() ? &(*list)[0] : nullptr;
}
std::string string_of(const json* value) {
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

}  // namespace

Result<std::string> chat_answer_text(Runtime kind, const std::string& body) {
    const json doc = json::parse(body, nullptr, false);
    std::string text;
    bool found = false;
    std::string stop;  // why the model stopped, when it says
    if (kind == Runtime::ollama) {
        // api/types.go ChatResponse: message.content, done_reason ("stop", "length", ...).
        const json* content = member(member(&doc, "message"), "content");
        if (content && content->is_string()) {
            text = content->get<std::string>();
            found = true;
        }
        stop = string_of(member(&doc, "done_reason"));
    } else if (kind == Runtime::google) {
        // Every text part of the first candidate, thought summaries excluded (§6).
        const json* candidate = first(member(&doc, "candidates"));
        const json* parts = member(member(candidate, "content"), "parts");
        if (parts && parts->is_array()) {
            for (const auto& part : *parts) {
                const json* thought = member(&part, "thought");
                if (thought && thought->is_boolean() && thought->get<bool>()) continue;
                const json* t = member(&part, "text");
                if (t && t->is_string()) {
                    text += t->get<std::string>();
                    found = true;
                }
            }
        }
        stop = string_of(member(candidate, "finishReason"));
    } else {
        const json* choice = first(member(&doc, "choices"));
        const json* content = member(member(choice, "message"), "content");
        if (content && content->is_string()) {
            text = content->get<std::string>();
            found = true;
        }
        stop = string_of(member(choice, "finish_reason"));
    }
    // A translation cut at the token limit is not a translation of the whole chunk.
    if (stop == "length" || stop == "MAX_TOKENS") {
        return make_error(502, "translation_failed",
                          std::string("Translation failed: ") + std::string(to_string(kind)) +
                              " stopped at its token limit before the end of a chunk");
    }
    text = trim(text);
    if (!found || text.empty()) {
        std::string why = "gave an answer without text";
        if (const json* feedback = member(&doc, "promptFeedback");
            kind == Runtime::google && feedback) {
            const std::string reason = string_of(member(feedback, "blockReason"));
            why = "blocked the text (promptFeedback " + (reason.empty() ? "unknown" : reason) + ")";
        }
        return make_error(
            502, "translation_failed",
            std::string("Translation failed: ") + std::string(to_string(kind)) + " " + why);
    }
    return text;
}

ChatUsage chat_usage(Runtime kind, const std::string& body) {
    const json doc = json::parse(body, nullptr, false);
    auto count = [](const json* value) -> std::optional<std::int64_t> {
        if (!value || !value->is_number_integer() || value->get<std::int64_t>() < 0) {
            return std::nullopt;
        }
        return value->get<std::int64_t>();
    };
    ChatUsage usage;
    switch (kind) {
        case Runtime::ollama:  // api/types.go Metrics
            usage.tokens_in = count(member(&doc, "prompt_eval_count"));
            usage.tokens_out = count(member(&doc, "eval_count"));
            break;
        case Runtime::vllm:
        case Runtime::openai: {
            const json* u = member(&doc, "usage");
            usage.tokens_in = count(member(u, "prompt_tokens"));
            usage.tokens_out = count(member(u, "completion_tokens"));
            break;
        }
        case Runtime::google: {
            const json* u = member(&doc, "usageMetadata");
            usage.tokens_in = count(member(u, "promptTokenCount"));
            const auto candidates = count(member(u, "candidatesTokenCount"));
            const auto thoughts = count(member(u, "thoughtsTokenCount"));
            if (candidates || thoughts)
                usage.tokens_out = candidates.value_or(0) + thoughts.value_or(0);
            break;
        }
    }
    return usage;
}

Result<ChatAnswer> chat(const ChatTarget& target, const std::string& system,
                        const std::string& user) {
    net::HttpCall call;
    call.method = "POST";
    call.url = url_for(target);
    call.headers = {"Content-Type: application/json"};
    if (target.api_key) {
        call.headers.push_back(target.kind == Runtime::google
                                   ? "x-goog-api-key: " + *target.api_key
                                   : "Authorization: Bearer " + *target.api_key);
    }
    // Feed text may carry invalid UTF-8: replaced, never thrown on.
    call.body =
        chat_body(target, system, user).dump(-1, ' ', false, json::error_handler_t::replace);
    call.timeout = target.timeout;
    call.stall_timeout = target.timeout;
    call.connect_timeout = target.connect_timeout;
    call.cancelled = [] { return BlockingPool::current_task_cancelled(); };
    auto reply = net::perform(call);
    if (!reply) {
        const Error& e = reply.error();
        if (e.http_status == 504) {
            return make_error(504, "translation_timeout",
                              std::string("Translation timed out: ") +
                                  std::string(to_string(target.kind)) + " did not answer within " +
                                  std::to_string(target.timeout.count()) + " ms");
        }
        if (e.http_status == 502) return failed(target, "could not be reached: " + e.message);
        return e;  // 499 cancelled, 503 shutting_down
    }
    if (reply->status < 200 || reply->status >= 300) {
        const std::string status = "answered HTTP " + std::to_string(reply->status);
        // A refused key: say so without the upstream's words, which echo part of the key.
        const bool key_refused = reply->status == 401 || reply->status == 403 ||
                                 (target.kind == Runtime::google &&
                                  reply->body.find("API_KEY_INVALID") != std::string::npos);
        Error error =
            key_refused
                ? failed(target, status + ": the API key was rejected or is missing")
                : failed(target, status + (upstream_message(reply->body).empty()
                                               ? ""
                                               : ": " + shorten(upstream_message(reply->body))));
        error.upstream_status = key_refused && reply->status == 400 ? 401 : reply->status;
        return error;
    }
    auto text = chat_answer_text(target.kind, reply->body);
    if (!text) return text.error();
    return ChatAnswer{std::move(text.value()), chat_usage(target.kind, reply->body)};
}

}  // namespace venom::translation

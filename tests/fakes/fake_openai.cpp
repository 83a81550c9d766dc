#include "fakes/fake_openai.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "fakes/fake_text.hpp"

namespace venom::testing {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr std::string_view kModelsPath = "/v1/models";
constexpr std::string_view kChatPath = "/v1/chat/completions";
constexpr const char* kSystemFingerprint = "fp_f00dfeed42";
constexpr const char* kGreeting = "Hello! How can I help you today?";

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

FakeResponse json_response(int status, const ordered_json& body) {
    return FakeResponse::json(status, body.dump());
}

// The envelope every OpenAI error uses; `param` and `code` are null or a string.
FakeResponse error_response(int status, const std::string& message, const std::string& type,
                            const ordered_json& param = nullptr,
                            const ordered_json& code = nullptr) {
    return json_response(status, ordered_json{{"error", ordered_json{{"message", message},
                                                                     {"type", type},
                                                                     {"param", param},
                                                                     {"code", code}}}});
}

// The service echoes a wrong key so its owner can recognise it, but never whole: the last four
// characters survive, and on a key long enough to hide a good part of it also the first eight
// (the "sk-proj-" kind prefix); the rest becomes '*'.
std::string mask_key(std::string_view key) {
    if (key.size() <= 8) return std::string(key.size(), '*');
    const std::size_t head = key.size() >= 20 ? 8 : 0;
    const std::size_t tail = 4;
    return std::string(key.substr(0, head)) + std::string(key.size() - head - tail, '*') +
           std::string(key.substr(key.size() - tail));
}

FakeResponse missing_key() {
    return error_response(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
        "(with blank username) if you're accessing the API from your browser and are prompted for "
        "a username and password. You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error");
}

FakeResponse wrong_key(std::string_view sent) {
    return error_response(401,
                          "Incorrect API key provided: " + mask_key(sent) +
                              ". You can find your API key at "
                              "https://platform.openai.com/account/api-keys.",
                          "invalid_request_error", nullptr, "invalid_api_key");
}

FakeResponse fault_response(OpenAiFault fault, std::string_view model, milliseconds retry_after) {
    switch (fault) {
        case OpenAiFault::rate_limited: {
            const long long ms = retry_after.count();
            const std::string model_name = model.empty() ? "gpt-4o-mini" : std::string(model);
            FakeResponse response = error_response(
                429,
                "Rate limit reached for " + model_name +
                    " in organization org-FAKE0rg0000000000000000 on tokens per min (TPM): Limit "
                    "200000, Used 199500, Requested 1200. Please try again in " +
                    std::to_string(ms) +
                    "ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
                "tokens", nullptr, "rate_limit_exceeded");
            // retry-after is whole seconds (rounded up so a client never retries early);
            // retry-after-ms is the precise value the SDKs prefer.
            response.with_header("retry-after", std::to_string((ms + 999) / 1000))
                .with_header("retry-after-ms", std::to_string(ms))
                .with_header("x-ratelimit-limit-tokens", "200000")
                .with_header("x-ratelimit-remaining-tokens", "0")
                .with_header("x-ratelimit-reset-tokens", std::to_string(ms) + "ms");
            return response;
        }
        case OpenAiFault::insufficient_quota:
            return error_response(
                429,
                "You exceeded your current quota, please check your plan and billing details. For "
                "more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                "insufficient_quota", nullptr, "insufficient_quota");
        case OpenAiFault::server_error:
            return error_response(500,
                                  "The server had an error while processing your request. Sorry "
                                  "about that!",
                                  "server_error");
        case OpenAiFault::overloaded:
            return error_response(
                503, "The engine is currently overloaded, please try again later.", "server_error");
    }
    return error_response(500, "unknown fault", "server_error");
}

// Typed reads that treat a wrongly typed field as absent: a handler must not throw on odd input.
bool flag(const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_boolean() &&
           object[key].get<bool>();
}

std::string string_field(const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : std::string();
}

// A message's text: a plain string, or the text parts of a content array.
std::string text_of(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (content.is_array()) {
        for (const json& part : content) {
            if (string_field(part, "type") == "text") text += string_field(part, "text");
        }
    }
    return text;
}

ordered_json usage_of(std::size_t prompt, std::size_t completion) {
    return ordered_json{
        {"prompt_tokens", prompt},
        {"completion_tokens", completion},
        {"total_tokens", prompt + completion},
        {"prompt_tokens_details", {{"cached_tokens", 0}, {"audio_tokens", 0}}},
        {"completion_tokens_details",
         {{"reasoning_tokens", 0},
          {"audio_tokens", 0},
          {"accepted_prediction_tokens", 0},
          {"rejected_prediction_tokens", 0}}},
    };
}

ordered_json model_entry(const FakeOpenAiModel& model) {
    return ordered_json{{"id", model.id},
                        {"object", "model"},
                        {"created", model.created},
                        {"owned_by", model.owned_by}};
}

std::string sse_event(const std::string& data) {
    return "data: " + data + "\n\n";
}

json recorded_body(const FakeRequest& request) {
    json parsed = json::parse(request.body, nullptr, false);
    return parsed.is_discarded() ? json(request.body) : parsed;
}

}  // namespace

FakeOpenAi::FakeOpenAi() : models_(default_models()), api_key_(std::string(kDefaultApiKey)) {
    server_.on("GET", std::string(kModelsPath),
               [this](const FakeRequest& r) { return handle_models(r); });
    server_.on_prefix("GET", std::string(kModelsPath) + "/",
                      [this](const FakeRequest& r) { return handle_model(r); });
    server_.on("POST", std::string(kChatPath),
               [this](const FakeRequest& r) { return handle_chat(r); });
    // The real answer to any other route or method, authenticated or not.
    server_.on_prefix("*", "/", [this](const FakeRequest& r) {
        return finish(error_response(404, "Invalid URL (" + r.method + " " + r.path + ")",
                                     "invalid_request_error"),
                      false);
    });
    server_.start();
}

FakeOpenAi::~FakeOpenAi() {
    server_.stop();
}

std::string FakeOpenAi::base_url() const {
    return server_.base_url();
}

std::string FakeOpenAi::api_url() const {
    return server_.base_url() + "/v1";
}

FakeHttpServer& FakeOpenAi::server() {
    return server_;
}

std::vector<FakeOpenAiModel> FakeOpenAi::default_models() {
    return {
        {"gpt-4o", 1715367049, "system", "gpt-4o-2024-08-06", true},
        {"gpt-4o-mini", 1721172741, "system", "gpt-4o-mini-2024-07-18", true},
        {"gpt-4.1-mini", 1744318173, "system", "gpt-4.1-mini-2025-04-14", true},
        {"gpt-3.5-turbo", 1677610602, "openai", "gpt-3.5-turbo-0125", true},
        {"text-embedding-3-small", 1705948997, "system", "", false},
    };
}

void FakeOpenAi::set_models(std::vector<FakeOpenAiModel> models) {
    std::lock_guard lock(mutex_);
    models_ = std::move(models);
}

void FakeOpenAi::set_api_key(std::optional<std::string> key) {
    std::lock_guard lock(mutex_);
    api_key_ = std::move(key);
}

void FakeOpenAi::set_reply(std::optional<std::string> text) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(text);
}

void FakeOpenAi::set_reply_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    reply_delay_ = delay;
}

void FakeOpenAi::set_stream_delay(milliseconds delay) {
    std::lock_guard lock(mutex_);
    stream_delay_ = delay;
}

void FakeOpenAi::set_retry_after(milliseconds delay) {
    std::lock_guard lock(mutex_);
    retry_after_ = delay;
}

void FakeOpenAi::fail_next(OpenAiFault fault, std::size_t count) {
    std::lock_guard lock(mutex_);
    faults_.insert(faults_.end(), count, fault);
}

void FakeOpenAi::cut_next(OpenAiCut cut, std::size_t after_events) {
    std::lock_guard lock(mutex_);
    cut_ = PendingCut{cut, after_events};
}

std::size_t FakeOpenAi::request_count(std::string_view path) const {
    return server_.request_count(path);
}

std::optional<std::string> FakeOpenAi::last_authorization() const {
    const std::vector<FakeRequest> log = server_.requests();
    if (log.empty()) return std::nullopt;
    return log.back().header("Authorization");
}

std::vector<nlohmann::json> FakeOpenAi::chat_requests() const {
    std::lock_guard lock(mutex_);
    return chat_requests_;
}

std::pair<std::size_t, std::size_t> FakeOpenAi::usage_reported() const {
    std::lock_guard lock(mutex_);
    return usage_reported_;
}

std::optional<FakeResponse> FakeOpenAi::gate(const FakeRequest& request, std::string_view model) {
    std::lock_guard lock(mutex_);
    if (api_key_) {
        // Anything but a non-empty Bearer credential counts as no key, as the service says.
        const std::optional<std::string> header = request.header("Authorization");
        constexpr std::string_view scheme = "Bearer ";
        if (!header || !header->starts_with(scheme)) return missing_key();
        std::string sent = header->substr(scheme.size());
        sent.erase(0, sent.find_first_not_of(' '));
        if (sent.empty()) return missing_key();
        if (sent != *api_key_) return wrong_key(sent);
    }
    if (!faults_.empty()) {
        const OpenAiFault fault = faults_.front();
        faults_.pop_front();
        return fault_response(fault, model, retry_after_);
    }
    return std::nullopt;
}

FakeResponse FakeOpenAi::finish(FakeResponse response, bool streamed) {
    std::optional<PendingCut> cut;
    {
        std::lock_guard lock(mutex_);
        char request_id[40];
        std::snprintf(request_id, sizeof request_id, "req_fake%024llx",
                      static_cast<unsigned long long>(next_id_++));
        response.with_header("x-request-id", request_id)
            .with_header("openai-version", "2020-10-01")
            .with_header("openai-processing-ms", "42");
        if (response.status == 200 && cut_) {
            cut = cut_;
            cut_.reset();
        }
    }
    if (!cut) return response;

    std::size_t bytes = 0;
    if (streamed) {
        const std::size_t kept = std::min(cut->after_events, response.chunks.size());
        for (std::size_t i = 0; i < kept; ++i) bytes += response.chunks[i].data.size();
        if (cut->cut == OpenAiCut::error_event) {
            // A failure after the 200 went out can only be told in-band, and the stream then
            // ends without [DONE].
            response.chunks.resize(kept);
            response.chunks.push_back(
                FakeChunk{sse_event(ordered_json{{"error",
                                                  {{"message",
                                                    "The server had an error while processing your "
                                                    "request. Sorry about that!"},
                                                   {"type", "server_error"},
                                                   {"param", nullptr},
                                                   {"code", nullptr}}}}
                                        .dump()),
                          {}});
            return response;
        }
    } else if (cut->after_events > 0) {
        bytes = response.body.size() / 2;
    }
    if (cut->cut == OpenAiCut::stall) {
        response.stall_after_bytes = bytes;
    } else {
        response.reset_after_bytes = bytes;
    }
    return response;
}

FakeResponse FakeOpenAi::handle_models(const FakeRequest& request) {
    if (auto refusal = gate(request, {})) return finish(std::move(*refusal), false);
    ordered_json data = ordered_json::array();
    {
        std::lock_guard lock(mutex_);
        for (const FakeOpenAiModel& model : models_) data.push_back(model_entry(model));
    }
    return finish(json_response(200, ordered_json{{"object", "list"}, {"data", data}}), false);
}

FakeResponse FakeOpenAi::handle_model(const FakeRequest& request) {
    const std::string id = request.path.substr(kModelsPath.size() + 1);
    if (auto refusal = gate(request, id)) return finish(std::move(*refusal), false);
    std::optional<FakeOpenAiModel> found;
    {
        std::lock_guard lock(mutex_);
        for (const FakeOpenAiModel& model : models_) {
            if (model.id == id) found = model;
        }
    }
    if (!found) {
        return finish(error_response(404, "The model '" + id + "' does not exist",
                                     "invalid_request_error", "model", "model_not_found"),
                      false);
    }
    return finish(json_response(200, model_entry(*found)), false);
}

FakeResponse FakeOpenAi::handle_chat(const FakeRequest& request) {
    const json body = json::parse(request.body, nullptr, false);
    const bool is_object = !body.is_discarded() && body.is_object();
    const std::string model_id = is_object ? string_field(body, "model") : std::string();
    {
        std::lock_guard lock(mutex_);
        chat_requests_.push_back(recorded_body(request));
    }
    if (auto refusal = gate(request, model_id)) return finish(std::move(*refusal), false);

    if (!is_object) {
        return finish(
            error_response(400,
                           "We could not parse the JSON body of your request. (HINT: This likely "
                           "means you aren't using your HTTP library correctly. The OpenAI API "
                           "expects a JSON payload, but what was sent was not valid JSON. If you "
                           "have trouble figuring out how to fix this, please visit "
                           "https://platform.openai.com/docs.)",
                           "invalid_request_error"),
            false);
    }
    if (model_id.empty()) {
        return finish(
            error_response(400, "you must provide a model parameter", "invalid_request_error"),
            false);
    }
    if (!body.contains("messages") || !body["messages"].is_array()) {
        return finish(
            error_response(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                           "messages", "missing_required_parameter"),
            false);
    }
    const json& messages = body["messages"];
    if (messages.empty()) {
        return finish(error_response(400,
                                     "Invalid 'messages': empty array. Expected an array with "
                                     "minimum length 1, but got an empty array instead.",
                                     "invalid_request_error", "messages", "empty_array"),
                      false);
    }

    std::optional<FakeOpenAiModel> model;
    std::optional<std::string> scripted_reply;
    milliseconds delay{0};
    milliseconds reply_delay{0};
    std::string id;
    {
        std::lock_guard lock(mutex_);
        for (const FakeOpenAiModel& candidate : models_) {
            if (candidate.id == model_id) model = candidate;
        }
        scripted_reply = reply_;
        delay = stream_delay_;
        reply_delay = reply_delay_;
        char buffer[48];
        std::snprintf(buffer, sizeof buffer, "chatcmpl-FAKE%020llu",
                      static_cast<unsigned long long>(next_id_++));
        id = buffer;
    }
    if (!model) {
        return finish(
            error_response(
                404, "The model `" + model_id + "` does not exist or you do not have access to it.",
                "invalid_request_error", nullptr, "model_not_found"),
            false);
    }
    if (!model->chat) {
        return finish(error_response(404,
                                     "This is not a chat model and thus not supported in the "
                                     "v1/chat/completions endpoint. Did you mean to use "
                                     "v1/completions?",
                                     "invalid_request_error", "model"),
                      false);
    }

    std::size_t prompt_tokens = 0;
    std::optional<std::string> last_user;
    for (const json& message : messages) {
        if (!message.is_object() || !message.contains("content")) continue;
        const std::string text = text_of(message["content"]);
        prompt_tokens += word_count(text);
        if (string_field(message, "role") == "user") last_user = text;
    }
    const std::string reply =
        scripted_reply ? *scripted_reply : (last_user ? "Echo: " + *last_user : kGreeting);
    std::vector<std::string> pieces = pieces_of(reply);
    std::string finish_reason = "stop";
    for (const char* field : {"max_completion_tokens", "max_tokens"}) {
        if (body.contains(field) && body[field].is_number_unsigned() &&
            body[field].get<std::size_t>() < pieces.size()) {
            pieces.resize(body[field].get<std::size_t>());
            finish_reason = "length";
            break;
        }
    }
    const std::size_t completion_tokens = pieces.size();
    const std::string resolved = model->snapshot.empty() ? model->id : model->snapshot;
    const std::int64_t created = unix_now();

    const bool stream = flag(body, "stream");
    if (!stream) {
        FakeResponse whole =
            json_response(200, ordered_json{
                                   {"id", id},
                                   {"object", "chat.completion"},
                                   {"created", created},
                                   {"model", resolved},
                                   {"choices", ordered_json::array({ordered_json{
                                                   {"index", 0},
                                                   {"message",
                                                    {{"role", "assistant"},
                                                     {"content", join(pieces)},
                                                     {"refusal", nullptr},
                                                     {"annotations", ordered_json::array()}}},
                                                   {"logprobs", nullptr},
                                                   {"finish_reason", finish_reason},
                                               }})},
                                   {"usage", usage_of(prompt_tokens, completion_tokens)},
                                   {"service_tier", "default"},
                                   {"system_fingerprint", kSystemFingerprint},
                               });
        whole.delay_before_headers = reply_delay;
        {
            std::lock_guard lock(mutex_);
            usage_reported_.first += prompt_tokens;
            usage_reported_.second += completion_tokens;
        }
        return finish(std::move(whole), false);
    }

    const bool include_usage =
        body.contains("stream_options") && flag(body["stream_options"], "include_usage");
    // Every chunk repeats id/created/model; with include_usage each also says "usage": null.
    auto chunk = [&](ordered_json choices) {
        ordered_json event{{"id", id},
                           {"object", "chat.completion.chunk"},
                           {"created", created},
                           {"model", resolved},
                           {"service_tier", "default"},
                           {"system_fingerprint", kSystemFingerprint},
                           {"choices", std::move(choices)}};
        if (include_usage) event["usage"] = nullptr;
        return event;
    };
    auto choice = [](ordered_json delta, const ordered_json& reason) {
        return ordered_json::array({ordered_json{{"index", 0},
                                                 {"delta", std::move(delta)},
                                                 {"logprobs", nullptr},
                                                 {"finish_reason", reason}}});
    };
    std::vector<std::string> events;
    events.push_back(
        chunk(choice({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr))
            .dump());
    for (const std::string& piece : pieces) {
        ordered_json event = chunk(choice({{"content", piece}}, nullptr));
        // Newer responses pad chunks with a random "obfuscation" string; clients must ignore it.
        event["obfuscation"] = "x7Qp";
        events.push_back(event.dump());
    }
    events.push_back(chunk(choice(ordered_json::object(), finish_reason)).dump());
    if (include_usage) {
        ordered_json last = chunk(ordered_json::array());
        last["usage"] = usage_of(prompt_tokens, completion_tokens);
        events.push_back(last.dump());
    }
    events.push_back("[DONE]");

    FakeResponse response;
    response.headers.emplace_back("Content-Type", "text/event-stream; charset=utf-8");
    for (std::size_t i = 0; i < events.size(); ++i) {
        response.chunks.push_back(
            FakeChunk{sse_event(events[i]), i == 0 ? milliseconds(0) : delay});
    }
    return finish(std::move(response), true);
}

}  // namespace venom::testing

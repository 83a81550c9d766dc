#include "fakes/fake_gemini.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <utility>

#include "fakes/fake_text.hpp"

namespace venom::testing {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr std::string_view kModelsPath = "/v1beta/models";
constexpr std::string_view kModelPrefix = "/v1beta/models/";
constexpr std::size_t kMaxPageSize = 1000;
constexpr const char* kGreeting = "Hello! How can I help you today?";
constexpr const char* kJsonType = "application/json; charset=UTF-8";

// Google pretty-prints whole-body JSON (two-space indent): a client must not expect one line.
FakeResponse pretty_json(int status, const ordered_json& body) {
    return FakeResponse::text(status, body.dump(2) + "\n", kJsonType);
}

// The google.rpc.Status envelope; `details` is omitted when empty.
FakeResponse google_error(int code, const std::string& message, const std::string& status,
                          ordered_json details = ordered_json::array()) {
    ordered_json error{{"code", code}, {"message", message}, {"status", status}};
    if (!details.empty()) error["details"] = std::move(details);
    return pretty_json(code, ordered_json{{"error", std::move(error)}});
}

// What Google's front end answers for a URL no API serves: HTML, not JSON.
FakeResponse html_not_found(const std::string& path) {
    return FakeResponse::text(
        404,
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not "
        "Found)!!1</title>\n  <p><b>404.</b> <ins>That\xe2\x80\x99s an error.</ins>\n  <p>The "
        "requested URL <code>" +
            path +
            "</code> was not found on this server.  <ins>That\xe2\x80\x99s all we know.</ins>\n",
        "text/html; charset=UTF-8");
}

FakeResponse missing_key() {
    return google_error(403,
                        "Method doesn't allow unregistered callers (callers without established "
                        "identity). Please use API Key or other form of API consumer identity to "
                        "call this API.",
                        "PERMISSION_DENIED");
}

FakeResponse wrong_key() {
    const std::string message = "API key not valid. Please pass a valid API key.";
    return google_error(
        400, message, "INVALID_ARGUMENT",
        ordered_json::array(
            {ordered_json{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                          {"reason", "API_KEY_INVALID"},
                          {"domain", "googleapis.com"},
                          {"metadata", {{"service", "generativelanguage.googleapis.com"}}}},
             ordered_json{{"@type", "type.googleapis.com/google.rpc.LocalizedMessage"},
                          {"locale", "en-US"},
                          {"message", message}}}));
}

FakeResponse not_found(std::string_view id, std::string_view method) {
    return google_error(404,
                        "models/" + std::string(id) +
                            " is not found for API version v1beta, or is not supported for " +
                            std::string(method) +
                            ". Call ListModels to see the list of available models and their "
                            "supported methods.",
                        "NOT_FOUND");
}

FakeResponse invalid_argument(const std::string& message) {
    return google_error(400, message, "INVALID_ARGUMENT");
}

FakeResponse http_fault(GeminiFault fault, std::string_view model, const std::string& delay) {
    switch (fault) {
        case GeminiFault::rate_limited: {
            const std::string metric =
                "generativelanguage.googleapis.com/generate_content_free_tier_requests";
            const std::string docs = "https://ai.google.dev/gemini-api/docs/rate-limits";
            const ordered_json quota_failure{
                {"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
                {"violations",
                 ordered_json::array({ordered_json{
                     {"quotaMetric", metric},
                     {"quotaId", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"},
                     {"quotaDimensions", {{"location", "global"}, {"model", std::string(model)}}},
                     // int64 in the proto, so a string in JSON.
                     {"quotaValue", "10"}}})}};
            const ordered_json help{
                {"@type", "type.googleapis.com/google.rpc.Help"},
                {"links",
                 ordered_json::array({ordered_json{
                     {"description", "Learn more about Gemini API quotas"}, {"url", docs}}})}};
            // The delay a client should honour; per-day quotas put hours here.
            const ordered_json retry_info{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                                          {"retryDelay", delay}};
            return google_error(
                429,
                "You exceeded your current quota, please check your plan and billing details. "
                "For more information on this error, head to: " +
                    docs + ".\n* Quota exceeded for metric: " + metric + ", limit: 10, model: " +
                    std::string(model) + "\nPlease retry in " + delay + ".",
                "RESOURCE_EXHAUSTED", ordered_json::array({quota_failure, help, retry_info}));
        }
        case GeminiFault::unavailable:
            return google_error(503, "The model is overloaded. Please try again later.",
                                "UNAVAILABLE");
        case GeminiFault::internal:
            return google_error(500,
                                "An internal error has occurred. Please retry or report in "
                                "https://developers.generativeai.google/guide/troubleshooting",
                                "INTERNAL");
        case GeminiFault::blocked_prompt:
        case GeminiFault::max_tokens_without_parts:
            break;
    }
    return google_error(500, "unexpected fault", "INTERNAL");
}

bool is_http_fault(GeminiFault fault) {
    return fault != GeminiFault::blocked_prompt && fault != GeminiFault::max_tokens_without_parts;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            int value = 0;
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            out += static_cast<char>(value);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

// The decoded value of query parameter `name`; the first occurrence wins.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq), true) == name) {
            return eq == std::string_view::npos ? std::string()
                                                : percent_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

// Opaque page tokens, as the real ones are: base64 of the next offset. A client must pass them
// back verbatim (percent-encoding the '=' padding is allowed, decoding them is not).
std::string page_token(std::size_t offset) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string raw = "offset=" + std::to_string(offset);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, raw.size() - i);
        unsigned value = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            value = (value << 8) | (k < n ? static_cast<unsigned char>(raw[i + k]) : 0u);
        }
        for (std::size_t k = 0; k < 4; ++k) {
            out += k <= n ? kAlphabet[(value >> (18 - 6 * k)) & 0x3f] : '=';
        }
    }
    return out;
}

// Typed reads that treat a wrongly typed field as absent: a handler must not throw on odd input.
// Proto JSON accepts both spellings, so each lookup tries camelCase then snake_case.
const json* member(const json& object, const char* camel, const char* snake) {
    if (!object.is_object()) return nullptr;
    if (auto it = object.find(camel); it != object.end()) return &*it;
    if (auto it = object.find(snake); it != object.end()) return &*it;
    return nullptr;
}

std::optional<std::int64_t> integer_member(const json& object, const char* camel,
                                           const char* snake) {
    const json* value = member(object, camel, snake);
    if (value == nullptr || !value->is_number_integer()) return std::nullopt;
    return value->get<std::int64_t>();
}

std::string text_of(const json& content) {
    std::string text;
    const json* parts = member(content, "parts", "parts");
    if (parts == nullptr || !parts->is_array()) return text;
    for (const json& part : *parts) {
        if (part.is_object() && part.contains("text") && part["text"].is_string()) {
            text += part["text"].get<std::string>();
        }
    }
    return text;
}

// Zero counts are left out, as proto3 JSON omits default values: clients must default them.
ordered_json usage_of(std::size_t prompt, std::size_t candidates, std::size_t thoughts) {
    ordered_json usage{{"promptTokenCount", prompt}};
    if (candidates > 0) usage["candidatesTokenCount"] = candidates;
    usage["totalTokenCount"] = prompt + candidates + thoughts;
    usage["promptTokensDetails"] =
        ordered_json::array({ordered_json{{"modality", "TEXT"}, {"tokenCount", prompt}}});
    if (thoughts > 0) usage["thoughtsTokenCount"] = thoughts;
    return usage;
}

ordered_json model_entry(const FakeGeminiModel& model) {
    ordered_json entry{
        {"name", model.name},
        {"version", model.version},
        {"displayName", model.display_name},
        {"description", model.description},
        {"inputTokenLimit", model.input_token_limit},
        {"outputTokenLimit", model.output_token_limit},
        {"supportedGenerationMethods", model.supported_generation_methods},
    };
    if (model.temperature) entry["temperature"] = *model.temperature;
    if (model.top_p) entry["topP"] = *model.top_p;
    if (model.top_k) entry["topK"] = *model.top_k;
    if (model.max_temperature) entry["maxTemperature"] = *model.max_temperature;
    if (model.thinking) entry["thinking"] = true;
    return entry;
}

bool supports(const FakeGeminiModel& model, std::string_view method) {
    const auto& methods = model.supported_generation_methods;
    return std::find(methods.begin(), methods.end(), method) != methods.end();
}

json recorded_body(const FakeRequest& request) {
    json parsed = json::parse(request.body, nullptr, false);
    return parsed.is_discarded() ? json(request.body) : parsed;
}

FakeGeminiModel generative(std::string id, std::string version, std::string display,
                           std::string description, std::int64_t output_limit, int top_k,
                           bool thinking) {
    return FakeGeminiModel{
        "models/" + std::move(id),
        std::move(version),
        std::move(display),
        std::move(description),
        1048576,
        output_limit,
        {"generateContent", "countTokens", "createCachedContent", "batchGenerateContent"},
        1.0,
        2.0,
        0.95,
        top_k,
        thinking};
}

// Embedding and image models: no sampling defaults, no generateContent.
FakeGeminiModel non_generative(std::string id, std::string version, std::string display,
                               std::string description, std::int64_t input_limit,
                               std::int64_t output_limit, std::vector<std::string> methods) {
    FakeGeminiModel model;
    model.name = "models/" + std::move(id);
    model.version = std::move(version);
    model.display_name = std::move(display);
    model.description = std::move(description);
    model.input_token_limit = input_limit;
    model.output_token_limit = output_limit;
    model.supported_generation_methods = std::move(methods);
    return model;
}

}  // namespace

FakeGemini::FakeGemini() : models_(default_models()), api_key_(std::string(kDefaultApiKey)) {
    server_.on("GET", std::string(kModelsPath),
               [this](const FakeRequest& r) { return handle_list(r); });
    server_.on_prefix("GET", std::string(kModelPrefix),
                      [this](const FakeRequest& r) { return handle_get(r); });
    server_.on_prefix("POST", std::string(kModelPrefix),
                      [this](const FakeRequest& r) { return handle_post(r); });
    server_.on_prefix("*", "/", [](const FakeRequest& r) { return html_not_found(r.path); });
    server_.start();
}

FakeGemini::~FakeGemini() {
    server_.stop();
}

std::string FakeGemini::base_url() const {
    return server_.base_url();
}

FakeHttpServer& FakeGemini::server() {
    return server_;
}

std::vector<FakeGeminiModel> FakeGemini::default_models() {
    std::vector<FakeGeminiModel> models{
        generative("gemini-2.5-flash", "001", "Gemini 2.5 Flash",
                   "Stable version of Gemini 2.5 Flash, our mid-size multimodal model that "
                   "supports up to 1 million tokens, released in June of 2025.",
                   65536, 64, true),
        generative("gemini-2.5-pro", "2.5", "Gemini 2.5 Pro", "Stable release of Gemini 2.5 Pro",
                   65536, 64, true),
        generative("gemini-2.0-flash", "2.0", "Gemini 2.0 Flash", "Gemini 2.0 Flash", 8192, 40,
                   false),
        generative("gemini-2.5-flash-lite", "001", "Gemini 2.5 Flash-Lite",
                   "Stable version of Gemini 2.5 Flash-Lite, released in July of 2025", 65536, 64,
                   true),
    };
    models.push_back(non_generative("text-embedding-004", "004", "Text Embedding 004",
                                    "Obtain a distributed representation of a text.", 2048, 1,
                                    {"embedContent"}));
    models.push_back(non_generative(
        "gemini-embedding-001", "001", "Gemini Embedding 001",
        "Obtain a distributed representation of a text.", 2048, 1,
        {"embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"}));
    models.push_back(non_generative("imagen-3.0-generate-002", "002", "Imagen 3.0",
                                    "Vertex served Imagen 3.0 002 model", 480, 8192, {"predict"}));
    return models;
}

void FakeGemini::set_models(std::vector<FakeGeminiModel> models) {
    std::lock_guard lock(mutex_);
    models_ = std::move(models);
}

void FakeGemini::set_default_page_size(std::size_t size) {
    std::lock_guard lock(mutex_);
    default_page_size_ = std::clamp<std::size_t>(size, 1, kMaxPageSize);
}

void FakeGemini::set_api_key(std::optional<std::string> key) {
    std::lock_guard lock(mutex_);
    api_key_ = std::move(key);
}

void FakeGemini::set_reply(std::optional<std::string> text) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(text);
}

void FakeGemini::set_thoughts_tokens(std::size_t tokens) {
    std::lock_guard lock(mutex_);
    thoughts_tokens_ = tokens;
}

void FakeGemini::set_stream_delay(milliseconds delay) {
    std::lock_guard lock(mutex_);
    stream_delay_ = delay;
}

void FakeGemini::set_retry_delay(std::string delay) {
    std::lock_guard lock(mutex_);
    retry_delay_ = std::move(delay);
}

void FakeGemini::fail_next(GeminiFault fault, std::size_t count) {
    std::lock_guard lock(mutex_);
    faults_.insert(faults_.end(), count, fault);
}

void FakeGemini::cut_next(GeminiCut cut, std::size_t after_events) {
    std::lock_guard lock(mutex_);
    cut_ = PendingCut{cut, after_events};
}

std::size_t FakeGemini::request_count(std::string_view path) const {
    return server_.request_count(path);
}

std::optional<FakeGeminiKey> FakeGemini::last_api_key() const {
    const std::vector<FakeRequest> log = server_.requests();
    if (log.empty()) return std::nullopt;
    if (auto header = log.back().header("x-goog-api-key")) return FakeGeminiKey{*header, false};
    if (auto query = query_param(log.back().query, "key")) return FakeGeminiKey{*query, true};
    return std::nullopt;
}

std::vector<nlohmann::json> FakeGemini::generate_requests() const {
    std::lock_guard lock(mutex_);
    return generate_requests_;
}

std::optional<FakeResponse> FakeGemini::gate(const FakeRequest& request, std::string_view model) {
    std::lock_guard lock(mutex_);
    if (api_key_) {
        std::optional<std::string> sent = request.header("x-goog-api-key");
        if (!sent) sent = query_param(request.query, "key");
        if (!sent || sent->empty()) return missing_key();
        if (*sent != *api_key_) return wrong_key();
    }
    if (!faults_.empty() && is_http_fault(faults_.front())) {
        const GeminiFault fault = faults_.front();
        faults_.pop_front();
        return http_fault(fault, model.empty() ? "gemini-2.5-flash" : model, retry_delay_);
    }
    return std::nullopt;
}

std::optional<GeminiFault> FakeGemini::take_content_fault() {
    std::lock_guard lock(mutex_);
    if (faults_.empty() || is_http_fault(faults_.front())) return std::nullopt;
    const GeminiFault fault = faults_.front();
    faults_.pop_front();
    return fault;
}

std::optional<FakeGeminiModel> FakeGemini::find_model(std::string_view id) const {
    std::lock_guard lock(mutex_);
    const std::string name = "models/" + std::string(id);
    for (const FakeGeminiModel& model : models_) {
        if (model.name == name) return model;
    }
    return std::nullopt;
}

FakeResponse FakeGemini::finish(FakeResponse response, bool streamed) {
    std::optional<PendingCut> cut;
    {
        std::lock_guard lock(mutex_);
        if (response.status != 200 || !cut_) return response;
        cut = cut_;
        cut_.reset();
    }
    std::size_t bytes = 0;
    if (streamed) {
        const std::size_t kept = std::min(cut->after_events, response.chunks.size());
        for (std::size_t i = 0; i < kept; ++i) bytes += response.chunks[i].data.size();
    } else if (cut->after_events > 0) {
        bytes = response.body.size() / 2;
    }
    if (cut->cut == GeminiCut::stall) {
        response.stall_after_bytes = bytes;
    } else {
        response.reset_after_bytes = bytes;
    }
    return response;
}

FakeResponse FakeGemini::handle_list(const FakeRequest& request) {
    if (auto refusal = gate(request, {})) return std::move(*refusal);
    std::vector<FakeGeminiModel> models;
    std::size_t page_size = 0;
    {
        std::lock_guard lock(mutex_);
        models = models_;
        page_size = default_page_size_;
    }
    if (const auto text = query_param(request.query, "pageSize"); text && !text->empty()) {
        long long requested = 0;
        const auto result = std::from_chars(text->data(), text->data() + text->size(), requested);
        if (result.ec != std::errc() || result.ptr != text->data() + text->size()) {
            return invalid_argument("Invalid value at 'page_size' (TYPE_INT32), \"" + *text + "\"");
        }
        if (requested > 0) page_size = std::min<std::size_t>(requested, kMaxPageSize);
    }
    std::size_t offset = 0;
    if (const auto token = query_param(request.query, "pageToken"); token && !token->empty()) {
        bool valid = false;
        for (std::size_t candidate = 0; candidate <= models.size() && !valid; ++candidate) {
            if (page_token(candidate) == *token) {
                offset = candidate;
                valid = true;
            }
        }
        // [?] the real wording for a forged token is not documented.
        if (!valid) return invalid_argument("Invalid page token.");
    }
    ordered_json entries = ordered_json::array();
    const std::size_t end = std::min(models.size(), offset + page_size);
    for (std::size_t i = offset; i < end; ++i) entries.push_back(model_entry(models[i]));
    ordered_json body{{"models", std::move(entries)}};
    // The last page has no token at all (not an empty one).
    if (end < models.size()) body["nextPageToken"] = page_token(end);
    return finish(pretty_json(200, body), false);
}

FakeResponse FakeGemini::handle_get(const FakeRequest& request) {
    const std::string id = percent_decode(request.path.substr(kModelPrefix.size()), false);
    if (auto refusal = gate(request, id)) return std::move(*refusal);
    const std::optional<FakeGeminiModel> model = find_model(id);
    if (!model) return not_found(id, "get");
    return finish(pretty_json(200, model_entry(*model)), false);
}

FakeResponse FakeGemini::handle_post(const FakeRequest& request) {
    // The custom method follows a colon, which some clients percent-encode.
    const std::string rest = percent_decode(request.path.substr(kModelPrefix.size()), false);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) return html_not_found(request.path);
    const std::string id = rest.substr(0, colon);
    const std::string method = rest.substr(colon + 1);
    if (method == "generateContent") return handle_generate(request, id, false);
    if (method == "streamGenerateContent") return handle_generate(request, id, true);
    return html_not_found(request.path);
}

FakeResponse FakeGemini::handle_generate(const FakeRequest& request, const std::string& model_id,
                                         bool stream) {
    {
        std::lock_guard lock(mutex_);
        generate_requests_.push_back(recorded_body(request));
    }
    if (auto refusal = gate(request, model_id)) return std::move(*refusal);

    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return invalid_argument("Invalid JSON payload received. Unexpected token.");
    }
    const std::optional<FakeGeminiModel> model = find_model(model_id);
    if (!model || !supports(*model, "generateContent")) {
        return not_found(model_id, "generateContent");
    }
    const json* contents = member(body, "contents", "contents");
    if (contents == nullptr || !contents->is_array() || contents->empty()) {
        return invalid_argument("* GenerateContentRequest.contents: contents is not specified\n");
    }

    std::size_t prompt_tokens = 0;
    std::optional<std::string> last_user;
    for (const json& content : *contents) {
        const json* role = member(content, "role", "role");
        const std::string role_name =
            role != nullptr && role->is_string() ? role->get<std::string>() : std::string();
        // Clients translating OpenAI messages send "assistant"/"system"; the API refuses them.
        if (!role_name.empty() && role_name != "user" && role_name != "model" &&
            role_name != "function") {
            return invalid_argument("Please use a valid role: user, model.");
        }
        const std::string text = text_of(content);
        prompt_tokens += word_count(text);
        if (role_name.empty() || role_name == "user") last_user = text;
    }
    if (const json* system = member(body, "systemInstruction", "system_instruction")) {
        prompt_tokens += word_count(text_of(*system));
    }

    const json* config = member(body, "generationConfig", "generation_config");
    const std::optional<std::int64_t> max_output =
        config ? integer_member(*config, "maxOutputTokens", "max_output_tokens") : std::nullopt;
    const json* thinking = config ? member(*config, "thinkingConfig", "thinking_config") : nullptr;
    const std::optional<std::int64_t> budget =
        thinking ? integer_member(*thinking, "thinkingBudget", "thinking_budget") : std::nullopt;

    std::optional<std::string> scripted_reply;
    std::size_t thoughts = 0;
    milliseconds delay{0};
    std::string response_id;
    {
        std::lock_guard lock(mutex_);
        scripted_reply = reply_;
        thoughts = model->thinking && budget != 0 ? thoughts_tokens_ : 0;
        delay = stream_delay_;
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "fakeResp%014llx",
                      static_cast<unsigned long long>(next_id_++));
        response_id = buffer;
    }

    // Each answer is a list of GenerateContentResponse objects: one for a whole body, one per
    // frame for a stream.
    std::vector<ordered_json> answers;
    auto stamp = [&](ordered_json answer) {
        answer["modelVersion"] = model_id;
        answer["responseId"] = response_id;
        return answer;
    };
    const std::optional<GeminiFault> content_fault = take_content_fault();
    if (content_fault == GeminiFault::blocked_prompt) {
        ordered_json ratings = ordered_json::array();
        for (const auto& [category, probability] :
             {std::pair{"HARM_CATEGORY_SEXUALLY_EXPLICIT", "NEGLIGIBLE"},
              std::pair{"HARM_CATEGORY_HATE_SPEECH", "NEGLIGIBLE"},
              std::pair{"HARM_CATEGORY_HARASSMENT", "HIGH"},
              std::pair{"HARM_CATEGORY_DANGEROUS_CONTENT", "NEGLIGIBLE"}}) {
            ratings.push_back({{"category", category}, {"probability", probability}});
        }
        answers.push_back(stamp(ordered_json{
            {"promptFeedback", {{"blockReason", "SAFETY"}, {"safetyRatings", ratings}}},
            {"usageMetadata", usage_of(prompt_tokens, 0, 0)}}));
    } else if (content_fault == GeminiFault::max_tokens_without_parts) {
        // Thoughts used up the output budget: a candidate with a role but no parts at all.
        const std::size_t spent = std::max<std::size_t>(thoughts, 1);
        answers.push_back(stamp(ordered_json{
            {"candidates",
             ordered_json::array({ordered_json{
                 {"content", {{"role", "model"}}}, {"finishReason", "MAX_TOKENS"}, {"index", 0}}})},
            {"usageMetadata", usage_of(prompt_tokens, 0, spent)}}));
    } else {
        const std::string reply =
            scripted_reply ? *scripted_reply : (last_user ? "Echo: " + *last_user : kGreeting);
        std::vector<std::string> pieces = pieces_of(reply);
        std::string finish_reason = "STOP";
        // value_or, not `max_output && *max_output`: GCC 12 warns (wrongly) about the latter.
        const std::int64_t cap = max_output.value_or(-1);
        if (cap >= 0 && static_cast<std::size_t>(cap) < pieces.size()) {
            pieces.resize(static_cast<std::size_t>(cap));
            finish_reason = "MAX_TOKENS";
        }
        const std::size_t candidates_tokens = pieces.size();
        std::vector<std::string> texts = stream ? pieces : std::vector<std::string>{join(pieces)};
        if (texts.empty()) texts.emplace_back();
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const bool last = i + 1 == texts.size();
            ordered_json candidate{
                {"content",
                 {{"parts", ordered_json::array({{{"text", texts[i]}}})}, {"role", "model"}}}};
            if (last) candidate["finishReason"] = finish_reason;
            candidate["index"] = 0;
            // Frames before the last carry partial usage without candidate tokens; only the last
            // one's counts are final.
            answers.push_back(stamp(
                ordered_json{{"candidates", ordered_json::array({candidate})},
                             {"usageMetadata",
                              usage_of(prompt_tokens, last ? candidates_tokens : 0, thoughts)}}));
        }
    }

    if (!stream) return finish(pretty_json(200, answers.front()), false);

    FakeResponse response;
    const bool sse = query_param(request.query, "alt") == "sse";
    response.headers.emplace_back("Content-Type", sse ? "text/event-stream" : kJsonType);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const milliseconds before = i == 0 ? milliseconds(0) : delay;
        if (sse) {
            // Frames end in CRLF CRLF and nothing marks the end of the stream.
            response.chunks.push_back(FakeChunk{"data: " + answers[i].dump() + "\r\n\r\n", before});
        } else {
            // Without alt=sse the stream is one JSON array, written element by element.
            response.chunks.push_back(
                FakeChunk{(i == 0 ? "[" : ",\r\n") + answers[i].dump(2) + "\n", before});
        }
    }
    if (!sse) response.chunks.push_back(FakeChunk{"]", {}});
    return finish(std::move(response), true);
}

}  // namespace venom::testing

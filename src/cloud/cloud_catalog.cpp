#include "cloud/cloud_catalog.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "venom/http_client.hpp"
#include "venom/json_field_reader.hpp"
#include "venom/logging.hpp"
#include "venom/runtime_model_id.hpp"
#include "venom/text.hpp"

namespace venom::cloud {
namespace {

using nlohmann::json;

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

// OpenAI's list also holds embeddings, speech, image and moderation models; only chat models
// can be the active runtime.
bool is_openai_chat_model(const std::string& id) {
    const bool family =
        starts_with(id, "gpt-") || starts_with(id, "chatgpt-") ||
        (id.size() > 1 && id[0] == 'o' && std::isdigit(static_cast<unsigned char>(id[1])));
    if (!family) return false;
    for (const char* other : {"embedding", "tts", "whisper", "audio", "realtime", "transcribe",
                              "image", "search", "moderation", "instruct"}) {
        if (id.find(other) != std::string::npos) return false;
    }
    return true;
}

}  // namespace

CloudCatalog::CloudCatalog(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

const std::vector<Runtime>& CloudCatalog::providers() {
    static const std::vector<Runtime> runtimes = {Runtime::openai, Runtime::google};
    return runtimes;
}

std::string CloudCatalog::key_variable(Runtime provider) {
    if (provider == Runtime::openai) return "OPENAI_API_KEY";
    if (provider == Runtime::google) return "GOOGLE_API_KEY";
    return "";
}

std::string CloudCatalog::endpoint(Runtime provider) const {
    if (provider == Runtime::openai) return strip_trailing_slashes(options_.openai_base_url);
    if (provider == Runtime::google) return strip_trailing_slashes(options_.gemini_base_url);
    return "";
}

bool CloudCatalog::has_key(Runtime provider) const {
    if (is_local(provider)) return false;
    const auto& key =
        provider == Runtime::openai ? options_.openai_api_key : options_.google_api_key;
    return key && !key->empty();
}

std::vector<CloudModel> CloudCatalog::fallback_models(Runtime provider) {
    if (is_local(provider)) return {};
    if (provider == Runtime::openai) {
        return {
            {"gpt-4o-mini",
             "GPT-4o mini",
             "openai",
             {"chat", "vision", "tools"},
             "gpt-4o-mini-2024-07-18"},
            {"gpt-4o", "GPT-4o", "openai", {"chat", "vision", "tools"}, "gpt-4o-2024-08-06"},
            {"gpt-4.1-mini", "GPT-4.1 mini", "openai", {"chat", "vision", "tools"}, std::nullopt},
            {"gpt-4.1", "GPT-4.1", "openai", {"chat", "vision", "tools"}, std::nullopt},
            {"gpt-4-turbo",
             "GPT-4 Turbo",
             "openai",
             {"chat", "vision", "tools"},
             "gpt-4-turbo-2024-04-09"},
            {"gpt-3.5-turbo", "GPT-3.5 Turbo", "openai", {"chat", "tools"}, "gpt-3.5-turbo-0125"}};
    }
    return {
        {"gemini-2.5-flash",
         "Gemini 2.5 Flash",
         "google",
         {"chat", "vision", "tools"},
         std::nullopt},
        {"gemini-2.5-pro", "Gemini 2.5 Pro", "google", {"chat", "vision", "tools"}, std::nullopt},
        {"gemini-2.0-flash",
         "Gemini 2.0 Flash",
         "google",
         {"chat", "vision", "tools"},
         std::nullopt},
        {"gemini-1.5-pro",
         "Gemini 1.5 Pro",
         "google",
         {"chat", "vision", "tools"},
         "gemini-1.5-pro-latest"},
        {"gemini-1.5-flash",
         "Gemini 1.5 Flash",
         "google",
         {"chat", "vision", "tools"},
         "gemini-1.5-flash-latest"}};
}

CloudModelList CloudCatalog::models(Runtime provider) {
    std::lock_guard lock(mutex_);  // one fetch at a time; later callers find it cached
    auto it = cache_.find(provider);
    if (it != cache_.end() && clock_.now() < it->second.expires) return it->second.list;
    CloudModelList list = fetch(provider);
    const auto ttl = list.source == "live" ? options_.ttl : options_.failure_ttl;
    // Without a key nothing was asked: the next call with the same settings answers the same.
    cache_[provider] = {list, clock_.now() + ttl};
    return list;
}

CloudModelList CloudCatalog::fetch(Runtime provider) const {
    CloudModelList list;
    if (is_local(provider)) {
        list.error = std::string(display_name(provider)) + " is not a cloud runtime";
    } else if (!has_key(provider)) {
        list.error = key_variable(provider) + " is not set";
    } else {
        list = provider == Runtime::openai ? fetch_openai() : fetch_gemini();
        if (list.source == "live" && list.models.empty()) {
            list.source.clear();
            list.error = "the provider listed no chat models";
        }
    }
    if (list.source != "live") {
        list.source = "fallback";
        list.models = fallback_models(provider);
        logger("cloud")->warn("model list provider={} source=fallback reason=\"{}\"",
                              to_string(provider), list.error.value_or(""));
    }
    list.refreshed_at = format_rfc3339(clock_.now());
    return list;
}

CloudModelList CloudCatalog::fetch_openai() const {
    CloudModelList list;
    net::HttpCall call;
    call.url = endpoint(Runtime::openai) + "/models";
    call.headers = {"Authorization: Bearer " + *options_.openai_api_key};
    call.timeout = call.connect_timeout = call.stall_timeout = options_.timeout;
    const auto start = std::chrono::steady_clock::now();
    auto reply = net::perform(call);
    list.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // Only the status is reported: OpenAI's error text repeats part of the key.
    if (!reply) {
        list.error = "OpenAI unreachable: " + reply.error().message;
        return list;
    }
    if (reply->status == 401 || reply->status == 403) {
        list.key_rejected = true;
        list.error = "OpenAI rejected OPENAI_API_KEY (HTTP " + std::to_string(reply->status) + ")";
        return list;
    }
    if (reply->status != 200) {
        list.error = "OpenAI answered HTTP " + std::to_string(reply->status);
        return list;
    }
    auto models = parse_openai_models(json::parse(reply->body, nullptr, false));
    if (!models) {
        list.error = models.error().message;
        return list;
    }
    list.models = std::move(models.value());
    std::sort(list.models.begin(), list.models.end(),
              [](const CloudModel& a, const CloudModel& b) { return a.id < b.id; });
    list.source = "live";
    return list;
}

CloudModelList CloudCatalog::fetch_gemini() const {
    CloudModelList list;
    const auto start = std::chrono::steady_clock::now();
    std::string page_token;
    // Bounded: a provider that keeps handing out page tokens cannot keep us here.
    for (int page = 0; page < 10; ++page) {
        net::HttpCall call;
        call.url = endpoint(Runtime::google) + "/v1beta/models?pageSize=1000";
        if (!page_token.empty()) call.url += "&pageToken=" + net::url_encode(page_token);
        // The header, not ?key=: URLs end up in logs.
        call.headers = {"x-goog-api-key: " + *options_.google_api_key};
        call.timeout = call.connect_timeout = call.stall_timeout = options_.timeout;
        auto reply = net::perform(call);
        if (!reply) {
            list.error = "Gemini unreachable: " + reply.error().message;
            return list;
        }
        auto doc = json::parse(reply->body, nullptr, false);
        const bool bad_key =
            reply->status == 401 || reply->status == 403 ||
            (reply->status == 400 && reply->body.find("API_KEY_INVALID") != std::string::npos);
        if (bad_key) {
            list.key_rejected = true;
            list.error =
                "Gemini rejected GOOGLE_API_KEY (HTTP " + std::to_string(reply->status) + ")";
            return list;
        }
        if (reply->status != 200 || !doc.is_object()) {
            list.error = "Gemini answered HTTP " + std::to_string(reply->status);
            return list;
        }
        auto models = parse_gemini_models(doc, &page_token);
        if (!models) {
            list.models.clear();
            list.error = models.error().message;
            return list;
        }
        for (auto& m : models.value()) list.models.push_back(std::move(m));
        if (page_token.empty()) break;
    }
    list.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    list.source = "live";
    return list;
}

Result<CloudModel> CloudCatalog::resolve(Runtime provider, const std::string& model) {
    if (is_local(provider)) {
        return make_error(400, "unknown_provider",
                          "Unknown cloud provider '" + std::string(to_string(provider)) +
                              "': use 'openai' or 'google' (aliases 'gem', 'google-gemini')");
    }
    if (!has_key(provider)) {
        return make_error(400, "missing_api_key",
                          key_variable(provider) +
                              " is not set in venomd's environment; set it and restart venomd");
    }
    CloudModelList list = models(provider);
    if (list.key_rejected) return make_error(400, "api_key_rejected", *list.error);
    const std::string wanted = to_lower(starts_with(model, "models/") ? model.substr(7) : model);
    if (wanted.empty()) {
        // The provider's usual default when it is offered, else the first model listed.
        const std::string preferred = fallback_models(provider).front().id;
        for (const auto& m : list.models) {
            if (m.id == preferred) return m;
        }
        return list.models.front();  // never empty: live lists without models fall back
    }
    for (const auto& m : list.models) {
        if (to_lower(m.id) == wanted || to_lower(m.name) == wanted ||
            (m.alias && to_lower(*m.alias) == wanted)) {
            return m;
        }
    }
    std::string known;
    for (std::size_t i = 0; i < list.models.size() && i < 8; ++i) {
        known += (i ? ", " : "") + list.models[i].id;
    }
    return make_error(400, "unknown_model",
                      "Model '" + model + "' is not in " + std::string(to_string(provider)) +
                          "'s " + (list.source == "live" ? "model list" : "built-in model list") +
                          " (e.g. " + known + ")");
}

Result<std::vector<CloudModel>> parse_openai_models(const json& doc) {
    if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_array()) {
        return make_error(502, "bad_upstream_response",
                          "OpenAI's model list is not the expected JSON");
    }
    std::vector<CloudModel> models;
    for (const auto& m : doc["data"]) {
        if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
        const std::string id = m["id"];
        // An id that could not be written safely to llm-runtime.env is no model we offer.
        if (!validate_runtime_model_id(id) || !is_openai_chat_model(id)) continue;
        models.push_back({id, id, "openai", {"chat"}, std::nullopt});
    }
    return models;
}

Result<std::vector<CloudModel>> parse_gemini_models(const json& doc, std::string* next_page_token) {
    JsonFieldReader reader("Gemini model list");
    std::vector<CloudModel> list;
    const json* models = reader.array(doc, "models");
    for (std::size_t i = 0; models && i < models->size() && reader.ok(); ++i) {
        const json& m = (*models)[i];
        const std::string at = "models[" + std::to_string(i) + "]";
        if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) continue;
        const json* methods = reader.array(m, "supportedGenerationMethods", at);
        if (!methods ||
            std::find(methods->begin(), methods->end(), "generateContent") == methods->end()) {
            continue;  // embedding and other non-chat models
        }
        std::string id = m["name"];
        if (starts_with(id, "models/")) id = id.substr(7);
        if (!validate_runtime_model_id(id)) continue;
        std::string display = reader.string(m, "displayName", id, at);
        list.push_back({id, display, "google", {"chat"}, std::nullopt});
    }
    std::string token = reader.string(doc, "nextPageToken");
    if (!reader.ok()) return reader.error();
    if (next_page_token) *next_page_token = std::move(token);
    return list;
}

}  // namespace venom::cloud

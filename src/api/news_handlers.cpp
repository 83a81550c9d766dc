// GET /api/v1/models/news: Hub blog posts and papers of a month in the panel's language. Every
// parameter is checked before anything is fetched (venom-python.md §6 item 12: the earlier
// implementation checked `lang` only after the upstream call).
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/request_body.hpp"
#include "news/news_service.hpp"
#include "translation/language.hpp"
#include "venom/text.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
}

json item_json(const news::NewsItem& item) {
    return {{"title", item.title},
            {"url", optional_json(item.url)},
            {"summary", optional_json(item.summary)},
            {"published_at", optional_json(item.published_at)},
            {"authors", item.authors ? json(*item.authors) : json(nullptr)},
            {"source", item.source}};
}

// The first month with Hub daily papers: earlier months have nothing to fetch.
constexpr const char* kFirstPapersMonth = "2023-05";

// "2026-07": a four-digit year and a month 01..12.
bool valid_month(const std::string& month) {
    if (month.size() != 7 || month[4] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
        if (!std::isdigit(static_cast<unsigned char>(month[i]))) return false;
    }
    const int m = std::stoi(month.substr(5));
    return m >= 1 && m <= 12;
}

// The value of `key` lower-cased and trimmed, `fallback` when absent or empty.
std::string lower_param(const ApiRequest& request, const char* key, const char* fallback) {
    auto value = request.query_value(key);
    std::string text = value ? to_lower(trim(*value)) : "";
    return text.empty() ? fallback : text;
}

}  // namespace

void get_models_news(const ApiRequest& request, Services& services, Respond respond) {
    // Every value is matched case-insensitively, as the languages are everywhere in venomd.
    const std::string provider = lower_param(request, "provider", "huggingface");
    if (provider != "huggingface") {
        return respond(error_response(
            400, "unknown_provider",
            "Unknown news provider '" + provider + "': only 'huggingface' has news"));
    }
    const std::string type = lower_param(request, "type", "blog");
    if (type != "blog" && type != "papers") {
        return respond(error_response(400, "invalid_parameter",
                                      "Unknown news type '" + type + "': use 'blog' or 'papers'"));
    }
    auto limit = query_int(request, "limit", 5, 1, 50);
    if (!limit) return respond(error_response(limit.error()));
    // The same language rule as POST /translate (translation/language.hpp).
    const std::string lang_text = request.query_value("lang").value_or("");
    const auto lang = translation::normalize_language(trim(lang_text).empty() ? "en" : lang_text);
    if (!lang) {
        return respond(error_response(400, "unsupported_language",
                                      "Unsupported language '" + lang_text + "': use " +
                                          translation::supported_languages_text()));
    }
    if (!services.news) {
        return respond(error_response(503, "news_unavailable", "News are not configured"));
    }
    news::NewsQuery query;
    query.kind = type == "papers" ? news::NewsKind::papers : news::NewsKind::blog;
    query.limit = static_cast<std::size_t>(*limit);
    query.lang = *lang;
    const std::string month = trim(request.query_value("month").value_or(""));
    if (!month.empty() && !valid_month(month)) {  // checked for blog too, though unused there
        return respond(
            error_response(400, "invalid_parameter", "Invalid month '" + month + "': use YYYY-MM"));
    }
    // Only months that can have papers: every other month would cost upstream calls (and, with
    // a language, translations) for nothing, and fill the caches (issue 12 review 3.1).
    // Same-shape strings compare as months.
    if (!month.empty()) {
        const std::string current = services.news->current_month();
        if (month < kFirstPapersMonth || month > current) {
            return respond(error_response(400, "invalid_parameter",
                                          "Month '" + month +
                                              "' is out of range: papers exist from " +
                                              kFirstPapersMonth + " to " + current));
        }
    }
    if (query.kind == news::NewsKind::papers) {
        query.month = month.empty() ? services.news->current_month() : month;
    }
    services.news->get(query, [respond, provider, query](news::NewsAnswer answer) {
        json items = json::array();
        for (const auto& item : answer.items) items.push_back(item_json(item));
        json body = {{"success", true},
                     {"provider", provider},
                     {"type", query.kind == news::NewsKind::papers ? "papers" : "blog"},
                     {"lang", query.lang},
                     {"items", items},
                     {"count", items.size()},
                     {"stale", answer.stale},
                     {"error", optional_json(answer.error)}};
        if (query.kind == news::NewsKind::papers) body["month"] = query.month;
        respond(json_response(200, body));
    });
}

}  // namespace venom::api

// Catalog, trending and search: answered from the cache, or after one upstream refresh on a
// pool thread; on upstream failure the last good answer is served stale with the error.
#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json/model_json.hpp"
#include "api/json_response.hpp"
#include "api/request_body.hpp"

namespace venom::api {
namespace {

using nlohmann::json;
using Entries = std::vector<CatalogEntry>;

json entries_json(const Entries& entries) {
    json out = json::array();
    for (const auto& e : entries) out.push_back(catalog_entry_json(e));
    return out;
}

json answer_json(const CatalogCache::Answer& answer) {
    json models = entries_json(answer.value);
    return {{"success", true},
            {"models", models},
            {"count", models.size()},
            {"stale", answer.stale},
            {"error", answer.error ? json(*answer.error) : json(nullptr)}};
}

// The provider named by the `provider` query parameter; 422 when it is required and absent.
Result<std::shared_ptr<ModelProvider>> provider_param(const ApiRequest& request,
                                                      Services& services) {
    auto name = request.query_value("provider");
    if (!name || name->empty()) {
        return make_error(422, "missing_parameter", "Query parameter 'provider' is required");
    }
    return services.registry.find_provider(*name);
}

std::string cache_key(const std::string& provider, const char* kind, const std::string& query,
                      long limit, long page = 1) {
    return provider + "|" + kind + "|" + query + "|" + std::to_string(limit) + "|" +
           std::to_string(page);
}

}  // namespace

void list_provider_models(const ApiRequest& request, Services& services, Respond respond) {
    auto limit = query_int(request, "limit", 20, 1, 200);
    if (!limit) return respond(error_response(limit.error()));
    std::vector<std::shared_ptr<ModelProvider>> providers;
    if (request.query_value("provider")) {
        auto provider = provider_param(request, services);
        if (!provider) return respond(error_response(provider.error()));
        providers.push_back(*provider);
    } else {
        providers = services.registry.providers();  // every source this build has, merged
    }
    if (providers.empty()) return respond(json_response(200, answer_json({})));

    // Gather one answer per provider, then merge in provider order.
    struct Gather {
        std::mutex mutex;
        std::vector<CatalogCache::Answer> answers;
        std::size_t left;
        Respond respond;
    };
    auto gather = std::make_shared<Gather>();
    gather->answers.resize(providers.size());
    gather->left = providers.size();
    gather->respond = std::move(respond);
    for (std::size_t i = 0; i < providers.size(); ++i) {
        auto provider = providers[i];
        const long n = *limit;
        services.catalog.get(
            cache_key(provider->name(), "catalog", "", n),
            [provider, n] { return provider->list_available(static_cast<std::size_t>(n)); },
            [gather, i](CatalogCache::Answer answer) {
                std::unique_lock lock(gather->mutex);
                gather->answers[i] = std::move(answer);
                if (--gather->left > 0) return;
                CatalogCache::Answer merged;
                for (auto& a : gather->answers) {
                    merged.value.insert(merged.value.end(), a.value.begin(), a.value.end());
                    merged.stale = merged.stale || a.stale;
                    if (a.error && !merged.error) merged.error = a.error;
                }
                lock.unlock();
                gather->respond(json_response(200, answer_json(merged)));
            });
    }
}

void list_trending_models(const ApiRequest& request, Services& services, Respond respond) {
    auto provider = provider_param(request, services);
    if (!provider) return respond(error_response(provider.error()));
    auto limit = query_int(request, "limit", 12, 1, 200);
    if (!limit) return respond(error_response(limit.error()));
    auto p = *provider;
    const long n = *limit;
    services.catalog.get(
        cache_key(p->name(), "trending", "", n),
        [p, n] { return p->trending(static_cast<std::size_t>(n)); },
        [p, respond = std::move(respond)](CatalogCache::Answer answer) {
            json body = answer_json(answer);
            body["provider"] = p->name();
            respond(json_response(200, body));
        });
}

void search_models(const ApiRequest& request, Services& services, Respond respond) {
    auto query = request.query_value("query");
    if (!query) {
        return respond(
            error_response(422, "missing_parameter", "Query parameter 'query' is required"));
    }
    if (query->size() < 2 || query->size() > 200) {
        return respond(error_response(400, "invalid_parameter",
                                      "Query parameter 'query' must be 2 to 200 characters"));
    }
    auto provider = provider_param(request, services);
    if (!provider) return respond(error_response(provider.error()));
    auto limit = query_int(request, "limit", 12, 1, 100);
    if (!limit) return respond(error_response(limit.error()));
    auto page = query_int(request, "page", 1, 1, 100);
    if (!page) return respond(error_response(page.error()));
    auto p = *provider;
    const long n = *limit, pg = *page;
    const std::string q = *query;
    services.catalog.get(
        cache_key(p->name(), "search", q, n, pg),
        [p, q, n, pg] {
            return p->search(q, static_cast<std::size_t>(n), static_cast<std::size_t>(pg));
        },
        [p, q, pg, respond = std::move(respond)](CatalogCache::Answer answer) {
            json body = answer_json(answer);
            body["provider"] = p->name();
            body["query"] = q;
            body["page"] = pg;
            respond(json_response(200, body));
        });
}

}  // namespace venom::api

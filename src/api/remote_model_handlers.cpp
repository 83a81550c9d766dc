// The web panel's Models -> Remote tab: thin views over the cloud catalogs (their last check of
// each provider's key) and the active runtime. The checks may call the providers: on the pool.
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

json or_null(const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
}

// "configured" only when the key is set and the provider accepted it on the last check (the
// panel shows that one green); "not_configured" without a key; "unauthorized" when the provider
// refused the key; "unreachable" when it could not be asked or answered something else.
std::string provider_status(const cloud::CloudModelList& list, bool has_key) {
    if (!has_key) return "not_configured";
    if (list.source == "live") return "configured";
    if (list.key_rejected) return "unauthorized";
    return "unreachable";
}

// Where a chat request of the runtime goes (upstream-protocols.md §5: OpenAI's
// /chat/completions, Gemini's models/{model}:generateContent).
std::string chat_endpoint(const Services& services, Runtime provider, const std::string& model) {
    if (provider == Runtime::openai) return services.cloud.endpoint(provider) + "/chat/completions";
    return services.cloud.endpoint(provider) + "/v1beta/models/" + model + ":generateContent";
}

}  // namespace

void list_remote_providers(const ApiRequest&, Services& services, Respond respond) {
    answer_from_pool(services.catalog_pool, respond, [&services] {
        json providers = json::array();
        for (const Runtime provider : cloud::CloudCatalog::providers()) {
            const bool has_key = services.cloud.has_key(provider);
            const cloud::CloudModelList list = services.cloud.models(provider);
            providers.push_back(
                {{"provider", std::string(to_string(provider))},
                 {"status", provider_status(list, has_key)},
                 {"endpoint", services.cloud.endpoint(provider)},
                 {"key_variable", cloud::CloudCatalog::key_variable(provider)},
                 // Without a key nothing is asked: there is no check to date.
                 {"last_check", has_key ? json(list.refreshed_at) : json(nullptr)},
                 {"error", or_null(list.error)},
                 {"latency_ms", list.latency_ms ? json(*list.latency_ms) : json(nullptr)},
                 {"catalog_source", list.source}});
        }
        return json_response(
            200, {{"status", "success"}, {"providers", providers}, {"count", providers.size()}});
    });
}

void get_remote_catalog(const ApiRequest& request, Services& services, Respond respond) {
    const auto name = request.query_value("provider");
    if (!name || name->empty()) {
        return respond(error_response(422, "missing_parameter",
                                      "Query parameter 'provider' is required: openai or google"));
    }
    const std::optional<Runtime> provider = parse_runtime(*name);
    if (!provider || is_local(*provider)) {
        return respond(
            error_response(400, "unknown_provider",
                           "Unknown remote provider '" + *name + "': use 'openai' or 'google'"));
    }
    answer_from_pool(services.catalog_pool, respond, [&services, provider = *provider] {
        const cloud::CloudModelList list = services.cloud.models(provider);
        json models = json::array();
        for (const auto& m : list.models) {
            models.push_back({{"id", m.id},
                              {"name", m.name},
                              {"provider", m.provider},
                              {"capabilities", m.capabilities},  // always an array
                              {"model_alias", or_null(m.alias)}});
        }
        return json_response(200, {{"status", "success"},
                                   {"provider", std::string(to_string(provider))},
                                   {"models", models},
                                   {"count", models.size()},
                                   {"refreshed_at", list.refreshed_at},
                                   {"source", list.source},
                                   {"error", or_null(list.error)}});
    });
}

void get_remote_connectivity(const ApiRequest&, Services& services, Respond respond) {
    answer_from_pool(services.catalog_pool, respond, [&services] {
        const RuntimeState state = services.runtime_state.current();
        json bindings = json::array();
        for (const Runtime provider : cloud::CloudCatalog::providers()) {
            const std::string name(to_string(provider));
            const bool has_key = services.cloud.has_key(provider);
            const cloud::CloudModelList list = services.cloud.models(provider);
            const bool ok = provider_status(list, has_key) == "configured";
            // What venomd itself calls: the provider's model list, with the key, when set.
            bindings.push_back(
                {{"service_id", "remote-catalog." + name},
                 {"endpoint", services.cloud.endpoint(provider) +
                                  (provider == Runtime::openai ? "/models" : "/v1beta/models")},
                 {"http_method", "GET"},
                 {"provider", name},
                 {"model", nullptr},
                 {"routing_mode", "direct"},
                 {"fallback_order", json::array()},
                 {"status", ok ? "active" : (has_key ? "error" : "disabled")}});
            // The active runtime, when it is this provider: where its chat requests go. venomd
            // does not route to another provider when it fails (no fallback).
            if (state.active_runtime == provider) {
                const std::string model = state.active_model.value_or("");
                bindings.push_back({{"service_id", "llm-runtime"},
                                    {"endpoint", chat_endpoint(services, provider, model)},
                                    {"http_method", "POST"},
                                    {"provider", name},
                                    {"model", model},
                                    {"routing_mode", "direct"},
                                    {"fallback_order", json::array()},
                                    {"status", ok ? "active" : "degraded"}});
            }
        }
        return json_response(
            200, {{"status", "success"}, {"bindings", bindings}, {"count", bindings.size()}});
    });
}

}  // namespace venom::api

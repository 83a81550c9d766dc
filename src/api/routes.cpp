// The whole REST surface in one table, in the order docs/API.md describes it.
#include "api/handlers.hpp"
#include "api/router.hpp"

namespace venom::api {

std::vector<Route> api_routes() {
    return {
        {"GET", "/api/v1/health", get_health, Access::open},
        // The OpenAPI document of this table (docs/openapi.json, checked against it by a test).
        {"GET", "/api/v1/openapi.json", get_openapi_document, Access::open},

        {"GET", "/api/v1/models", list_installed_models, Access::open},
        {"GET", "/api/v1/models/usage", get_models_usage, Access::open},
        {"GET", "/api/v1/models/{name}/capabilities", get_model_capabilities, Access::open},
        {"GET", "/api/v1/models/{name}/config", get_model_config, Access::open},
        {"POST", "/api/v1/models/{name}/config", set_model_config, Access::token, Body::json},

        {"GET", "/api/v1/models/providers", list_provider_models, Access::open},
        {"GET", "/api/v1/models/trending", list_trending_models, Access::open},
        {"GET", "/api/v1/models/search", search_models, Access::open},
        // Hub blog and papers in the panel's language (issue 12, points 1, 2 and 5).
        {"GET", "/api/v1/models/news", get_models_news, Access::open},

        {"POST", "/api/v1/models/registry/install", install_model, Access::token, Body::json},
        {"DELETE", "/api/v1/models/registry/{name}", remove_model, Access::token},
        {"POST", "/api/v1/models/activate", activate_model, Access::token, Body::json,
         Deadline::runtime_action},
        {"POST", "/api/v1/models/switch", switch_model, Access::token, Body::json,
         Deadline::runtime_action},

        {"GET", "/api/v1/models/operations", list_operations, Access::open},
        {"GET", "/api/v1/models/operations/{operation_id}", get_operation, Access::open},
        {"DELETE", "/api/v1/models/operations/{operation_id}", cancel_operation, Access::token},

        {"GET", "/api/v1/system/llm-servers", list_llm_servers, Access::open},
        {"GET", "/api/v1/system/llm-servers/active", get_active_llm_server, Access::open},
        {"POST", "/api/v1/system/llm-servers/active", set_active_llm_server, Access::token,
         Body::json, Deadline::runtime_action},
        {"POST", "/api/v1/system/llm-servers/{server}/{action}", run_llm_server_action,
         Access::token, Body::none, Deadline::runtime_action},
        {"GET", "/api/v1/system/llm-runtime/active", get_active_llm_runtime, Access::open},
        {"POST", "/api/v1/system/llm-runtime/active", set_active_llm_runtime, Access::token,
         Body::json, Deadline::runtime_action},
        {"GET", "/api/v1/system/llm-runtime/options", get_llm_runtime_options, Access::open},

        // Config -> Services (issue 11, point 3). The profile route comes first: its literal
        // "profile" segment would otherwise match {service}.
        {"GET", "/api/v1/runtime/status", get_runtime_status, Access::open},
        {"GET", "/api/v1/runtime/history", get_runtime_history, Access::open},
        {"POST", "/api/v1/runtime/profile/{profile}", apply_runtime_profile, Access::token,
         Body::none, Deadline::runtime_action},
        {"POST", "/api/v1/runtime/{service}/{action}", run_runtime_service_action, Access::token,
         Body::none, Deadline::runtime_action},
        {"GET", "/api/v1/system/storage", get_system_storage, Access::open},
        // Live events (docs/API.md "Live events"): reads, so open like the other GETs.
        {"GET", "/api/v1/events", stream_events, Access::open},
        {"GET", "/ws/events", open_event_websocket, Access::open},
        // Web panel: operation queue and the Models -> Remote tab.
        {"GET", "/api/v1/queue/status", get_queue_status, Access::open},
        {"POST", "/api/v1/queue/pause", pause_queue, Access::token},
        {"POST", "/api/v1/queue/resume", resume_queue, Access::token},
        {"GET", "/api/v1/models/remote/providers", list_remote_providers, Access::open},
        {"GET", "/api/v1/models/remote/catalog", get_remote_catalog, Access::open},
        {"GET", "/api/v1/models/remote/connectivity", get_remote_connectivity, Access::open},
        // Translation with the active runtime (issue 12). Behind the token: with a cloud runtime
        // every call spends the provider key's money. A long text is several upstream calls,
        // each bounded by translation_timeout_seconds, so it takes the runtime actions' deadline.
        {"POST", "/api/v1/translate", translate_text, Access::token, Body::json,
         Deadline::runtime_action},

        // Governance and observability of runtime calls (issue 13). Changes need the token.
        {"GET", "/api/v1/governance/status", get_governance_status, Access::open},
        {"GET", "/api/v1/governance/limits", get_governance_limits, Access::open},
        {"POST", "/api/v1/governance/limits", set_governance_limit, Access::token, Body::json},
        {"POST", "/api/v1/governance/reset-usage", reset_governance_usage, Access::token},
        {"GET", "/api/v1/governance/providers/{name}/credentials", get_provider_credentials,
         Access::open},
        {"GET", "/api/v1/providers", list_governed_providers, Access::open},
        {"GET", "/api/v1/providers/{name}/metrics", get_provider_metrics, Access::open},
        {"GET", "/api/v1/providers/{name}/health", get_provider_health, Access::open},
        // Prometheus scrapes here, outside /api/v1 (docs/API.md "Metrics").
        {"GET", "/metrics", get_prometheus_metrics, Access::open},
    };
}

}  // namespace venom::api

#pragma once
// Handlers: plain functions from a matched request and the services to a response value.
// They parse and validate, call the core, and shape JSON; no Beast, no disk, no subprocess.

#include "api/router.hpp"
#include "api/services.hpp"

namespace venom::api {

// health_handlers.cpp
HttpResponse get_health(const ApiRequest& request, Services& services);

// openapi_handlers.cpp (docs/openapi.json, compiled in)
HttpResponse get_openapi_document(const ApiRequest& request, Services& services);

// model_handlers.cpp
HttpResponse list_installed_models(const ApiRequest& request, Services& services);
HttpResponse get_model_capabilities(const ApiRequest& request, Services& services);
HttpResponse get_models_usage(const ApiRequest& request, Services& services);

// tuning_handlers.cpp (saving runs on a pool thread)
HttpResponse get_model_config(const ApiRequest& request, Services& services);
void set_model_config(const ApiRequest& request, Services& services, Respond respond);

// catalog_handlers.cpp (answer from a pool thread on a cache miss)
void list_provider_models(const ApiRequest& request, Services& services, Respond respond);
void list_trending_models(const ApiRequest& request, Services& services, Respond respond);
void search_models(const ApiRequest& request, Services& services, Respond respond);

// translate_handlers.cpp (the translation runs on a pool thread)
void translate_text(const ApiRequest& request, Services& services, Respond respond);

// governance_handlers.cpp (changes are written on a pool thread)
HttpResponse get_governance_status(const ApiRequest& request, Services& services);
HttpResponse get_governance_limits(const ApiRequest& request, Services& services);
void set_governance_limit(const ApiRequest& request, Services& services, Respond respond);
void reset_governance_usage(const ApiRequest& request, Services& services, Respond respond);
HttpResponse get_provider_credentials(const ApiRequest& request, Services& services);

// provider_handlers.cpp
HttpResponse list_governed_providers(const ApiRequest& request, Services& services);
HttpResponse get_provider_metrics(const ApiRequest& request, Services& services);
HttpResponse get_provider_health(const ApiRequest& request, Services& services);

// metrics_handlers.cpp (Prometheus text, outside /api/v1)
HttpResponse get_prometheus_metrics(const ApiRequest& request, Services& services);

// news_handlers.cpp (fetches and translations run on a pool thread)
void get_models_news(const ApiRequest& request, Services& services, Respond respond);

// runtime_handlers.cpp (switches run on a pool thread)
void activate_model(const ApiRequest& request, Services& services, Respond respond);
void switch_model(const ApiRequest& request, Services& services, Respond respond);
HttpResponse get_active_llm_server(const ApiRequest& request, Services& services);
void set_active_llm_server(const ApiRequest& request, Services& services, Respond respond);
HttpResponse get_active_llm_runtime(const ApiRequest& request, Services& services);
void set_active_llm_runtime(const ApiRequest& request, Services& services, Respond respond);
void get_llm_runtime_options(const ApiRequest& request, Services& services, Respond respond);

// server_handlers.cpp (probes and scripts run on a pool thread)
void list_llm_servers(const ApiRequest& request, Services& services, Respond respond);
void run_llm_server_action(const ApiRequest& request, Services& services, Respond respond);

// service_handlers.cpp (Config -> Services; actions and profiles run on a pool thread)
HttpResponse get_runtime_status(const ApiRequest& request, Services& services);
void run_runtime_service_action(const ApiRequest& request, Services& services, Respond respond);
HttpResponse get_runtime_history(const ApiRequest& request, Services& services);
void apply_runtime_profile(const ApiRequest& request, Services& services, Respond respond);
HttpResponse get_system_storage(const ApiRequest& request, Services& services);

// registry_handlers.cpp
void install_model(const ApiRequest& request, Services& services, Respond respond);
HttpResponse remove_model(const ApiRequest& request, Services& services);

// operation_handlers.cpp
HttpResponse list_operations(const ApiRequest& request, Services& services);
HttpResponse get_operation(const ApiRequest& request, Services& services);
HttpResponse cancel_operation(const ApiRequest& request, Services& services);

// event_handlers.cpp (the server then streams the subscription)
HttpResponse stream_events(const ApiRequest& request, Services& services);
HttpResponse open_event_websocket(const ApiRequest& request, Services& services);
// queue_handlers.cpp
HttpResponse get_queue_status(const ApiRequest& request, Services& services);
HttpResponse pause_queue(const ApiRequest& request, Services& services);
HttpResponse resume_queue(const ApiRequest& request, Services& services);

// remote_model_handlers.cpp (the provider checks run on a pool thread)
void list_remote_providers(const ApiRequest& request, Services& services, Respond respond);
void get_remote_catalog(const ApiRequest& request, Services& services, Respond respond);
void get_remote_connectivity(const ApiRequest& request, Services& services, Respond respond);

}  // namespace venom::api

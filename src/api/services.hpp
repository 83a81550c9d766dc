#pragma once
// What handlers may use: references to the daemon's long-lived parts, wired by the daemon.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/cached_answer.hpp"
#include "cloud/cloud_catalog.hpp"
#include "events/event_bus.hpp"
#include "runtime/llm_server_controller.hpp"
#include "runtime/runtime_switcher.hpp"
#include "runtime/service_history.hpp"
#include "runtime/service_monitor.hpp"
#include "translation/translation_service.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/config.hpp"
#include "venom/generation_settings_store.hpp"
#include "venom/model_registry.hpp"
#include "venom/operation_queue.hpp"
#include "venom/runtime_state.hpp"
#include "venom/ttl_cache.hpp"
#include "venom/usage_sampler.hpp"

namespace venom::news {
class NewsService;
}
namespace venom::governance {
class Governor;
}
namespace venom::metrics {
class HttpMetrics;
}

namespace venom::api {

using CatalogCache = TtlCache<std::vector<CatalogEntry>>;

struct Services {
    ModelRegistry& registry;
    OperationQueue& operations;
    UsageSampler& usage;
    RuntimeStateStore& runtime_state;
    // Separate budgets (issue 9, finding 12): slow catalog fetches must not delay an install's
    // 202 or a runtime switch.
    BlockingPool& catalog_pool;  // catalog, trending, search, probes: upstream reads
    BlockingPool& action_pool;   // installs, switches, service start/stop/restart
    CatalogCache& catalog;       // catalog, trending and search answers
    runtime::LlmServerController& controller;
    runtime::RuntimeSwitcher& switcher;
    cloud::CloudCatalog& cloud;
    runtime::ServiceMonitor& monitor;  // the Services page's figures, sampled in the background
    runtime::ServiceHistory& history;  // start/stop/restart/profile actions, persisted
    events::EventBus& events;
    const Config& config;
    std::string version;
    std::vector<std::string> warnings;  // problems found at start-up, shown by /health
    // GET /health, polled by monitors and the panel: rebuilt when the registry changes (a
    // model's files went missing).
    CachedAnswer health_answer{};
    // GET /system/llm-servers/active, which the web panel polls: rebuilt only when the runtime
    // state or a switch changes.
    CachedAnswer active_server_answer{};
    // GET /models, also polled: rebuilt only when the registry's or the runtime state's version
    // changes (bench/http_bench.sh: 1 002 req/s with 200 models when built per request).
    CachedAnswer models_answer{};
    // The tuning drawer's saved values; set by whoever builds Services, before serving.
    GenerationSettingsStore* generation_settings = nullptr;
    // POST /translate (and news translation): set by whoever builds Services, before serving.
    translation::TranslationService* translation = nullptr;
    // Hub blog and papers (GET /models/news); set by whoever builds Services, before serving.
    news::NewsService* news = nullptr;
    // Limits, usage, fallbacks and provider metrics (issue 13); set before serving.
    governance::Governor* governor = nullptr;
    // The router's per-route counts for GET /metrics (null when metrics are off).
    const metrics::HttpMetrics* http_metrics = nullptr;
};

}  // namespace venom::api

#include "daemon/daemon.hpp"

#include <filesystem>

#include "api/json/operation_json.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "cloud/cloud_catalog.hpp"
#include "events/event_bus.hpp"
#include "events/event_types.hpp"
#include "governance/governor.hpp"
#include "http/fd_limit.hpp"
#include "http/http_server.hpp"
#include "news/news_service.hpp"
#include "providers/huggingface/provider.hpp"
#include "providers/ollama/library.hpp"
#include "providers/ollama/provider.hpp"
#include "runtime/llm_server_controller.hpp"
#include "runtime/runtime_switcher.hpp"
#include "runtime/service_history.hpp"
#include "runtime/service_monitor.hpp"
#include "translation/translation_service.hpp"
#include "venom/generation_schema.hpp"
#include "venom/generation_settings_store.hpp"
#include "venom/logging.hpp"
#include "venom/runtime_locks.hpp"
#include "venom/runtime_state.hpp"

#ifndef VENOM_VERSION
#define VENOM_VERSION "0.0.0-dev"
#endif

namespace venom {

const char* venom_version() {
    return VENOM_VERSION;
}

struct Daemon::Impl {
    Config config;
    SystemClock system_clock;
    const Clock& clock;
    // Before everything that publishes to it, so it outlives them.
    events::EventBus events;
    ManifestStore manifest;
    // One lock per runtime for everything that uses a runtime or starts and stops it: the queue,
    // the registry's activations, the controller's service actions and the switcher. Before all
    // of them, so it outlives every hold they keep.
    RuntimeLocks runtime_locks;
    OperationQueue operations;
    UsageSampler usage;
    RuntimeStateStore runtime_state;
    GenerationSettingsStore generation_settings;
    ModelRegistry registry;
    std::shared_ptr<providers::OllamaModelProvider> ollama;  // null when tests inject providers
    std::shared_ptr<providers::HuggingFaceModelProvider> huggingface;  // likewise
    std::vector<std::string> warnings;
    std::optional<std::string> startup_error;  // a setting that stops start() (a bad price table)
    std::unique_ptr<api::Services> services;
    std::unique_ptr<api::Router> router;
    std::unique_ptr<http::HttpServer> server;
    // Declared after the server and the router so they are destroyed first: their tasks answer
    // through both.
    BlockingPool catalog_pool;  // upstream reads for catalog answers and probes
    BlockingPool action_pool;   // installs, switches and service actions
    api::CatalogCache catalog;
    runtime::LlmServerController controller;
    cloud::CloudCatalog cloud;
    runtime::RuntimeSwitcher switcher;
    runtime::ServiceMonitor monitor;  // after the controller: its thread probes through it
    runtime::ServiceHistory history;
    governance::Governor governor;  // before translation, which asks it before every call
    translation::TranslationService translation;
    news::NewsService news;  // after catalog_pool: its fetches and translations run there
    bool started = false;
    bool stopped = false;

    Impl(Config c, Ports& ports)
        : config(std::move(c)),
          clock(ports.clock ? *ports.clock : system_clock),
          events({}, clock),
          manifest(config.models_dir / "manifest.json", clock),
          operations({static_cast<std::size_t>(config.operation_workers),
                      static_cast<std::size_t>(config.operations_history_limit),
                      config.data_dir / "operations.json"},
                     clock, runtime_locks),
          usage({config.models_dir, std::chrono::seconds(config.usage_interval_seconds)},
                ports.gpu_probe ? ports.gpu_probe : make_nvidia_smi_probe(run_process_default())),
          runtime_state(config.data_dir),
          generation_settings(config.data_dir / "generation-settings.json"),
          registry(
              manifest, operations, runtime_locks,
              QuotaLimits{config.max_storage_gb, config.default_model_size_gb},
              [this] { return usage.storage_facts(); }, runtime_state, clock),
          catalog_pool(static_cast<std::size_t>(config.request_workers), 256),
          action_pool(static_cast<std::size_t>(config.action_workers), 64),
          catalog(clock, std::chrono::seconds(config.catalog_ttl_seconds), catalog_pool),
          controller(controller_options(config), run_process_default(), clock, runtime_locks),
          cloud(cloud_options(config), clock),
          switcher(controller, cloud, registry, runtime_state, runtime_locks, clock,
                   {std::chrono::seconds(config.runtime_ready_timeout_seconds),
                    std::chrono::seconds(config.runtime_action_timeout_seconds)}),
          monitor({config.data_dir, std::chrono::seconds(config.usage_interval_seconds), "/proc",
                   venom_version(), std::chrono::milliseconds(config.runtime_probe_timeout_ms)},
                  controller),
          history({config.data_dir / "runtime-history.json",
                   static_cast<std::size_t>(config.runtime_history_limit)},
                  clock),
          governor(governor_options(config, startup_error), clock),
          translation(
              translation_options(config), runtime_state,
              [this](const std::string& model) {
                  translation::TranslationService::ModelContext context;
                  auto found = registry.find_model(model);
                  if (found) context.max_tokens = found->capabilities.max_context_length;
                  const auto tuned =
                      generation_settings.values(Runtime::ollama, found ? found->name : model);
                  if (auto n = tuned.find("num_ctx"); n != tuned.end() && n->is_number_integer()) {
                      context.ollama_num_ctx = n->get<std::int64_t>();
                  }
                  return context;
              },
              &governor),
          news(news_options(config), clock, catalog_pool) {
        // News in the panel's language go through the same translation service, workers and
        // cache as POST /translate.
        news.set_translate([this](const std::string& text, const std::string& lang,
                                  std::chrono::steady_clock::time_point deadline,
                                  news::TranslateDone done) {
            translation::TranslationRequest request;
            request.text = text;
            request.target_lang = lang;
            request.source_lang = "en";
            request.deadline = deadline;
            translation.translate(std::move(request),
                                  [done = std::move(done)](Result<translation::Translation> t) {
                                      if (!t) return done(t.error());
                                      done(std::move(t->text));
                                  });
        });
        registry.set_storage_refresh([this] { usage.refresh_storage(); });
        operations.set_observer([this](const Operation& op, bool state_changed) {
            events::publish_operation(&events, op, state_changed, api::operation_json);
        });
        controller.set_event_bus(&events);
        switcher.set_event_bus(&events);
        // The tuning drawer's values reach vLLM as start-up flags and Ollama as load options,
        // looked up under the model's recorded name.
        switcher.set_vllm_tuning([this](const std::string& model) {
            return vllm_tuning(generation_settings.values(Runtime::vllm, model));
        });
        if (!ports.providers.empty()) {
            for (auto& provider : ports.providers) registry.add_provider(provider);
            return;
        }
        const std::chrono::seconds upstream(config.upstream_timeout_seconds);
        providers::OllamaClient::Timeouts timeouts;
        timeouts.request = upstream;
        timeouts.pull_stall = std::chrono::seconds(config.pull_stall_timeout_seconds);
        ollama = std::make_shared<providers::OllamaModelProvider>(
            std::make_shared<providers::OllamaClient>(
                providers::connectable_ollama_url(config.ollama_host), timeouts),
            std::make_shared<providers::OllamaLibrary>(config.ollama_library_url, upstream), clock,
            std::chrono::seconds(config.ollama_inventory_interval_seconds));
        ollama->set_load_options([this](const std::string& model) {
            auto found = registry.find_model(model);
            return ollama_options(
                generation_settings.values(Runtime::ollama, found ? found->name : model));
        });
        registry.add_provider(ollama);

        providers::HuggingFaceModelProvider::Tuning tuning;
        tuning.max_attempts = config.download_attempts;
        tuning.first_backoff = std::chrono::milliseconds(config.download_backoff_ms);
        tuning.stall_timeout = std::chrono::seconds(config.pull_stall_timeout_seconds);
        tuning.partial_max_age = std::chrono::hours(config.partial_max_age_hours);
        tuning.partial_max_bytes = bytes_from_gb(config.partial_max_gb);
        tuning.shared_cache = !config.hf_hub_cache.empty() || config.hf_home.has_value();
        huggingface = std::make_shared<providers::HuggingFaceModelProvider>(
            std::make_shared<providers::HubClient>(config.hf_endpoint, config.hf_token, upstream),
            hub_cache_dir(config), clock, tuning);
        registry.add_provider(huggingface);
    }

    static runtime::LlmServerController::Options controller_options(const Config& c) {
        runtime::LlmServerController::Options o;
        o.scripts_dir = c.scripts_dir;
        o.data_dir = c.data_dir;
        o.service_manager = c.service_manager;
        o.ollama_url = providers::connectable_ollama_url(c.ollama_host);
        o.ollama_host = c.ollama_host;
        o.vllm_endpoint = c.vllm_endpoint;
        o.ollama_bin = c.ollama_bin;
        o.vllm_bin = c.vllm_bin;
        o.action_timeout = std::chrono::seconds(c.runtime_action_timeout_seconds);
        o.start_timeout = std::chrono::seconds(c.runtime_ready_timeout_seconds);
        o.probe_timeout = std::chrono::milliseconds(c.runtime_probe_timeout_ms);
        return o;
    }

    static news::NewsService::Options news_options(const Config& c) {
        news::NewsService::Options o;
        o.hub = c.hf_endpoint;
        o.blog_feed_url = blog_feed_url(c);
        o.papers_url = papers_url(c);
        o.timeout = std::chrono::seconds(c.news_timeout_seconds);
        o.translation_timeout = std::chrono::milliseconds(c.news_translation_timeout_ms);
        o.ttl = std::chrono::seconds(c.catalog_ttl_seconds);
        return o;
    }

    static cloud::CloudCatalog::Options cloud_options(const Config& c) {
        cloud::CloudCatalog::Options o;
        o.openai_base_url = c.openai_base_url;
        o.openai_api_key = c.openai_api_key;
        o.gemini_base_url = c.gemini_base_url;
        o.google_api_key = c.google_api_key;
        o.ttl = std::chrono::seconds(c.cloud_catalog_ttl_seconds);
        o.timeout = std::chrono::seconds(c.upstream_timeout_seconds);
        return o;
    }

    static translation::TranslationService::Options translation_options(const Config& c) {
        translation::TranslationService::Options o;
        o.ollama_url = providers::connectable_ollama_url(c.ollama_host);
        o.vllm_endpoint = c.vllm_endpoint;
        o.openai_base_url = c.openai_base_url;
        o.openai_api_key = c.openai_api_key;
        o.gemini_base_url = c.gemini_base_url;
        o.google_api_key = c.google_api_key;
        o.timeout = std::chrono::seconds(c.translation_timeout_seconds);
        o.parallelism = static_cast<std::size_t>(c.translation_parallelism);
        // Two long texts at full parallelism at once, or a news answer's texts side by side.
        o.workers = std::max<std::size_t>(2 * o.parallelism, 6);
        o.max_chunk_bytes = static_cast<std::size_t>(c.translation_max_chunk_bytes);
        o.default_context_tokens = c.translation_default_context_tokens;
        o.cache.max_entries = static_cast<std::size_t>(c.translation_cache_entries);
        o.cache.file = c.data_dir / "translation-cache.json";
        return o;
    }

    static governance::Governor::Options governor_options(const Config& c,
                                                          std::optional<std::string>& error) {
        governance::Governor::Options o;
        o.file = c.data_dir / "governance.json";
        o.fallback_order = c.fallback_order;
        o.fallback_from_local = c.fallback_from_local;
        o.openai_api_key = c.openai_api_key;
        o.google_api_key = c.google_api_key;
        const std::filesystem::path path = c.pricing_file.value_or("config/pricing.json");
        std::error_code ec;
        if (!c.pricing_file && !std::filesystem::exists(path, ec)) {
            // Logged, not a /health warning: a daemon started outside the checkout is normal.
            logger("daemon")->warn(
                "no price table at config/pricing.json (set VENOM_PRICING_FILE): cloud calls are "
                "priced by the built-in provider defaults");
            o.prices = governance::PriceTable::conservative_defaults();
            return o;
        }
        auto prices = governance::PriceTable::load(path);
        if (!prices) {
            error = "VENOM_PRICING_FILE/pricing_file: " + prices.error().message;
        } else {
            o.prices = std::move(prices.value());
        }
        return o;
    }

    static ProcessRunner run_process_default() {
        return [](const ProcessSpec& spec) { return run_process(spec); };
    }
};

Daemon::Daemon(Config config) : Daemon(std::move(config), Ports{}) {}

Daemon::Daemon(Config config, Ports ports)
    : impl_(std::make_unique<Impl>(std::move(config), ports)) {}

Daemon::~Daemon() {
    stop();
}

Result<void> Daemon::start() {
    Impl& d = *impl_;
    if (d.startup_error) return make_error(500, "bad_config", *d.startup_error);
    std::error_code ec;
    for (const auto& dir : {d.config.data_dir, d.config.models_dir}) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return make_error(500, "storage_error",
                              "Cannot create directory " + dir.string() + ": " + ec.message());
        }
    }
    auto manifest_report = d.manifest.load();
    if (manifest_report.warning) d.warnings.push_back(*manifest_report.warning);
    if (auto warning = d.operations.load_history()) d.warnings.push_back(*warning);
    if (auto warning = d.runtime_state.load()) d.warnings.push_back(*warning);
    d.history.load();
    if (auto warning = d.generation_settings.load()) d.warnings.push_back(*warning);
    if (auto warning = d.translation.load_cache()) d.warnings.push_back(*warning);
    if (auto warning = d.governor.load()) d.warnings.push_back(*warning);
    // Entries written before names were normalised (issue 10) take the spelling providers use.
    if (auto renamed = d.registry.normalise_recorded_names(); !renamed) {
        d.warnings.push_back(renamed.error().message);
    }
    // What a failed install or a kill -9 left: partial files past their age, half-made
    // snapshots; then entries whose files are gone are marked (shown by /health and /models).
    d.registry.collect_garbage();
    d.registry.check_installed_files();
    for (const auto& w : d.warnings) logger("daemon")->warn("{}", w);

    d.usage.sample_now(false);  // storage figures for the quota before the first request
    d.usage.start();
    d.operations.start();
    if (d.ollama) d.ollama->start();
    if (d.huggingface) d.huggingface->start();

    d.services.reset(new api::Services{d.registry, d.operations, d.usage, d.runtime_state,
                                       d.catalog_pool, d.action_pool, d.catalog, d.controller,
                                       d.switcher, d.cloud, d.monitor, d.history, d.events,
                                       d.config, venom_version(), d.warnings});
    d.services->generation_settings = &d.generation_settings;
    d.services->translation = &d.translation;
    d.services->news = &d.news;
    d.services->governor = &d.governor;
    api::RouterOptions router_options;
    router_options.handler_timeout =
        std::chrono::milliseconds(static_cast<long long>(d.config.handler_timeout_seconds * 1000));
    // A switch may wait for a service script and then for the runtime to answer.
    router_options.runtime_action_timeout =
        std::chrono::seconds(d.config.runtime_action_timeout_seconds) +
        std::chrono::seconds(d.config.runtime_ready_timeout_seconds) +
        router_options.handler_timeout;
    router_options.measure = d.config.metrics;
    api::RequestPolicy policy;
    policy.allowed_hosts = d.config.allowed_hosts;
    policy.cors_origins = d.config.cors_origins;
    d.router = std::make_unique<api::Router>(api::api_routes(), d.config.api_token,
                                             std::move(policy), router_options);
    d.services->http_metrics = d.router->metrics();
    http::ServerOptions options;
    options.host = d.config.host;
    options.port = static_cast<uint16_t>(d.config.port);
    options.threads = d.config.io_threads;
    // More connections than descriptors would make accept() fail in a loop.
    const http::ConnectionBudget budget =
        http::fit_connections_to_fd_limit(d.config.max_connections);
    options.max_connections = budget.max_connections;
    if (budget.max_connections < d.config.max_connections) {
        logger("daemon")->warn(
            "max_connections={} lowered to {} to fit the open-file limit {} (raise it with "
            "ulimit -n or LimitNOFILE=)",
            d.config.max_connections, budget.max_connections, budget.fd_limit);
    }
    options.max_body_bytes = d.config.max_body_bytes;
    options.request_timeout = std::chrono::seconds(d.config.request_timeout_seconds);
    options.keep_alive_timeout = std::chrono::seconds(d.config.keep_alive_timeout_seconds);
    options.events_keepalive = std::chrono::milliseconds(d.config.events_keepalive_ms);
    d.server = std::make_unique<http::HttpServer>(
        options, [&d](const api::HttpRequest& request, http::Responder respond) {
            d.router->dispatch(request, *d.services, std::move(respond));
        });
    if (auto listening = d.server->start(); !listening) {
        if (d.ollama) d.ollama->stop();
        if (d.huggingface) d.huggingface->stop();
        if (d.huggingface) d.huggingface->stop();
        d.operations.shutdown();
        d.usage.stop();
        return listening;
    }
    d.monitor.set_own_port(d.server->port());
    d.monitor.start();
    d.started = true;
    if (!d.config.api_token && d.config.insecure_bind) {
        logger("daemon")->warn(
            "INSECURE: --insecure-bind is set and there is no VENOM_API_TOKEN: anyone who can "
            "reach {} may install, remove and switch models",
            d.config.host);
    }
    logger("daemon")->info("listening host={} port={} data_dir={} models={} auth={}", d.config.host,
                           d.server->port(), d.config.data_dir.string(), d.manifest.size(),
                           d.config.api_token ? "token" : "none");
    logger("daemon")->info("max_connections={} fd_limit={}", options.max_connections,
                           budget.fd_limit);
    return {};
}

uint16_t Daemon::port() const {
    return impl_->server ? impl_->server->port() : 0;
}

void Daemon::stop() {
    Impl& d = *impl_;
    if (!d.started || d.stopped) return;
    d.stopped = true;
    logger("daemon")->info("shutting down");
    // Answer first, then close: every request still waiting for a handler gets 503
    // shutting_down (not a dropped connection), queued pool work is cancelled instead of run,
    // and running upstream transfers give up (BlockingPool::current_task_cancelled), so the
    // process exits within a few seconds rather than after the slowest upstream (issue 9,
    // finding 12). Operations stay resumable: the queue records them as interrupted.
    d.router->shut_down();
    d.catalog_pool.stop();
    d.translation.stop();  // after the pool whose tasks start translations
    d.action_pool.stop();
    d.server->stop(std::chrono::seconds(5));
    if (d.ollama) d.ollama->stop();
    if (d.huggingface) d.huggingface->stop();
    d.operations.shutdown();
    d.events.stop();
    d.usage.stop();
    d.monitor.stop();
    d.translation.flush_cache();
    logger("daemon")->info("stopped");
}

const std::vector<std::string>& Daemon::warnings() const {
    return impl_->warnings;
}
ModelRegistry& Daemon::registry() {
    return impl_->registry;
}
OperationQueue& Daemon::operations() {
    return impl_->operations;
}
UsageSampler& Daemon::usage() {
    return impl_->usage;
}
events::EventBus& Daemon::events() {
    return impl_->events;
}

}  // namespace venom

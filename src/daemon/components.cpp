#include "daemon/components.hpp"

#include <filesystem>

#include "api/json/operation_json.hpp"
#include "events/event_types.hpp"
#include "providers/huggingface/provider.hpp"
#include "providers/ollama/library.hpp"
#include "providers/ollama/provider.hpp"
#include "venom/generation_schema.hpp"
#include "venom/logging.hpp"

#ifndef VENOM_VERSION
#define VENOM_VERSION "0.0.0-dev"
#endif

namespace venom {

const char* venom_version() {
    return VENOM_VERSION;
}

namespace {

ProcessRunner or_default(const ProcessRunner& runner) {
    if (runner) return runner;
    return [](const ProcessSpec& spec) { return run_process(spec); };
}

runtime::LlmServerController::Options controller_options(const Config& c) {
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

news::NewsService::Options news_options(const Config& c) {
    news::NewsService::Options o;
    o.hub = c.hf_endpoint;
    o.blog_feed_url = blog_feed_url(c);
    o.papers_url = papers_url(c);
    o.timeout = std::chrono::seconds(c.news_timeout_seconds);
    o.translation_timeout = std::chrono::milliseconds(c.news_translation_timeout_ms);
    o.ttl = std::chrono::seconds(c.catalog_ttl_seconds);
    return o;
}

cloud::CloudCatalog::Options cloud_options(const Config& c) {
    cloud::CloudCatalog::Options o;
    o.openai_base_url = c.openai_base_url;
    o.openai_api_key = c.openai_api_key;
    o.gemini_base_url = c.gemini_base_url;
    o.google_api_key = c.google_api_key;
    o.ttl = std::chrono::seconds(c.cloud_catalog_ttl_seconds);
    o.timeout = std::chrono::seconds(c.upstream_timeout_seconds);
    return o;
}

translation::TranslationService::Options translation_options(const Config& c) {
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

governance::Governor::Options governor_options(const Config& c, std::optional<std::string>& error) {
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

}  // namespace

Components::Components(Config c, ComponentPorts ports)
    : config(std::move(c)),
      clock(ports.clock ? *ports.clock : system_clock),
      events({}, clock),
      manifest(config.models_dir / "manifest.json", clock),
      operations({static_cast<std::size_t>(config.operation_workers),
                  static_cast<std::size_t>(config.operations_history_limit),
                  config.data_dir / "operations.json"},
                 clock, runtime_locks),
      usage(
          {config.models_dir, std::chrono::seconds(config.usage_interval_seconds)},
          ports.gpu_probe ? ports.gpu_probe : make_nvidia_smi_probe(or_default(ports.run_process))),
      runtime_state(config.data_dir),
      generation_settings(config.data_dir / "generation-settings.json"),
      registry(manifest, operations, runtime_locks,
               QuotaLimits{config.max_storage_gb, config.default_model_size_gb},
               ports.storage ? std::move(ports.storage) : std::function<StorageFacts()>([this] {
                   return usage.storage_facts();
               }),
               runtime_state, clock),
      catalog_pool(static_cast<std::size_t>(config.request_workers), 256),
      action_pool(static_cast<std::size_t>(config.action_workers), 64),
      catalog(clock, std::chrono::seconds(config.catalog_ttl_seconds), catalog_pool),
      controller(controller_options(config), or_default(ports.run_process), clock, runtime_locks),
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
      news(news_options(config), clock, catalog_pool),
      services{registry,     operations,  usage,           runtime_state,
               catalog_pool, action_pool, catalog,         controller,
               switcher,     cloud,       monitor,         history,
               events,       config,      venom_version(), {}} {
    services.generation_settings = &generation_settings;
    services.translation = &translation;
    services.news = &news;
    services.governor = &governor;
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

Components::~Components() = default;

Result<void> Components::load() {
    if (startup_error) return make_error(500, "bad_config", *startup_error);
    std::error_code ec;
    for (const auto& dir : {config.data_dir, config.models_dir}) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return make_error(500, "storage_error",
                              "Cannot create directory " + dir.string() + ": " + ec.message());
        }
    }
    std::vector<std::string>& warnings = services.warnings;
    auto manifest_report = manifest.load();
    if (manifest_report.warning) warnings.push_back(*manifest_report.warning);
    if (auto warning = operations.load_history()) warnings.push_back(*warning);
    if (auto warning = runtime_state.load()) warnings.push_back(*warning);
    history.load();
    if (auto warning = generation_settings.load()) warnings.push_back(*warning);
    if (auto warning = translation.load_cache()) warnings.push_back(*warning);
    if (auto warning = governor.load()) warnings.push_back(*warning);
    // Entries written before names were normalised (issue 10) take the spelling providers use.
    if (auto renamed = registry.normalise_recorded_names(); !renamed) {
        warnings.push_back(renamed.error().message);
    }
    // What a failed install or a kill -9 left: partial files past their age, half-made
    // snapshots; then entries whose files are gone are marked (shown by /health and /models).
    registry.collect_garbage();
    registry.check_installed_files();
    for (const auto& w : warnings) logger("daemon")->warn("{}", w);
    return {};
}

void Components::start() {
    usage.sample_now(false);  // storage figures for the quota before the first request
    usage.start();
    operations.start();
    if (ollama) ollama->start();
    if (huggingface) huggingface->start();
}

void Components::cancel_pending_work() {
    catalog_pool.stop();
    translation.stop();  // after the pool whose tasks start translations
    action_pool.stop();
}

void Components::stop() {
    if (ollama) ollama->stop();
    if (huggingface) huggingface->stop();
    operations.shutdown();
    events.stop();
    usage.stop();
    monitor.stop();
    translation.flush_cache();
}

}  // namespace venom

#pragma once
// The composition root: every long-lived part of the daemon, built and wired in one place from
// the configuration and a few ports. The daemon puts an HTTP server in front of it; the handler
// tests (tests/api/api_fixture.hpp) and the router fuzzer call its handlers directly. Nothing
// else builds these parts by hand.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/services.hpp"
#include "cloud/cloud_catalog.hpp"
#include "daemon/ports.hpp"
#include "daemon/version.hpp"
#include "events/event_bus.hpp"
#include "governance/governor.hpp"
#include "news/news_service.hpp"
#include "runtime/llm_server_controller.hpp"
#include "runtime/runtime_switcher.hpp"
#include "runtime/service_history.hpp"
#include "runtime/service_monitor.hpp"
#include "translation/translation_service.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/clock.hpp"
#include "venom/config.hpp"
#include "venom/generation_settings_store.hpp"
#include "venom/manifest_store.hpp"
#include "venom/model_provider.hpp"
#include "venom/model_registry.hpp"
#include "venom/operation_queue.hpp"
#include "venom/process_runner.hpp"
#include "venom/result.hpp"
#include "venom/runtime_locks.hpp"
#include "venom/runtime_state.hpp"
#include "venom/usage_sampler.hpp"

namespace venom::providers {
class OllamaModelProvider;
class HuggingFaceModelProvider;
}  // namespace venom::providers

namespace venom {

// Members in construction order: each is built after what it uses and destroyed before it.
struct Components {
    Components(Config config, ComponentPorts ports);
    ~Components();
    Components(const Components&) = delete;
    Components& operator=(const Components&) = delete;

    // Creates the data directories and loads what is on disk (manifest, operation history,
    // runtime state, settings, caches), reporting damaged files as warnings in
    // services.warnings; then clears what a crash left. An error when the daemon must not start
    // (a directory it cannot create, a bad price table).
    Result<void> load();
    // The background work: usage sampling, the operation workers, the providers' own threads.
    void start();
    // First half of a shutdown, before the server stops: queued pool work is cancelled and
    // running upstream transfers give up.
    void cancel_pending_work();
    // Second half, after the server stopped: operations are recorded as interrupted, threads
    // end, caches are flushed. Call once, after start().
    void stop();

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
    std::shared_ptr<providers::OllamaModelProvider> ollama;  // null when providers are injected
    std::shared_ptr<providers::HuggingFaceModelProvider> huggingface;  // likewise
    std::optional<std::string> startup_error;  // a setting that stops load() (a bad price table)
    BlockingPool catalog_pool;                 // upstream reads for catalog answers and probes
    BlockingPool action_pool;                  // installs, switches and service actions
    api::CatalogCache catalog;
    runtime::LlmServerController controller;
    cloud::CloudCatalog cloud;
    runtime::RuntimeSwitcher switcher;
    runtime::ServiceMonitor monitor;  // after the controller: its thread probes through it
    runtime::ServiceHistory history;
    governance::Governor governor;  // before translation, which asks it before every call
    translation::TranslationService translation;
    news::NewsService news;  // after catalog_pool: its fetches and translations run there
    // What handlers see: references to all of the above.
    api::Services services;
};

}  // namespace venom

#pragma once
// The daemon's real parts, built by its own composition root (daemon/components.hpp) in a temp
// directory, with a fake clock, a fake provider and no processes; requests go to the router
// without sockets.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "daemon/components.hpp"
#include "support/fake_provider.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {

class ApiFixture : public ::testing::Test {
protected:
    ApiFixture() : components_(fixture_config(dir_.path()), fixture_ports()) {
        EXPECT_TRUE(components_.load());
        operations_.start();
    }

    // Everything in dir_; no scripts and nothing listening, so runtime actions are refused and
    // probes say offline.
    static Config fixture_config(const std::filesystem::path& dir) {
        Config c;
        c.data_dir = c.models_dir = dir;
        c.scripts_dir = dir / "no-scripts";
        c.ollama_host = "http://127.0.0.1:9";
        c.vllm_endpoint = "http://127.0.0.1:9/v1";
        c.runtime_probe_timeout_ms = 500;
        c.operation_workers = 1;
        c.request_workers = 2;
        c.action_workers = 2;
        c.usage_interval_seconds = 3600;
        c.pricing_file = std::filesystem::path(VENOM_SOURCE_DIR) / "config/pricing.json";
        return c;
    }

    ComponentPorts fixture_ports() {
        ComponentPorts ports;
        ports.clock = &clock_;
        ports.gpu_probe = [] { return std::nullopt; };
        ports.providers = {provider_};
        ports.run_process = [](const ProcessSpec&) -> Result<ProcessOutput> {
            return make_error(502, "process_failed", "no processes in unit tests");
        };
        ports.storage = [this] { return storage_; };
        return ports;
    }

    api::HttpResponse call(const std::string& method, const std::string& target,
                           const std::string& body = "") {
        api::HttpRequest request{method, target, {{"Content-Type", "application/json"}}, body};
        return router_.dispatch_and_wait(request, services_);
    }

    static nlohmann::json body_of(const api::HttpResponse& r) {
        return nlohmann::json::parse(r.body);
    }

    // Declared before the components, which use them.
    TempDir dir_;
    FakeClock clock_;
    StorageFacts storage_{0, uint64_t{1} << 40};
    std::shared_ptr<FakeProvider> provider_ = std::make_shared<FakeProvider>();
    Components components_;
    // Names the tests use for the parts.
    const Config& config_ = components_.config;
    ManifestStore& manifest_ = components_.manifest;
    RuntimeLocks& runtime_locks_ = components_.runtime_locks;
    OperationQueue& operations_ = components_.operations;
    UsageSampler& usage_ = components_.usage;
    RuntimeStateStore& runtime_state_ = components_.runtime_state;
    GenerationSettingsStore& generation_settings_ = components_.generation_settings;
    ModelRegistry& registry_ = components_.registry;
    BlockingPool& pool_ = components_.catalog_pool;
    BlockingPool& action_pool_ = components_.action_pool;
    api::CatalogCache& catalog_ = components_.catalog;
    runtime::LlmServerController& controller_ = components_.controller;
    cloud::CloudCatalog& cloud_ = components_.cloud;
    runtime::RuntimeSwitcher& switcher_ = components_.switcher;
    runtime::ServiceMonitor& monitor_ = components_.monitor;
    runtime::ServiceHistory& history_ = components_.history;
    events::EventBus& events_ = components_.events;
    api::Services& services_ = components_.services;
    api::Router router_{api::api_routes(), std::nullopt};
};

}  // namespace venom::testing

#pragma once
// Real core objects behind the handlers, in a temp directory, without sockets.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "api/services.hpp"
#include "support/fake_provider.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {

class ApiFixture : public ::testing::Test {
protected:
    ApiFixture()
        : manifest_(dir_ / "manifest.json", clock_),
          operations_({1, 500, {}}, clock_),
          usage_({dir_.path(), std::chrono::hours(1)}, [] { return std::nullopt; }),
          runtime_state_(dir_.path()),
          registry_(
              manifest_, operations_, QuotaLimits{50, 4}, [this] { return storage_; },
              runtime_state_, clock_),
          pool_(2, 16),
          action_pool_(2, 16),
          catalog_(clock_, std::chrono::seconds(1800), pool_),
          controller_(controller_options(dir_.path()), run_process_nowhere(), clock_),
          cloud_({}, clock_),
          switcher_(controller_, cloud_, registry_, runtime_state_, clock_, {}),
          monitor_(
              {dir_.path(), std::chrono::hours(1), "/proc", "test", std::chrono::milliseconds(500)},
              controller_),
          history_({dir_ / "runtime-history.json", 200}, clock_),
          services_{registry_, operations_,  usage_,   runtime_state_,
                    pool_,     action_pool_, catalog_, controller_,
                    switcher_, cloud_,       monitor_, history_,
                    events_,   config_,      "test",   {}},
          router_(api::api_routes(), std::nullopt) {
        manifest_.load();
        services_.generation_settings = &generation_settings_;
        operations_.start();
        provider_ = std::make_shared<FakeProvider>();
        registry_.add_provider(provider_);
    }

    // No scripts and nothing listening: runtime actions are refused, probes say offline.
    static runtime::LlmServerController::Options controller_options(
        const std::filesystem::path& dir) {
        runtime::LlmServerController::Options o;
        o.scripts_dir = dir / "no-scripts";
        o.data_dir = dir;
        o.ollama_url = o.ollama_host = "http://127.0.0.1:9";
        o.vllm_endpoint = "http://127.0.0.1:9/v1";
        o.probe_timeout = std::chrono::milliseconds(500);
        return o;
    }
    static ProcessRunner run_process_nowhere() {
        return [](const ProcessSpec&) -> Result<ProcessOutput> {
            return make_error(502, "process_failed", "no processes in unit tests");
        };
    }

    api::HttpResponse call(const std::string& method, const std::string& target,
                           const std::string& body = "") {
        api::HttpRequest request{method, target, {{"Content-Type", "application/json"}}, body};
        return router_.dispatch_and_wait(request, services_);
    }

    static nlohmann::json body_of(const api::HttpResponse& r) {
        return nlohmann::json::parse(r.body);
    }

    TempDir dir_;
    FakeClock clock_;
    Config config_;
    StorageFacts storage_{0, uint64_t{1} << 40};
    ManifestStore manifest_;
    OperationQueue operations_;
    UsageSampler usage_;
    RuntimeStateStore runtime_state_;
    GenerationSettingsStore generation_settings_{dir_.path() / "generation-settings.json"};
    ModelRegistry registry_;
    BlockingPool pool_;  // the catalog pool
    BlockingPool action_pool_;
    api::CatalogCache catalog_;
    runtime::LlmServerController controller_;
    cloud::CloudCatalog cloud_;
    runtime::RuntimeSwitcher switcher_;
    runtime::ServiceMonitor monitor_;
    runtime::ServiceHistory history_;
    events::EventBus events_{{}, clock_};
    api::Services services_;
    api::Router router_;
    std::shared_ptr<FakeProvider> provider_;
};

}  // namespace venom::testing

#pragma once
// The daemon's real route table with every handler replaced by an echo, over real core objects
// in a scratch directory: the router fuzzer exercises matching, decoding and the access rules
// without starting installs or reaching upstreams.

#include <memory>

#include "api/json_response.hpp"
#include "api/request_policy.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "fuzz_file.hpp"

namespace venom::fuzz {

class EchoServices {
public:
    EchoServices()
        : manifest_(scratch_dir() / "manifest.json", clock_),
          operations_({1, 10, {}}, clock_),
          usage_({scratch_dir(), std::chrono::hours(1)}, [] { return std::nullopt; }),
          runtime_state_(scratch_dir()),
          registry_(
              manifest_, operations_, QuotaLimits{50, 4},
              [] {
                  return StorageFacts{0, uint64_t{1} << 40};
              },
              runtime_state_, clock_),
          pool_(1, 4),
          action_pool_(1, 4),
          catalog_(clock_, std::chrono::seconds(1800), pool_),
          controller_(controller_options(), refuse_processes(), clock_),
          cloud_({}, clock_),
          switcher_(controller_, cloud_, registry_, runtime_state_, clock_, {}),
          monitor_({scratch_dir(), std::chrono::hours(1), "/proc", "fuzz",
                    std::chrono::milliseconds(500)},
                   controller_),
          history_({scratch_dir() / "runtime-history.json", 10}, clock_),
          services_{registry_, operations_,  usage_,   runtime_state_,
                    pool_,     action_pool_, catalog_, controller_,
                    switcher_, cloud_,       monitor_, history_,
                    events_,   config_,      "fuzz",   {}} {}

    api::Router router() const {
        std::vector<api::Route> routes = api::api_routes();
        for (auto& route : routes) {
            route.handler = [](const api::ApiRequest& request, api::Services&) {
                nlohmann::json params = nlohmann::json::object();
                for (const auto& [k, v] : request.params) params[k] = v;
                return api::json_response(200, {{"params", params}});
            };
        }
        api::RequestPolicy policy{{"panel.example"}, {"https://panel.example:3000"}};
        return api::Router(std::move(routes), std::string("fuzz-token"), std::move(policy));
    }

    api::Services& services() { return services_; }

private:
    static runtime::LlmServerController::Options controller_options() {
        runtime::LlmServerController::Options o;
        o.scripts_dir = scratch_dir() / "no-scripts";
        o.data_dir = scratch_dir();
        o.ollama_url = o.ollama_host = "http://127.0.0.1:9";
        o.vllm_endpoint = "http://127.0.0.1:9/v1";
        return o;
    }
    static ProcessRunner refuse_processes() {
        return [](const ProcessSpec&) -> Result<ProcessOutput> {
            return make_error(502, "process_failed", "no processes in the fuzzer");
        };
    }

    SystemClock clock_;
    Config config_;
    ManifestStore manifest_;
    OperationQueue operations_;
    UsageSampler usage_;
    RuntimeStateStore runtime_state_;
    ModelRegistry registry_;
    BlockingPool pool_;
    BlockingPool action_pool_;
    api::CatalogCache catalog_;
    runtime::LlmServerController controller_;
    cloud::CloudCatalog cloud_;
    runtime::RuntimeSwitcher switcher_;
    runtime::ServiceMonitor monitor_;
    runtime::ServiceHistory history_;
    events::EventBus events_{{}, clock_};
    api::Services services_;
};

}  // namespace venom::fuzz

#pragma once
// The daemon's real route table with every handler replaced by an echo, over the daemon's own
// parts (daemon/components.hpp) in a scratch directory: the router fuzzer exercises matching,
// decoding and the access rules without starting installs or reaching upstreams.

#include <memory>

#include "api/json_response.hpp"
#include "api/request_policy.hpp"
#include "api/router.hpp"
#include "daemon/components.hpp"
#include "fuzz_file.hpp"

namespace venom::fuzz {

class EchoServices {
public:
    EchoServices() : components_(config(), ports()) {}

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

    api::Services& services() { return components_.services; }

private:
    static Config config() {
        Config c;
        c.data_dir = c.models_dir = scratch_dir();
        c.scripts_dir = scratch_dir() / "no-scripts";
        c.ollama_host = "http://127.0.0.1:9";
        c.vllm_endpoint = "http://127.0.0.1:9/v1";
        c.operation_workers = c.request_workers = c.action_workers = 1;
        c.operations_history_limit = c.runtime_history_limit = 10;
        return c;
    }
    // No processes and a disk that always has room. The providers are the real ones, never
    // started and never called: every handler is an echo.
    static ComponentPorts ports() {
        ComponentPorts p;
        p.gpu_probe = [] { return std::nullopt; };
        p.run_process = [](const ProcessSpec&) -> Result<ProcessOutput> {
            return make_error(502, "process_failed", "no processes in the fuzzer");
        };
        p.storage = [] { return StorageFacts{0, uint64_t{1} << 40}; };
        return p;
    }

    Components components_;
};

}  // namespace venom::fuzz

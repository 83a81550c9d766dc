#pragma once
// Wires the daemon's parts together: state on disk, the registry, the operation queue, the
// usage sampler and the HTTP server. main.cpp runs one; integration tests run one in-process
// on port 0 with their own providers and clock.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "venom/clock.hpp"
#include "venom/config.hpp"
#include "venom/model_provider.hpp"
#include "venom/model_registry.hpp"
#include "venom/operation_queue.hpp"
#include "venom/result.hpp"
#include "venom/usage_sampler.hpp"

namespace venom::events {
class EventBus;
}

namespace venom {

class Daemon {
public:
    // Injectable ports; unset ones get the production implementation.
    struct Ports {
        const Clock* clock = nullptr;
        GpuProbe gpu_probe;
        std::vector<std::shared_ptr<ModelProvider>> providers;
    };

    explicit Daemon(Config config);
    Daemon(Config config, Ports ports);
    ~Daemon();

    // Creates the data directories, loads the manifest, history and runtime state (reporting
    // damaged files as warnings), starts the workers and listens. 500 when it cannot.
    Result<void> start();
    uint16_t port() const;
    // Graceful: stop accepting, finish requests in flight, stop operations (recorded as
    // interrupted), flush history. Idempotent.
    void stop();

    const std::vector<std::string>& warnings() const;
    ModelRegistry& registry();
    OperationQueue& operations();
    UsageSampler& usage();
    events::EventBus& events();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The version string /health reports.
const char* venom_version();

}  // namespace venom

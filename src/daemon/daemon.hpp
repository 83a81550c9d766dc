#pragma once
// The daemon: its parts (daemon/components.hpp) behind the router and the HTTP server.
// main.cpp runs one; integration tests run one in-process on port 0 with their own providers
// and clock.

#include <memory>
#include <string>
#include <vector>

#include "daemon/ports.hpp"
#include "daemon/version.hpp"
#include "venom/config.hpp"
#include "venom/result.hpp"

namespace venom::events {
class EventBus;
}

namespace venom {

class ModelRegistry;
class OperationQueue;

class Daemon {
public:
    // Injectable ports; unset ones get the production implementation.
    using Ports = ComponentPorts;

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

}  // namespace venom

#include "daemon/daemon.hpp"

#include "api/router.hpp"
#include "daemon/components.hpp"
#include "http/fd_limit.hpp"
#include "http/http_server.hpp"
#include "venom/logging.hpp"

namespace venom {

struct Daemon::Impl {
    Components components;
    // After the components: destroyed first, while what their sessions and tasks reference
    // still exists.
    std::unique_ptr<api::Router> router;
    std::unique_ptr<http::HttpServer> server;
    bool started = false;
    bool stopped = false;

    Impl(Config config, Ports ports) : components(std::move(config), std::move(ports)) {}
};

Daemon::Daemon(Config config) : Daemon(std::move(config), Ports{}) {}

Daemon::Daemon(Config config, Ports ports)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(ports))) {}

Daemon::~Daemon() {
    stop();
}

Result<void> Daemon::start() {
    Impl& d = *impl_;
    Components& c = d.components;
    const Config& config = c.config;
    if (auto loaded = c.load(); !loaded) return loaded;
    c.start();

    api::RouterOptions router_options;
    router_options.handler_timeout =
        std::chrono::milliseconds(static_cast<long long>(config.handler_timeout_seconds * 1000));
    // A switch may wait for a service script and then for the runtime to answer.
    router_options.runtime_action_timeout =
        std::chrono::seconds(config.runtime_action_timeout_seconds) +
        std::chrono::seconds(config.runtime_ready_timeout_seconds) + router_options.handler_timeout;
    router_options.measure = config.metrics;
    api::RequestPolicy policy;
    policy.allowed_hosts = config.allowed_hosts;
    policy.cors_origins = config.cors_origins;
    d.router = std::make_unique<api::Router>(api::api_routes(), config.api_token, std::move(policy),
                                             router_options);
    c.services.http_metrics = d.router->metrics();
    http::ServerOptions options;
    options.host = config.host;
    options.port = static_cast<uint16_t>(config.port);
    options.threads = config.io_threads;
    // More connections than descriptors would make accept() fail in a loop.
    const http::ConnectionBudget budget = http::fit_connections_to_fd_limit(config.max_connections);
    options.max_connections = budget.max_connections;
    if (budget.max_connections < config.max_connections) {
        logger("daemon")->warn(
            "max_connections={} lowered to {} to fit the open-file limit {} (raise it with "
            "ulimit -n or LimitNOFILE=)",
            config.max_connections, budget.max_connections, budget.fd_limit);
    }
    options.max_body_bytes = config.max_body_bytes;
    options.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
    options.keep_alive_timeout = std::chrono::seconds(config.keep_alive_timeout_seconds);
    options.events_keepalive = std::chrono::milliseconds(config.events_keepalive_ms);
    d.server = std::make_unique<http::HttpServer>(
        options, [&d](const api::HttpRequest& request, const http::MakeResponder& later) {
            return d.router->handle(request, d.components.services, later);
        });
    if (auto listening = d.server->start(); !listening) {
        c.cancel_pending_work();
        c.stop();
        return listening;
    }
    c.monitor.set_own_port(d.server->port());
    c.monitor.start();
    d.started = true;
    if (!config.api_token && config.insecure_bind) {
        logger("daemon")->warn(
            "INSECURE: --insecure-bind is set and there is no VENOM_API_TOKEN: anyone who can "
            "reach {} may install, remove and switch models",
            config.host);
    }
    logger("daemon")->info("listening host={} port={} data_dir={} models={} auth={}", config.host,
                           d.server->port(), config.data_dir.string(), c.manifest.size(),
                           config.api_token ? "token" : "none");
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
    d.components.cancel_pending_work();
    d.server->stop(std::chrono::seconds(5));
    d.components.stop();
    logger("daemon")->info("stopped");
}

const std::vector<std::string>& Daemon::warnings() const {
    return impl_->components.services.warnings;
}
ModelRegistry& Daemon::registry() {
    return impl_->components.registry;
}
OperationQueue& Daemon::operations() {
    return impl_->components.operations;
}
UsageSampler& Daemon::usage() {
    return impl_->components.usage;
}
events::EventBus& Daemon::events() {
    return impl_->components.events;
}

}  // namespace venom

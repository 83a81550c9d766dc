#pragma once
// One table of routes matched on the raw, percent-encoded path, with each path parameter
// decoded only after matching, so "google%2Fgemma-2b-it" is one segment naming
// "google/gemma-2b-it". Also answers 404/405/401 and turns a handler's escape into a 500.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http_types.hpp"
#include "api/request_policy.hpp"
#include "venom/result.hpp"

namespace venom::metrics {
class HttpMetrics;
}

namespace venom::api {

struct Services;
class HandlerWatchdog;

// A matched request as handlers see it: decoded path parameters and query values.
struct ApiRequest {
    const HttpRequest& http;
    std::map<std::string, std::string> params;
    std::multimap<std::string, std::string> query;

    // The decoded path parameter `name` (the route guarantees it exists).
    const std::string& param(const std::string& name) const { return params.at(name); }
    std::optional<std::string> query_value(const std::string& name) const;
};

// Handlers that answer from memory return the response. Handlers that need an upstream or the
// disk take a `Respond` and call it exactly once, later, from any thread; meanwhile the I/O
// thread serves other connections.
using Handler = std::function<HttpResponse(const ApiRequest&, Services&)>;
using Respond = std::function<void(HttpResponse)>;
using AsyncHandler = std::function<void(const ApiRequest&, Services&, Respond)>;

enum class Access { open, token };  // token: needs the bearer token when one is configured
// json: the route reads a JSON body, so it needs "Content-Type: application/json" (415 without):
// a browser sends a cross-site text/plain POST without asking first, never an application/json
// one.
enum class Body { none, json };
// How long an async handler may take before the router answers 504 handler_timeout: `standard`
// for catalog fetches and probes, `runtime_action` for switches and service start/stop/restart,
// which may rightly wait for a runtime to start (RouterOptions says how long each is).
enum class Deadline { standard, runtime_action };

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/models/{name}/capabilities"
    std::variant<Handler, AsyncHandler> handler;
    Access access = Access::token;
    Body body = Body::none;
    Deadline deadline = Deadline::standard;
};

struct RouterOptions {
    std::chrono::milliseconds handler_timeout{std::chrono::seconds(30)};
    // Default: runtime_action_timeout_seconds + runtime_ready_timeout_seconds.
    std::chrono::milliseconds runtime_action_timeout{std::chrono::seconds(600)};
    // Count requests and their latency per route (metrics::HttpMetrics, GET /metrics).
    bool measure = true;
};

// "%2F" -> "/". With `plus_is_space` (query strings) "+" -> " ". Rejects malformed escapes and
// NUL bytes: 400 bad_encoding.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

class Router {
public:
    // `api_token`: when set, routes with Access::token need "Authorization: Bearer <token>".
    // `policy`: the Host and Origin rules (403) and the CORS origins. `options`: deadlines.
    Router(std::vector<Route> routes, std::optional<std::string> api_token,
           RequestPolicy policy = {}, RouterOptions options = {});
    ~Router();

    // Calls `respond` exactly once (at once, or later for async handlers): the handler's
    // answer, 500 internal_error (with a request_id) when it throws, 504 handler_timeout when
    // its deadline passes first, 503 shutting_down after shut_down(). A late answer is dropped.
    // `request` must stay alive until `respond` is called. Never throws. Thread-safe.
    void dispatch(const HttpRequest& request, Services& services, Respond respond) const;
    // The same, for a caller that can take an answer given at once without a Respond (the
    // HTTP server: no allocation for the cheap endpoints): returns it, or calls `later()` for
    // the Respond an async handler will answer through, and returns nothing.
    using MakeRespond = std::function<Respond()>;
    std::optional<HttpResponse> handle(const HttpRequest& request, Services& services,
                                       const MakeRespond& later) const;

    // Answers every request still waiting for its handler with 503 shutting_down, and every
    // later one too, so a shutdown never drops a connection it made wait. Idempotent.
    void shut_down();
    // Requests whose async handler has not answered yet. Thread-safe.
    std::size_t waiting() const;

    // The per-route request counts (null when RouterOptions::measure is off). Thread-safe.
    const metrics::HttpMetrics* metrics() const { return metrics_.get(); }

    // dispatch() and wait for the answer (at most `bound`, then 504). For tests and tools;
    // never call it on an I/O thread.
    HttpResponse dispatch_and_wait(
        const HttpRequest& request, Services& services,
        std::chrono::milliseconds bound = std::chrono::seconds(30)) const;

private:
    struct CompiledRoute {
        Route route;
        std::vector<std::string> segments;  // "{name}" marks a parameter
    };
    bool authorized(const HttpRequest& request) const;
    // The Host/Origin/preflight answer for this request, if it is not to be routed.
    std::optional<HttpResponse> screen(const HttpRequest& request) const;

    std::vector<CompiledRoute> routes_;
    std::optional<std::string> api_token_;
    RequestPolicy policy_;
    RouterOptions options_;
    // Shared with the Respond of every waiting request: a late answer may outlive the router.
    std::shared_ptr<HandlerWatchdog> watchdog_;
    std::shared_ptr<metrics::HttpMetrics> metrics_;  // likewise
};

// The route table of the daemon, top to bottom like docs/API.md.
std::vector<Route> api_routes();

}  // namespace venom::api

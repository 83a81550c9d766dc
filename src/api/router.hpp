#pragma once
// One table of routes matched on the raw, percent-encoded path, with each path parameter
// decoded only after matching, so "google%2Fgemma-2b-it" is one segment naming
// "google/gemma-2b-it". Also answers 404/405/401 and turns a handler's escape into a 500.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http_types.hpp"
#include "api/request_policy.hpp"
#include "venom/result.hpp"

namespace venom::api {

struct Services;

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

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/models/{name}/capabilities"
    std::variant<Handler, AsyncHandler> handler;
    Access access = Access::token;
    Body body = Body::none;
};

// "%2F" -> "/". With `plus_is_space` (query strings) "+" -> " ". Rejects malformed escapes and
// NUL bytes: 400 bad_encoding.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

class Router {
public:
    // `api_token`: when set, routes with Access::token need "Authorization: Bearer <token>".
    // `policy`: the Host and Origin rules (403) and the CORS origins.
    Router(std::vector<Route> routes, std::optional<std::string> api_token,
           RequestPolicy policy = {});

    // Calls `respond` exactly once (at once, or later for async handlers). `request` must stay
    // alive until then. Never throws; every failure is an error response in the contract's
    // shape.
    void dispatch(const HttpRequest& request, Services& services, Respond respond) const;

    // dispatch() and wait for the answer (at most `bound`, then 504). For tests and tools;
    // never call it on an I/O thread.
    HttpResponse dispatch_and_wait(const HttpRequest& request, Services& services,
                                   std::chrono::milliseconds bound = std::chrono::seconds(30))
        const;

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
};

// The route table of the daemon, top to bottom like docs/API.md.
std::vector<Route> api_routes();

}  // namespace venom::api

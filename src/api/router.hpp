#pragma once
// One table of routes matched on the raw, percent-encoded path, with each path parameter
// decoded only after matching, so "google%2Fgemma-2b-it" is one segment naming
// "google/gemma-2b-it". Also answers 404/405/401 and turns a handler's escape into a 500.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"
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

using Handler = std::function<HttpResponse(const ApiRequest&, Services&)>;

enum class Access { open, token };  // token: needs the bearer token when one is configured

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/models/{name}/capabilities"
    Handler handler;
    Access access = Access::token;
};

// "%2F" -> "/". With `plus_is_space` (query strings) "+" -> " ". Rejects malformed escapes and
// NUL bytes: 400 bad_encoding.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

class Router {
public:
    // `api_token`: when set, routes with Access::token need "Authorization: Bearer <token>".
    Router(std::vector<Route> routes, std::optional<std::string> api_token);

    // Never throws; every failure is an error response in the contract's shape.
    HttpResponse dispatch(const HttpRequest& request, Services& services) const;

private:
    struct CompiledRoute {
        Route route;
        std::vector<std::string> segments;  // "{name}" marks a parameter
    };
    bool authorized(const HttpRequest& request) const;

    std::vector<CompiledRoute> routes_;
    std::optional<std::string> api_token_;
};

// The route table of the daemon, top to bottom like docs/API.md.
std::vector<Route> api_routes();

}  // namespace venom::api

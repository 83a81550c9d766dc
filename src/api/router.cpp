#include "api/router.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <boost/container/small_vector.hpp>
#include <exception>
#include <future>
#include <memory>

#include "api/handler_watchdog.hpp"
#include "api/json_response.hpp"
#include "api/request_id.hpp"
#include "metrics/http_metrics.hpp"
#include "venom/logging.hpp"
#include "venom/text.hpp"

namespace venom::api {
namespace {

// A handler escaped with an exception: 500 with an id that names the log line.
HttpResponse internal_error(const HttpRequest& request, std::string_view path,
                            const std::string& what) {
    const std::string request_id = new_request_id();
    logger("api")->error("handler threw request_id={} method={} path={} error=\"{}\"", request_id,
                         request.method, std::string(path), what);
    return error_response(
        make_error(500, "internal_error", "Internal error (request_id " + request_id + ")"),
        request_id);
}

// A CORS origin's page may read the answer: echo its origin (never "*").
void allow_origin(HttpResponse& response, std::string_view origin) {
    response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    response.headers.emplace_back("Vary", "Origin");
}

// Paths have a handful of segments: on the stack, not an allocation per request.
using Parts = boost::container::small_vector<std::string_view, 12>;

Parts split(std::string_view text, char separator) {
    Parts parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(separator, start);
        if (end == std::string_view::npos) end = text.size();
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

Parts split_path(std::string_view path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return split(path, '/');
}

bool is_param(std::string_view segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

std::optional<std::string> ApiRequest::query_value(const std::string& name) const {
    if (auto it = query.find(name); it != query.end()) return it->second;
    return std::nullopt;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            const bool complete = i + 2 < text.size();
            const int hi = complete ? hex_value(text[i + 1]) : -1;
            const int lo = complete ? hex_value(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return make_error(400, "bad_encoding",
                                  "Malformed percent-encoding in '" + std::string(text) + "'");
            }
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') return make_error(400, "bad_encoding", "NUL byte in request");
        out.push_back(c);
    }
    return out;
}

Router::Router(std::vector<Route> routes, std::optional<std::string> api_token,
               RequestPolicy policy, RouterOptions options)
    : api_token_(std::move(api_token)),
      policy_(std::move(policy)),
      options_(options),
      watchdog_(std::make_shared<HandlerWatchdog>()) {
    for (auto& route : routes) {
        CompiledRoute compiled;
        for (auto segment : split_path(route.pattern)) compiled.segments.emplace_back(segment);
        compiled.route = std::move(route);
        routes_.push_back(std::move(compiled));
    }
    if (options_.measure) {
        std::vector<std::pair<std::string, std::string>> names;
        for (const auto& compiled : routes_) {
            names.emplace_back(compiled.route.method, compiled.route.pattern);
        }
        metrics_ = std::make_shared<metrics::HttpMetrics>(std::move(names));
    }
}

Router::~Router() = default;

void Router::shut_down() {
    watchdog_->shut_down();
}

std::size_t Router::waiting() const {
    return watchdog_->watched();
}

bool Router::authorized(const HttpRequest& request) const {
    if (!api_token_) return true;
    std::string_view header = request.header("authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (header.size() <= kScheme.size() || !iequals(header.substr(0, kScheme.size()), kScheme)) {
        return false;
    }
    std::string_view presented = header.substr(kScheme.size());
    // Constant-time compare, so response timing does not reveal how much of a guess was right.
    return presented.size() == api_token_->size() &&
           CRYPTO_memcmp(presented.data(), api_token_->data(), presented.size()) == 0;
}

HttpResponse Router::dispatch_and_wait(const HttpRequest& request, Services& services,
                                       std::chrono::milliseconds bound) const {
    auto answer = std::make_shared<std::promise<HttpResponse>>();
    auto future = answer->get_future();
    dispatch(request, services, [answer](HttpResponse r) { answer->set_value(std::move(r)); });
    if (future.wait_for(bound) != std::future_status::ready) {
        return error_response(504, "timeout", "No answer within the bound");
    }
    return future.get();
}

namespace {

bool changes_state(const std::string& method) {
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

constexpr const char* kCorsMethods = "GET, POST, DELETE";
constexpr const char* kCorsHeaders = "Authorization, Content-Type";

}  // namespace

std::optional<HttpResponse> Router::screen(const HttpRequest& request) const {
    const std::string_view host = request.header("host");
    if (!host_allowed(policy_, host)) {
        return error_response(403, "host_not_allowed",
                              "Host '" + std::string(host.substr(0, 200)) +
                                  "' is not allowed; add it to VENOM_ALLOWED_HOSTS");
    }
    const std::string_view origin = request.header("origin");
    // A CORS preflight: answered here, for the configured origins only.
    if (request.method == "OPTIONS" && !origin.empty() &&
        !request.header("access-control-request-method").empty()) {
        if (!cors_origin(policy_, origin)) {
            return error_response(403, "origin_not_allowed",
                                  "Origin is not allowed; add it to VENOM_CORS_ORIGINS");
        }
        HttpResponse response;
        response.status = 204;
        response.headers = {{"Access-Control-Allow-Methods", kCorsMethods},
                            {"Access-Control-Allow-Headers", kCorsHeaders},
                            {"Access-Control-Max-Age", "600"}};
        return response;
    }
    // A WebSocket is not covered by CORS: any page may open one and read what it pushes, so
    // a cross-site page is refused as it is for state-changing calls.
    const bool websocket = iequals(request.header("upgrade"), "websocket");
    if (!origin.empty() && (changes_state(request.method) || websocket) &&
        !origin_allowed(policy_, origin, host)) {
        return error_response(403, "origin_not_allowed",
                              "Cross-origin request refused; add the page's origin to "
                              "VENOM_CORS_ORIGINS");
    }
    return std::nullopt;
}

void Router::dispatch(const HttpRequest& request, Services& services, Respond respond) const {
    if (auto now = handle(request, services, [&respond] { return std::move(respond); })) {
        respond(std::move(*now));
    }
}

std::optional<HttpResponse> Router::handle(const HttpRequest& request, Services& services,
                                           const MakeRespond& later) const {
    const auto started = std::chrono::steady_clock::now();
    // From measure(route) on, the answer is counted under `route` (the route template, never
    // the raw path).
    std::optional<std::size_t> counted;
    auto measure = [&](std::size_t route) {
        if (metrics_) counted = route;
    };
    std::string_view cors;  // an allowed CORS origin, echoed in the answer
    if (const std::string_view origin = request.header("origin");
        !origin.empty() && cors_origin(policy_, origin)) {
        cors = origin;
    }
    auto answer = [&](HttpResponse r) -> std::optional<HttpResponse> {
        if (counted) {
            metrics_->record(*counted, r.status, std::chrono::steady_clock::now() - started);
        }
        if (!cors.empty()) allow_origin(r, cors);
        return r;
    };
    if (auto refused = screen(request)) {
        measure(metrics_ ? metrics_->unmatched() : 0);
        return answer(std::move(*refused));
    }

    std::string_view target = request.target;
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query_text =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
    const auto segments = split_path(path);

    std::string allowed;
    for (std::size_t index = 0; index < routes_.size(); ++index) {
        const CompiledRoute& compiled = routes_[index];
        if (compiled.segments.size() != segments.size()) continue;
        bool match = true;
        for (std::size_t i = 0; i < segments.size() && match; ++i) {
            match = is_param(compiled.segments[i]) ? !segments[i].empty()
                                                   : compiled.segments[i] == segments[i];
        }
        if (!match) continue;
        if (compiled.route.method != request.method) {
            if (allowed.find(compiled.route.method) == std::string::npos) {
                allowed += allowed.empty() ? compiled.route.method : ", " + compiled.route.method;
            }
            continue;
        }
        measure(index);

        if (compiled.route.access == Access::token && !authorized(request)) {
            HttpResponse response = error_response(
                401, "unauthorized", "Missing or wrong token: send Authorization: Bearer <token>");
            response.headers.emplace_back("WWW-Authenticate", "Bearer");
            return answer(std::move(response));
        }
        if (compiled.route.body == Body::json &&
            !is_json_content_type(request.header("content-type"))) {
            return answer(error_response(415, "unsupported_media_type",
                                         "Send the body as JSON with "
                                         "Content-Type: application/json"));
        }

        ApiRequest api{request, {}, {}};
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (!is_param(compiled.segments[i])) continue;
            auto decoded = percent_decode(segments[i], false);
            if (!decoded) return answer(error_response(decoded.error()));
            const std::string& p = compiled.segments[i];
            api.params[p.substr(1, p.size() - 2)] = std::move(decoded.value());
        }
        for (auto pair : split(query_text, '&')) {
            if (pair.empty()) continue;
            std::size_t eq = pair.find('=');
            auto key = percent_decode(pair.substr(0, eq), true);
            auto value = percent_decode(
                eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
            if (!key) return answer(error_response(key.error()));
            if (!value) return answer(error_response(value.error()));
            api.query.emplace(std::move(key.value()), std::move(value.value()));
        }
        if (auto* sync = std::get_if<Handler>(&compiled.route.handler)) {
            try {
                return answer((*sync)(api, services));
            } catch (const std::exception& e) {
                return answer(internal_error(request, path, e.what()));
            } catch (...) {
                return answer(internal_error(request, path, "non-standard exception"));
            }
        }
        // Once shutdown began, a handler that would wait for a pool is not started at all: its
        // work would be refused or cancelled, and a 200 "stale" answer would hide why.
        if (watchdog_->shutting_down()) {
            return answer(error_response(503, "shutting_down",
                                         "venomd is shutting down; retry when it is back"));
        }
        Respond respond = later();
        if (!cors.empty()) {
            respond = [respond = std::move(respond), origin = std::string(cors)](HttpResponse r) {
                allow_origin(r, origin);
                respond(std::move(r));
            };
        }
        if (counted) {
            respond = [respond = std::move(respond), metrics = metrics_, route = *counted,
                       started](HttpResponse r) {
                metrics->record(route, r.status, std::chrono::steady_clock::now() - started);
                respond(std::move(r));
            };
        }
        // The handler's answer, its deadline and shutdown race for one Respond.
        auto once = std::make_shared<AnswerOnce>(std::move(respond));
        auto watch_id = std::make_shared<std::atomic<std::uint64_t>>(0);
        std::shared_ptr<HandlerWatchdog> watchdog = watchdog_;
        Respond guarded = [once, watch_id, watchdog](HttpResponse response) {
            if (once->answer(std::move(response))) {
                if (auto id = watch_id->load()) watchdog->forget(id);
            }
        };
        try {
            std::get<AsyncHandler>(compiled.route.handler)(api, services, guarded);
        } catch (const std::exception& e) {
            guarded(internal_error(request, path, e.what()));
            return std::nullopt;
        } catch (...) {
            guarded(internal_error(request, path, "non-standard exception"));
            return std::nullopt;
        }
        if (once->answered())
            return std::nullopt;  // answered at once (a cache hit, a bad parameter)
        const auto timeout = compiled.route.deadline == Deadline::runtime_action
                                 ? options_.runtime_action_timeout
                                 : options_.handler_timeout;
        watch_id->store(watchdog->watch(once, timeout));
        // Answered between the check and watch(): nothing left to watch.
        if (once->answered()) watchdog->forget(watch_id->load());
        return std::nullopt;
    }
    measure(metrics_ ? metrics_->unmatched() : 0);
    if (!allowed.empty()) {
        HttpResponse response = error_response(
            405, "method_not_allowed",
            "Method " + request.method + " is not allowed here; allowed: " + allowed);
        response.headers.emplace_back("Allow", allowed);
        return answer(std::move(response));
    }
    return answer(error_response(404, "not_found", "No route for " + std::string(path)));
}

}  // namespace venom::api

#pragma once
// Who may talk to the API from a browser: the Host and Origin rules against DNS rebinding and
// cross-site requests, and the CORS origins a panel on another origin needs. Plain values, so
// the router applies them and tests check them without sockets.

#include <string>
#include <string_view>
#include <vector>

namespace venom::api {

struct RequestPolicy {
    // Host names (no port) accepted in `Host` besides the defaults: loopback names and any IP
    // address literal. Lower-case; "*" accepts every host (no DNS-rebinding protection).
    std::vector<std::string> allowed_hosts;
    // Origins ("scheme://host[:port]") of pages allowed to call state-changing routes and to read
    // answers cross-origin (CORS). Never "*".
    std::vector<std::string> cors_origins;
};

// The host part of a Host header value, lower-cased, without port, brackets or a trailing dot:
// "LocalHost:8000" -> "localhost", "[::1]:8000" -> "::1". Empty when malformed.
std::string host_of(std::string_view host_header);

// Whether a request with this Host header may be served. An absent header is allowed (no browser
// omits it); a DNS-rebinding page always sends its own host name, which is not allowed unless
// listed. IP literals are allowed because rebinding needs a name.
bool host_allowed(const RequestPolicy& policy, std::string_view host_header);

// Whether a page from `origin` may call a state-changing route: one listed in cors_origins, one
// on a loopback name or a listed host, or the request's own origin (same host and port as its
// Host header). "null" and unparsable origins are refused.
bool origin_allowed(const RequestPolicy& policy, std::string_view origin,
                    std::string_view host_header);

// Whether `origin` is one of the CORS origins (compared case-insensitively).
bool cors_origin(const RequestPolicy& policy, std::string_view origin);

// "application/json", with or without parameters such as "; charset=utf-8".
bool is_json_content_type(std::string_view content_type);

}  // namespace venom::api

#pragma once
// Outbound HTTP through libcurl (DESIGN.md: never hand-roll a client). Blocking: call it from
// operation workers or the BlockingPool, never from an I/O thread. Every request has a connect
// timeout, an overall timeout and stall detection, and can be cancelled.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "venom/result.hpp"

namespace venom::net {

// The largest decoded answer collected into HttpReply::body unless a call says otherwise: catalog
// pages and listings are kilobytes; a bigger one is broken or hostile (a gzip bomb), and reading it
// whole would cost gigabytes of memory.
inline constexpr std::uint64_t kDefaultMaxBodyBytes = 16ull << 20;

struct HttpCall {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers{};  // "Name: value"
    std::string body{};                  // sent when non-empty
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{30000};        // whole transfer; 0: none (long streams)
    std::chrono::milliseconds stall_timeout{30000};  // no byte received for this long
    // Off: a 3xx is returned as the reply (its Location in headers), so the caller can decide
    // what to send to the next host (the Hub's CDN must not get the Authorization header).
    bool follow_redirects = true;
    // Streaming: called with each received piece of the body instead of collecting it; return
    // false to abort (the call then fails with 499 cancelled).
    std::function<bool(std::string_view)> on_data{};
    // Polled about every 100 ms and on each piece; true aborts with 499 cancelled.
    std::function<bool()> cancelled{};
    // Called once, before the first byte of the body reaches on_data, with the status and the
    // headers of the response that body belongs to; false aborts (499).
    std::function<bool(long status, const std::map<std::string, std::string>& headers)>
        on_response{};
    long buffer_size = 0;  // curl's receive buffer; 0: curl's default (16 KiB)
    // Cap on the decoded body collected into HttpReply::body (counted after Content-Encoding is
    // undone); 0: none. Streams read through on_data bound themselves.
    std::uint64_t max_body_bytes = kDefaultMaxBodyBytes;
};

struct HttpReply {
    long status = 0;
    std::string body;  // empty when on_data consumed it
    // Lower-cased names; a repeated header (two `Link`s, `RateLimit` per policy) keeps every
    // value, joined by ", " in arrival order (RFC 9110 §5.3).
    std::map<std::string, std::string> headers;
};

// Any HTTP status is a successful *transfer* (check reply.status). Errors: 502
// upstream_unreachable (DNS, refused, reset, TLS), 502 upstream_too_large (the body passed
// max_body_bytes: "upstream answer larger than 16 MiB"), 504 upstream_timeout (connect, overall
// or stall; the message says which), 499 cancelled, 503 shutting_down (the BlockingPool running
// the call is stopping). Thread-safe.
Result<HttpReply> perform(const HttpCall& call);

// scheme://host:port of a URL, lower-cased ("" when it has none). Pure.
std::string url_origin(const std::string& url);

// Where a redirect's `Location` points, seen from `current` (the URL that answered): absolute
// URLs as they are, "//host/p" with current's scheme, "/p" on current's origin, "p" next to
// current's last path segment (RFC 3986 §5.2, without dot-segment removal). Pure.
std::string resolve_location(const std::string& location, const std::string& current);

// Percent-encodes `text` for a query value. Pure.
std::string url_encode(std::string_view text);

}  // namespace venom::net

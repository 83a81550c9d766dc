#pragma once
// Plain request and response values: what the HTTP layer hands the router and gets back. No
// Beast types, so handlers and the router are unit-tested without sockets.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace venom::events {
class Subscription;
}

namespace venom::api {

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // raw, still percent-encoded: "/api/v1/models/a%2Fb/capabilities?x=1"
    std::vector<std::pair<std::string, std::string>> headers;  // names as received
    std::string body;

    // First header with that name, compared case-insensitively; empty when absent.
    std::string_view header(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string_view content_type = "application/json";        // always a literal: no allocation
    std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Allow

    // Set by the live-event routes: instead of a body, the server keeps the connection and
    // pushes the subscription's events as Server-Sent Events or, after the upgrade, WebSocket
    // messages.
    enum class Stream { none, server_sent_events, websocket };
    Stream stream = Stream::none;
    std::shared_ptr<events::Subscription> events;
};

}  // namespace venom::api

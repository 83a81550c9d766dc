// GET /api/v1/events (Server-Sent Events) and GET /ws/events (WebSocket): both validate the
// request here and hand the server a subscription to stream (docs/API.md "Live events").
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "events/event_types.hpp"

namespace venom::api {
namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Last-Event-ID (what EventSource sends on reconnect) or ?last_event_id= (browsers cannot set
// headers on a WebSocket).
Result<std::optional<std::uint64_t>> last_event_id(const ApiRequest& request) {
    std::string text(request.http.header("last-event-id"));
    if (auto query = request.query_value("last_event_id")) text = *query;
    if (text.empty()) return std::optional<std::uint64_t>{};
    if (text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
        return make_error(400, "bad_last_event_id",
                          "Last-Event-ID must be an event id (a whole number), got '" +
                              text.substr(0, 40) + "'");
    }
    return std::optional<std::uint64_t>{std::stoull(text)};
}

Result<HttpResponse> subscribe(const ApiRequest& request, Services& services,
                               HttpResponse::Stream stream) {
    auto after = last_event_id(request);
    if (!after) return after.error();
    std::string topic;
    std::optional<Operation> op;
    if (auto id = request.query_value("operation_id")) {
        op = services.operations.get(*id);
        if (!op) {
            return make_error(404, "operation_not_found", "Operation " + *id + " not found");
        }
        topic = *id;
    }
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = stream;
    response.events = services.events.subscribe(
        topic, static_cast<std::size_t>(services.config.events_client_queue), *after);
    // Following one operation from the start: first the operation as it is now, so a client
    // that connects after it finished still learns how it ended (and the stream then ends).
    if (op && !*after) {
        response.events->push_front(services.events.snapshot(events::kOperationStatus, topic,
                                                             to_json(*op), op->finished()));
    }
    return response;
}

}  // namespace

HttpResponse stream_events(const ApiRequest& request, Services& services) {
    auto response = subscribe(request, services, HttpResponse::Stream::server_sent_events);
    if (!response) return error_response(response.error());
    return std::move(*response);
}

HttpResponse open_event_websocket(const ApiRequest& request, Services& services) {
    if (!iequal(request.http.header("upgrade"), "websocket")) {
        HttpResponse refused = error_response(
            426, "upgrade_required",
            "/ws/events is a WebSocket; for a plain HTTP stream use GET /api/v1/events");
        refused.headers.emplace_back("Upgrade", "websocket");
        return refused;
    }
    auto response = subscribe(request, services, HttpResponse::Stream::websocket);
    if (!response) return error_response(response.error());
    return std::move(*response);
}

}  // namespace venom::api

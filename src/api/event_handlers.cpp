// GET /api/v1/events (Server-Sent Events) and GET /ws/events (WebSocket): both validate the
// request here and hand the server a subscription to stream (docs/API.md "Live events").
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json/operation_json.hpp"
#include "api/json_response.hpp"
#include "events/event_types.hpp"
#include "venom/text.hpp"

namespace venom::api {
namespace {

// Last-Event-ID (what EventSource sends on reconnect) or ?last_event_id= (browsers cannot set
// headers on a WebSocket).
Result<std::optional<std::uint64_t>> last_event_id(const ApiRequest& request) {
    std::string text(request.http.header("last-event-id"));
    if (auto query = request.query_value("last_event_id")) text = *query;
    if (text.empty()) return std::optional<std::uint64_t>{};
    if (text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
        return make_error(
            400, "bad_last_event_id",
            "Last-Event-ID must be an event id (a whole number), got '" + text.substr(0, 40) + "'");
    }
    return std::optional<std::uint64_t>{std::stoull(text)};
}

Result<HttpResponse> subscribe(const ApiRequest& request, Services& services,
                               HttpResponse::Stream stream) {
    auto after = last_event_id(request);
    if (!after) return after.error();
    std::string topic;
    if (auto id = request.query_value("operation_id")) {
        if (!services.operations.get(*id)) {
            return make_error(404, "operation_not_found", "Operation " + *id + " not found");
        }
        topic = *id;
    }
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = stream;
    response.events = services.events.subscribe(
        topic, static_cast<std::size_t>(services.config.events_client_queue), *after);
    if (topic.empty()) return response;
    // Following one operation: first the operation as it is now (read after subscribing, so
    // no state change falls between the two), so a client that connects after it finished
    // still learns how it ended; the stream then ends.
    const std::optional<Operation> op = services.operations.get(topic);
    if (!op) return make_error(404, "operation_not_found", "Operation " + topic + " not found");
    auto snapshot = [&] {
        return services.events.snapshot(events::kOperationStatus, *response.events,
                                        operation_json(*op), op->finished());
    };
    if (!*after) {
        response.events->push_front(snapshot());
    } else if (op->finished()) {
        // A reconnect to an operation that has ended: what it missed, then the final state
        // (unless the replay had it). With nothing missed, SSE answers 204, the one answer
        // that makes EventSource stop reconnecting.
        if (response.events->empty() && stream == HttpResponse::Stream::server_sent_events) {
            HttpResponse ended;
            ended.status = 204;
            ended.content_type = {};
            return ended;
        }
        response.events->push_back(snapshot());
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
    if (!iequals(request.http.header("upgrade"), "websocket")) {
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

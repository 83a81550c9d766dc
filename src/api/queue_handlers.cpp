// The operation queue as the web panel's header reads it, and pausing it.
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"

namespace venom::api {
namespace {

nlohmann::json queue_json(const OperationQueue::Status& s) {
    return {{"status", "success"}, {"paused", s.paused},       {"pending", s.pending},
            {"active", s.active},  {"limit", s.limit},         {"completed", s.completed},
            {"failed", s.failed},  {"cancelled", s.cancelled}, {"persistent_pause", false}};
}

}  // namespace

HttpResponse get_queue_status(const ApiRequest&, Services& services) {
    return json_response(200, queue_json(services.operations.status()));
}

HttpResponse pause_queue(const ApiRequest&, Services& services) {
    services.operations.pause();
    nlohmann::json out = queue_json(services.operations.status());
    out["success"] = true;
    out["message"] = "Queue paused: queued operations wait, running ones go on";
    return json_response(200, out);
}

HttpResponse resume_queue(const ApiRequest&, Services& services) {
    services.operations.resume();
    nlohmann::json out = queue_json(services.operations.status());
    out["success"] = true;
    out["message"] = "Queue resumed";
    return json_response(200, out);
}

}  // namespace venom::api

#include "events/event_types.hpp"

#include "events/event_bus.hpp"
#include "venom/text.hpp"

namespace venom::events {

void publish_operation(EventBus* bus, const Operation& op, bool state_changed,
                       OperationShape shape) {
    if (!bus) return;
    if (state_changed) {
        bus->publish(kOperationStatus, op.operation_id, shape(op), op.finished());
    } else {
        bus->publish_progress(kOperationProgress, op.operation_id,
                              [op, shape] { return shape(op); });
    }
}

void publish_runtime_switch(EventBus* bus, std::string_view status, const std::string& to_runtime,
                            const std::string& from_runtime, const std::string& model,
                            const std::string& reason) {
    if (!bus) return;
    bus->publish(kRuntimeSwitch, "",
                 {{"status", status},
                  {"to_runtime", to_runtime},
                  {"from_runtime", from_runtime},
                  {"model", model},
                  {"reason", reason}});
}

void publish_service_status(EventBus* bus, const std::string& name, const std::string& action,
                            bool ok, const std::string& message) {
    if (!bus) return;
    const std::string status = !ok ? "error" : action == "stop" ? "stopped" : "running";
    // Every client and the replay ring get a copy: a script's output is kept to its ends.
    const std::string said = head_and_tail(message, 4096);
    bus->publish(kServiceStatus, "",
                 {{"name", name},
                  {"status", status},
                  {"action", action},
                  {"success", ok},
                  {"message", said},
                  {"error_message", ok ? nlohmann::json(nullptr) : nlohmann::json(said)}});
}

}  // namespace venom::events

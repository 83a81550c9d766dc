#pragma once
// The event types of /ws/events and /api/v1/events (docs/API.md "Live events") and one
// publishing function per kind, so each publisher's hook is one line. A null bus publishes
// nothing (unit tests that do not care about events).

#include <string>
#include <string_view>

#include "venom/operation.hpp"

namespace venom::events {

class EventBus;

inline constexpr const char* kOperationProgress = "OPERATION_PROGRESS";
inline constexpr const char* kOperationStatus = "OPERATION_STATUS_UPDATE";
inline constexpr const char* kRuntimeSwitch = "RUNTIME_SWITCH";
inline constexpr const char* kServiceStatus = "SERVICE_STATUS_UPDATE";

// An operation changed: `state_changed` (created, started, finished) is always sent; other
// changes (bytes, message) are progress, coalesced per operation. The payload is `shape` of the
// operation (the API's api::operation_json), built only for the events that go out. Call it
// where the change is made (the queue calls it under its lock): it only queues.
void publish_operation(EventBus* bus, const Operation& op, bool state_changed,
                       OperationShape shape);

// A runtime switch `status`: "started", "completed" or "failed" (with `reason`).
void publish_runtime_switch(EventBus* bus, std::string_view status, const std::string& to_runtime,
                            const std::string& from_runtime, const std::string& model,
                            const std::string& reason);

// A start/stop/restart of a local runtime finished: `ok` gives status running (start,
// restart) or stopped (stop), else error with `message` as error_message.
void publish_service_status(EventBus* bus, const std::string& name, const std::string& action,
                            bool ok, const std::string& message);

}  // namespace venom::events

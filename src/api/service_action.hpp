#pragma once
// One start/stop/restart of a local runtime as every panel path runs it (Services page,
// profiles, /system/llm-servers): through the controller's script runner and its per-runtime
// lock, recorded in the action history, and the service status sampled again afterwards.

#include <optional>
#include <string>

#include "api/services.hpp"

namespace venom::api {

struct ServiceActionOutcome {
    Result<runtime::ActionResult> result;  // the script's result, or why it could not run
    std::optional<Error> error;            // what to answer instead of a result (incl. not managed)
    bool success = false;
    std::string message;  // for a person: what happened, with the script's own words
};

// `server` must be a known server, `action` start|stop|restart. BLOCKING: call on a worker.
ServiceActionOutcome run_service_action(Services& services, const runtime::ServerInfo& server,
                                        const std::string& action);

}  // namespace venom::api

#include "api/service_action.hpp"

namespace venom::api {

ServiceActionOutcome run_service_action(Services& services, const runtime::ServerInfo& server,
                                        const std::string& action) {
    ServiceActionOutcome outcome{services.controller.run(server.name, action), std::nullopt, false,
                                 ""};
    const auto& result = outcome.result;
    if (!result) {
        outcome.error = result.error();
        outcome.message = result.error().message;
    } else if (result->not_managed()) {
        outcome.error = runtime::not_managed_error(server.display_name, server.endpoint);
        outcome.message = outcome.error->message;
    } else if (result->ok()) {
        outcome.success = true;
        outcome.message = server.display_name + " " + action + " succeeded" +
                          (result->out.empty() ? "" : ": " + result->out);
    } else {
        const std::string& words = result->err.empty() ? result->out : result->err;
        outcome.message = server.display_name + " " + action + " failed with exit code " +
                          std::to_string(result->exit_code) + (words.empty() ? "" : ": " + words);
    }
    services.history.record(server.name, action, outcome.success, outcome.message);
    services.monitor.refresh();
    return outcome;
}

}  // namespace venom::api

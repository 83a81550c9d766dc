// The local runtimes as servers: their health, and start/stop/restart through the service
// scripts.
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/service_action.hpp"
#include "venom/json_nullable.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

json server_json(const runtime::ServerInfo& server, const runtime::ServerHealth& health,
                 bool active) {
    return {{"name", server.name},
            {"display_name", server.display_name},
            {"description", server.description},
            {"provider", server.name},
            {"endpoint", server.endpoint},
            {"health_url", server.health_url},
            {"supports",
             {{"start", server.scripted}, {"stop", server.scripted}, {"restart", server.scripted}}},
            {"status", health.status},
            {"latency_ms", nullable(health.latency_ms)},
            {"error_message", nullable(health.error)},
            {"last_check", health.last_check.empty() ? json(nullptr) : json(health.last_check)},
            {"active", active},
            {"models", health.models}};
}

}  // namespace

void list_llm_servers(const ApiRequest&, Services& services, Respond respond) {
    answer_from_pool(services.catalog_pool, respond, [&services] {
        const auto active = services.runtime_state.current().active_runtime;
        json servers = json::array();
        for (const auto& server : services.controller.servers()) {
            servers.push_back(server_json(server, services.controller.probe(server.runtime),
                                          active == server.runtime));
        }
        return json_response(
            200, {{"status", "success"}, {"servers", servers}, {"count", servers.size()}});
    });
}

void run_llm_server_action(const ApiRequest& request, Services& services, Respond respond) {
    const std::string server = request.param("server");
    const std::string action = request.param("action");
    const std::optional<Runtime> runtime = parse_runtime(server);
    const auto* info = runtime ? services.controller.find(*runtime) : nullptr;
    if (!info) {
        return respond(error_response(
            404, "unknown_server", "Unknown LLM server '" + server + "': use 'ollama' or 'vllm'"));
    }
    if (action != "start" && action != "stop" && action != "restart") {
        return respond(error_response(
            400, "unknown_action", "Unknown action '" + action + "': use start, stop or restart"));
    }
    if (services.switcher.gate().in_progress) {
        return respond(error_response(409, "runtime_switch_in_progress",
                                      "A runtime switch is in progress; retry when it is done"));
    }
    answer_from_pool(services.action_pool, respond, [&services, action, info] {
        auto outcome = run_service_action(services, *info, action);
        if (outcome.error) return error_response(*outcome.error);
        const auto& result = *outcome.result;
        const std::string message = result.ok() ? info->display_name + " " + action + " succeeded"
                                                : info->display_name + " " + action +
                                                      " failed with exit code " +
                                                      std::to_string(result.exit_code);
        return json_response(200, {{"status", result.ok() ? "success" : "error"},
                                   {"action", action},
                                   {"stdout", result.out},
                                   {"stderr", result.err},
                                   {"exit_code", result.exit_code},
                                   {"message", message},
                                   {"duration_ms", static_cast<long long>(result.duration_ms)}});
    });
}

}  // namespace venom::api

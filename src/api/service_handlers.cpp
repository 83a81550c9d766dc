// Config -> Services in the web panel: each service's status, start/stop/restart, the action
// history, profiles that start and stop the local runtimes together, and what the disk holds.
#include <map>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json/usage_json.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"
#include "api/service_action.hpp"
#include "venom/json_nullable.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

json status_json(const runtime::ServiceStatus& s) {
    return {{"name", s.name},
            {"service_type", s.service_type},
            {"status", s.status},
            {"pid", nullable(s.pid)},
            {"port", nullable(s.port)},
            {"cpu_percent", nullable(s.cpu_percent)},
            {"memory_mb", nullable(s.memory_mb)},
            {"uptime_seconds", nullable(s.uptime_seconds)},
            {"last_log", nullable(s.last_log)},
            {"error_message", nullable(s.error_message)},
            {"runtime_version", nullable(s.runtime_version)},
            {"actionable", s.actionable}};
}

// The contract's error shape plus "message", which is what the Services page shows.
HttpResponse service_error(const Error& error) {
    return json_response(error.http_status, {{"success", false},
                                             {"detail", error.message},
                                             {"code", error.code},
                                             {"message", error.message}});
}

std::optional<Error> switch_in_progress(Services& services) {
    if (!services.switcher.gate().in_progress) return std::nullopt;
    return make_error(409, "runtime_switch_in_progress",
                      "A runtime switch is in progress; retry when it is done");
}

}  // namespace

HttpResponse get_runtime_status(const ApiRequest&, Services& services) {
    json list = json::array();
    for (const auto& s : services.monitor.latest()) list.push_back(status_json(s));
    return json_response(200, {{"status", "success"}, {"services", list}, {"count", list.size()}});
}

void run_runtime_service_action(const ApiRequest& request, Services& services, Respond respond) {
    const std::string service = request.param("service");
    const std::string action = request.param("action");
    if (service == "venomd") {
        return respond(service_error(
            make_error(400, "service_not_actionable",
                       "venomd is not started or stopped from here: use systemd or its signals")));
    }
    const std::optional<Runtime> runtime = parse_runtime(service);
    const auto* info = runtime ? services.controller.find(*runtime) : nullptr;
    if (!info) {
        return respond(service_error(make_error(
            404, "unknown_service", "Unknown service '" + service + "': use 'ollama' or 'vllm'")));
    }
    if (action != "start" && action != "stop" && action != "restart") {
        return respond(service_error(make_error(
            400, "unknown_action", "Unknown action '" + action + "': use start, stop or restart")));
    }
    if (auto busy = switch_in_progress(services)) return respond(service_error(*busy));
    answer_from_pool(services.action_pool, respond, [&services, action, info] {
        auto outcome = run_service_action(services, *info, action);
        if (outcome.error) return service_error(*outcome.error);
        return json_response(
            200, {{"success", outcome.success},
                  {"message", outcome.message},
                  {"service", info->name},
                  {"action", action},
                  {"exit_code", outcome.result->exit_code},
                  {"duration_ms", static_cast<long long>(outcome.result->duration_ms)}});
    });
}

HttpResponse get_runtime_history(const ApiRequest& request, Services& services) {
    auto limit = query_int(request, "limit", 50, 1, 1000);
    if (!limit) return error_response(limit.error());
    json list = json::array();
    for (const auto& entry : services.history.latest(static_cast<std::size_t>(*limit))) {
        list.push_back(runtime::to_json(entry));
    }
    return json_response(200, {{"status", "success"}, {"history", list}, {"count", list.size()}});
}

// full: the active local runtime running, the others as they are. light: the active local
// runtime running, the others stopped. llm_off: every local runtime stopped. A cloud runtime
// being active means there is no local one to keep: light then stops them all too.
void apply_runtime_profile(const ApiRequest& request, Services& services, Respond respond) {
    const std::string profile = request.param("profile");
    if (profile != "full" && profile != "light" && profile != "llm_off") {
        return respond(service_error(
            make_error(400, "unknown_profile",
                       "Unknown profile '" + profile + "': use full, light or llm_off")));
    }
    if (auto busy = switch_in_progress(services)) return respond(service_error(*busy));
    answer_from_pool(services.action_pool, respond, [&services, profile] {
        const std::optional<Runtime> active = services.runtime_state.current().active_runtime;
        const runtime::ServerInfo* keep =
            profile == "llm_off" || !active ? nullptr : services.controller.find(*active);
        services.monitor.refresh();  // what runs now, from /proc and the health probes
        std::map<std::string, std::string> status;
        for (const auto& s : services.monitor.latest()) status[s.name] = s.status;

        bool success = true;
        json actions = json::array();
        std::string done;
        auto act = [&](const runtime::ServerInfo& server, const std::string& action) {
            auto outcome = run_service_action(services, server, action);
            success = success && outcome.success;
            json entry = {{"service", server.name},
                          {"action", action},
                          {"success", outcome.success},
                          {"message", outcome.message}};
            if (outcome.result) {
                entry["duration_ms"] = static_cast<long long>(outcome.result->duration_ms);
            }
            actions.push_back(std::move(entry));
            done += (done.empty() ? "" : "; ") + outcome.message;
        };
        if (profile != "full") {
            for (const auto& server : services.controller.servers()) {
                if (&server == keep || status[server.name] == "stopped") continue;
                act(server, "stop");
            }
        }
        if (keep && status[keep->name] != "running") act(*keep, "start");

        std::string message = "Profile " + profile + (success ? " applied" : " not fully applied");
        if (!keep && profile != "llm_off") {
            message += " (no local runtime is active" +
                       (active ? "; the active runtime is " + std::string(to_string(*active))
                               : std::string()) +
                       ")";
        }
        message += done.empty() ? ": nothing to change" : ": " + done;
        services.history.record("profile", profile, success, message);
        return json_response(200, {{"success", success},
                                   {"message", message},
                                   {"profile", profile},
                                   {"actions", actions}});
    });
}

HttpResponse get_system_storage(const ApiRequest&, Services& services) {
    json body = storage_json(services.usage.latest());
    body["status"] = "success";
    return json_response(200, body);
}

}  // namespace venom::api

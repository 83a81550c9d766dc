#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"

namespace venom::api {

void install_model(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto name = required_string(*body, "name");
    if (!name) return respond(error_response(name.error()));
    auto provider = required_string(*body, "provider");
    if (!provider) return respond(error_response(provider.error()));
    auto runtime_name = optional_string(*body, "runtime");
    if (!runtime_name) return respond(error_response(runtime_name.error()));
    std::optional<Runtime> runtime;
    if (*runtime_name) {
        runtime = parse_runtime(**runtime_name);
        if (!runtime) {
            return respond(
                error_response(400, "invalid_runtime",
                               "Unknown runtime '" + **runtime_name + "': use ollama or vllm"));
        }
    }
    InstallFilter filter;
    for (auto [key, globs] :
         {std::pair{"include", &filter.include}, std::pair{"exclude", &filter.exclude}}) {
        auto list = optional_string_list(*body, key);
        if (!list) return respond(error_response(list.error()));
        *globs = std::move(list.value());
    }

    // The provider may ask its upstream for the real size before the quota check: on the pool.
    answer_from_pool(
        services.action_pool, respond,
        [&services, name = *name, provider = *provider, runtime, filter] {
            auto operation_id = services.registry.install_model(name, provider, runtime, filter);
            if (!operation_id) return error_response(operation_id.error());
            return json_response(202, {{"success", true},
                                       {"operation_id", *operation_id},
                                       {"message", "Model installation started: " + name}});
        });
}

HttpResponse remove_model(const ApiRequest& request, Services& services) {
    const std::string& name = request.param("name");
    auto operation_id = services.registry.remove_model(name);
    if (!operation_id) return error_response(operation_id.error());
    return json_response(202, {{"success", true},
                               {"operation_id", *operation_id},
                               {"message", "Model removal started: " + name}});
}

}  // namespace venom::api

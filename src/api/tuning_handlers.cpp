// The tuning drawer: GET/POST /api/v1/models/{name}/config (web-panel-calls.md §3.3 and §4.5).
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"
#include "venom/generation_schema.hpp"
#include "venom/generation_settings_store.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

// The runtime asked for, else the one the model is installed for. 400 invalid_runtime.
Result<Runtime> runtime_of(const std::optional<std::string>& asked, const ModelMetadata& model) {
    const std::string name = asked.value_or(model.runtime);
    if (auto runtime = parse_tunable_runtime(name)) return *runtime;
    return make_error(
        400, "invalid_runtime",
        "Runtime '" + name + "' has no generation settings in venomd: use 'ollama' or 'vllm'");
}

}  // namespace

HttpResponse get_model_config(const ApiRequest& request, Services& services) {
    auto model = services.registry.find_model(request.param("name"));
    if (!model) return error_response(model.error());
    auto runtime = runtime_of(request.query_value("runtime"), *model);
    if (!runtime) return error_response(runtime.error());
    json schema = generation_schema(*runtime, *model);
    const json saved = services.generation_settings->values(*runtime, model->name);
    json current = json::object();
    for (const auto& [key, spec] : schema.items()) {
        current[key] = saved.contains(key) ? saved[key] : spec["default"];
    }
    return json_response(200, {{"success", true},
                               {"model_name", model->name},
                               {"runtime", std::string(to_string(*runtime))},
                               {"generation_schema", std::move(schema)},
                               {"current_values", std::move(current)},
                               {"saved_values", saved}});
}

void set_model_config(const ApiRequest& request, Services& services, Respond respond) {
    auto model = services.registry.find_model(request.param("name"));
    if (!model) return respond(error_response(model.error()));
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto asked = optional_string(*body, "runtime");
    if (!asked) return respond(error_response(asked.error()));
    auto runtime = runtime_of(*asked, *model);
    if (!runtime) return respond(error_response(runtime.error()));
    if (!body->contains("params")) {
        return respond(error_response(422, "missing_field", "Field 'params' is required"));
    }
    auto values =
        validate_generation_params(generation_schema(*runtime, *model), (*body)["params"]);
    if (!values) return respond(error_response(values.error()));

    // fsync: off the I/O thread.
    answer_from_pool(services.action_pool, respond,
                     [&services, runtime = *runtime, name = model->name, values = *values] {
                         auto saved = services.generation_settings->save(runtime, name, values);
                         if (!saved) return error_response(saved.error());
                         return json_response(
                             200,
                             {{"success", true},
                              {"model_name", name},
                              {"runtime", std::string(to_string(runtime))},
                              {"params", values},
                              {"message", "Saved; applied when " + name + " is next activated on " +
                                              std::string(to_string(runtime))}});
                     });
}

}  // namespace venom::api

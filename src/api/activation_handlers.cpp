#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/request_body.hpp"
#include "api/runtime_payload.hpp"

namespace venom::api {

void activate_model(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto name = required_string(*body, "name");
    if (!name) return respond(error_response(name.error()));
    auto runtime = required_string(*body, "runtime");
    if (!runtime) return respond(error_response(runtime.error()));

    // Loading a model can take minutes: it runs on the pool, not on this I/O thread.
    const bool queued = services.pool.post(
        [&services, name = *name, runtime = *runtime, respond] {
            auto model = services.registry.activate_model(name, runtime);
            if (!model) return respond(error_response(model.error()));
            nlohmann::json payload =
                runtime_payload(services.runtime_state.current(), services.config);
            payload["error"] = nullptr;
            std::string message = "Model " + model->name + " activated on runtime " + runtime;
            nlohmann::json body = {{"success", true}};
            if (runtime == "vllm") {
                // The runtime controller is not part of this build yet: the state is saved
                // and vLLM picks the model up when it is (re)started.
                payload["status"] = "restart_required";
                payload["model_path"] = model->local_path.value_or("");
                body["restart_required"] = true;
                message += "; restart vLLM to serve it (VLLM_MODEL_PATH is set in "
                           "llm-runtime.env)";
            } else {
                payload["status"] = "online";
            }
            body["message"] = message;
            body["runtime"] = payload;
            respond(json_response(200, body));
        });
    if (!queued) {
        respond(error_response(503, "busy", "Too many requests in progress; retry shortly"));
    }
}

}  // namespace venom::api

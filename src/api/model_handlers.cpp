#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json/model_json.hpp"
#include "api/json/usage_json.hpp"
#include "api/json_response.hpp"
#include "api/runtime_payload.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

json installed_models_body(Services& services) {
    const RuntimeState runtime = services.runtime_state.current();
    json models = json::array();
    json providers = json::object();
    auto add = [&](const ModelMetadata& m, const std::string& source) {
        const std::optional<Runtime> recorded = parse_runtime(m.runtime);
        const bool active =
            recorded && runtime.active_runtime == recorded && runtime.active_model == m.name;
        // Recorded as installed but its files are gone (kill -9 during a removal).
        const bool missing = services.registry.files_missing(m.name);
        json entry = installed_model_json(m, active, missing, source);
        if (!providers.contains(m.provider)) providers[m.provider] = json::array();
        providers[m.provider].push_back(entry);
        models.push_back(std::move(entry));
    };
    for (const auto& m : services.registry.list_installed()) add(m, "manifest");
    // What an upstream has without venomd having installed it (e.g. `ollama pull` by hand).
    for (const auto& m : services.registry.list_unrecorded()) add(m, m.provider);
    const json active = runtime_payload(runtime, services);
    return {{"success", true},
            {"models", models},
            {"count", models.size()},
            {"active", active},
            {"providers", providers}};
}

}  // namespace

HttpResponse list_installed_models(const ApiRequest&, Services& services) {
    return services.models_answer.answer(
        {services.registry.version(), services.runtime_state.version()},
        [&] { return installed_models_body(services); });
}

HttpResponse get_model_capabilities(const ApiRequest& request, Services& services) {
    const std::string& name = request.param("name");
    auto caps = services.registry.get_model_capabilities(name);
    if (!caps) return error_response(caps.error());
    json body = {
        {"success", true}, {"model_name", name}, {"capabilities", capabilities_json(*caps)}};
    if (services.registry.files_missing(name)) body["files_missing"] = true;
    return json_response(200, body);
}

HttpResponse get_models_usage(const ApiRequest&, Services& services) {
    json usage = usage_json(services.usage.latest(), services.config.max_storage_gb,
                            services.registry.list_installed().size());
    return json_response(200, {{"success", true}, {"usage", usage}});
}

}  // namespace venom::api

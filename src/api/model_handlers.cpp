#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

// Where the active runtime listens, from the same settings the daemon probes.
json runtime_endpoint(const Config& config, const std::optional<std::string>& runtime) {
    if (!runtime) return nullptr;
    if (*runtime == "ollama") return config.ollama_host;
    if (*runtime == "vllm") return config.vllm_endpoint;
    if (*runtime == "openai") return config.openai_base_url;
    if (*runtime == "google") return config.gemini_base_url;
    return nullptr;
}

}  // namespace

HttpResponse list_installed_models(const ApiRequest&, Services& services) {
    const RuntimeState runtime = services.runtime_state.current();
    auto nullable = [](const auto& v) { return v ? json(*v) : json(nullptr); };

    json models = json::array();
    json providers = json::object();
    for (const auto& m : services.registry.list_installed()) {
        const bool active = runtime.active_model == m.name && runtime.active_runtime == m.runtime;
        json entry = {
            {"name", m.name},
            {"display_name", m.display_name},
            {"provider", m.provider},
            {"runtime", m.runtime},
            {"size_gb", nullable(m.size_gb)},
            {"status", m.status},
            {"active", active},
            {"source", "manifest"},
            {"installed_at", nullable(m.installed_at)},
        };
        if (!providers.contains(m.provider)) providers[m.provider] = json::array();
        providers[m.provider].push_back(entry);
        models.push_back(std::move(entry));
    }
    json active = {
        {"provider", nullable(runtime.active_runtime)},
        {"model", nullable(runtime.active_model)},
        {"endpoint", runtime_endpoint(services.config, runtime.active_runtime)},
    };
    return json_response(200, {{"success", true},
                               {"models", models},
                               {"count", models.size()},
                               {"active", active},
                               {"providers", providers}});
}

HttpResponse get_model_capabilities(const ApiRequest& request, Services& services) {
    const std::string& name = request.param("name");
    auto caps = services.registry.get_model_capabilities(name);
    if (!caps) return error_response(caps.error());
    return json_response(200,
                         {{"success", true}, {"model_name", name}, {"capabilities", to_json(*caps)}});
}

HttpResponse get_models_usage(const ApiRequest&, Services& services) {
    json usage = usage_to_json(services.usage.latest(), services.config.max_storage_gb,
                               services.registry.list_installed().size());
    return json_response(200, {{"success", true}, {"usage", usage}});
}

}  // namespace venom::api

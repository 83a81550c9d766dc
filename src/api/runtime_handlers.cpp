// Which runtime is active and switching it: local servers (Ollama, vLLM), cloud runtimes
// (OpenAI, Gemini), the model on the current runtime, and the runtime/model menu the web panel
// shows.
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"
#include "api/runtime_payload.hpp"
#include "venom/runtime_model_id.hpp"
#include "venom/text.hpp"
#include "venom/vllm_launch.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

// What GET /system/llm-servers/active and the switch answers share.
json active_summary(Services& services) {
    const RuntimeState state = services.runtime_state.current();
    const json payload = runtime_payload(state, services);
    return {{"status", "success"},
            {"active_server", payload["provider"]},
            {"active_endpoint", payload["endpoint"]},
            {"active_model", payload["model"]},
            {"config_hash", payload["config_hash"]},
            {"runtime_id", payload["runtime_id"]},
            {"source_type", payload["source_type"]},
            {"last_models", last_models_json(state)},
            {"runtime_switch_gate", gate_json(services.switcher.gate())},
            {"last_runtime_switch", last_switch_json(services.switcher.last_switch())}};
}

HttpResponse switch_answer(const runtime::SwitchReport& report, Services& services) {
    if (report.error) return switch_error_response(report, services);
    return json_response(200, switch_success_json(report, services));
}

// A model id from the client, checked before it can reach llm-runtime.env (issue 9, finding 6).
// Absent or empty means "the runtime's default" and is fine.
std::optional<HttpResponse> bad_model_id(const std::optional<std::string>& model) {
    if (!model || model->empty()) return std::nullopt;
    if (auto ok = validate_runtime_model_id(*model); !ok) return error_response(ok.error());
    return std::nullopt;
}

// Local runtime with `model`, or a cloud provider: one entry point for the endpoints below.
runtime::SwitchReport switch_to(Services& services, Runtime runtime,
                                const std::optional<std::string>& model) {
    if (is_local(runtime)) {
        runtime::SwitchReport report = services.switcher.switch_local(runtime, model);
        // The Services page shows what the switch started and stopped from its next read on.
        if (!report.steps.empty()) services.monitor.refresh();
        return report;
    }
    return services.switcher.switch_cloud(runtime, model.value_or(""));
}

json model_entry(const std::string& name, Runtime runtime, bool active,
                 const std::optional<ModelCapabilities>& caps) {
    const bool cloud = !is_local(runtime);
    const std::string runtime_name(to_string(runtime));
    json entry = {{"id", name},
                  {"name", name},
                  {"provider", runtime_name},
                  {"runtime_id", runtime_name},
                  {"source_type", cloud ? "cloud-api" : "local-runtime"},
                  {"active", active},
                  {"chat_compatible", true},
                  {"canonical_model_id", name},
                  {"model_kind", "base_model"},
                  {"is_adapter_artifact", false},
                  {"owned_by_runtime", true},
                  {"compatible_runtimes", json::array({runtime_name})}};
    if (caps) {
        json list = json::array({"chat"});
        if (caps->supports_system_role) list.push_back("system_role");
        if (caps->supports_function_calling) list.push_back("tools");
        entry["capabilities"] = list;
    }
    return entry;
}

// One runtime of the menu: its status and the models it can serve now.
json runtime_target(Services& services, Runtime runtime, const RuntimeState& state,
                    json& all_models) {
    const bool active = state.active_runtime == runtime;
    auto is_active_model = [&](const std::string& name) {
        return active && state.active_model == name;
    };
    json models = json::array();
    std::vector<std::string> seen;
    auto add = [&](const std::string& name, const std::optional<ModelCapabilities>& caps) {
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) return;
        seen.push_back(name);
        json entry = model_entry(name, runtime, is_active_model(name), caps);
        models.push_back(entry);
        all_models.push_back(entry);
    };
    json target = {{"runtime_id", std::string(to_string(runtime))},
                   {"adapter_deploy_supported", false},
                   {"adapter_deploy_mode", "none"},
                   {"supports_native_training", false},
                   {"supports_adapter_import_safetensors", false},
                   {"supports_adapter_import_gguf", false},
                   {"supports_adapter_runtime_apply", false},
                   {"active", active}};
    if (is_local(runtime)) {
        const auto* server = services.controller.find(runtime);
        runtime::ServerHealth health = services.controller.probe(runtime);
        for (const auto& m : services.registry.list_installed()) {
            if (parse_runtime(m.runtime) != runtime) continue;
            // vLLM serves from a snapshot or one GGUF file with its base tokenizer: what it
            // cannot start (no snapshot, a split GGUF, no known base model) is not offered.
            if (runtime == Runtime::vllm && !vllm_launch_for(m)) continue;
            add(m.name, m.capabilities);
        }
        if (runtime == Runtime::ollama) {
            for (const auto& m : services.registry.list_unrecorded()) {
                if (m.provider == install_provider(runtime)) add(m.name, std::nullopt);
            }
            for (const auto& name : health.models) add(name, std::nullopt);
        }
        target["source_type"] = "local-runtime";
        target["configured"] = server->scripted || health.status == "online";
        target["available"] = health.status == "online" || server->scripted;
        target["status"] = health.status;
        target["reason"] = health.error ? json(*health.error) : json(nullptr);
        target["latency_ms"] = health.latency_ms ? json(*health.latency_ms) : json(nullptr);
        target["endpoint"] = server->endpoint;
    } else {
        const bool has_key = services.cloud.has_key(runtime);
        cloud::CloudModelList list = services.cloud.models(runtime);
        for (const auto& m : list.models) {
            json entry = model_entry(m.id, runtime, is_active_model(m.id), std::nullopt);
            entry["name"] = m.id;
            entry["display_name"] = m.name;
            entry["capabilities"] = m.capabilities;
            entry["model_alias"] = m.alias ? json(*m.alias) : json(nullptr);
            models.push_back(entry);
            all_models.push_back(entry);
        }
        std::string status = "reachable";
        if (!has_key)
            status = "disabled";
        else if (list.source != "live")
            status = "degraded";
        target["source_type"] = "cloud-api";
        target["configured"] = has_key;
        target["available"] = has_key && !list.key_rejected;
        target["status"] = status;
        target["reason"] =
            has_key ? (list.error ? json(*list.error) : json(nullptr))
                    : json(cloud::CloudCatalog::key_variable(runtime) + " not configured");
        target["latency_ms"] = list.latency_ms ? json(*list.latency_ms) : json(nullptr);
        target["catalog_source"] = list.source;
        target["endpoint"] = services.cloud.endpoint(runtime);
    }
    target["models"] = models;
    return target;
}

}  // namespace

HttpResponse get_active_llm_server(const ApiRequest&, Services& services) {
    return services.active_server_answer.answer(
        {services.runtime_state.version(), services.switcher.version()},
        [&] { return active_summary(services); });
}

void set_active_llm_server(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto server = required_string(*body, "server_name");
    if (!server) return respond(error_response(server.error()));
    auto model = optional_string(*body, "model");
    if (!model) return respond(error_response(model.error()));
    if (auto bad = bad_model_id(*model)) return respond(std::move(*bad));
    const std::optional<Runtime> name = parse_runtime(trim(*server));
    if (!name || !services.controller.find(*name)) {
        return respond(error_response(404, "unknown_server",
                                      "Unknown LLM server '" + *server +
                                          "': use 'ollama' or 'vllm' (cloud runtimes: POST "
                                          "/api/v1/system/llm-runtime/active)"));
    }
    answer_from_pool(services.action_pool, respond, [&services, name = *name, model = *model] {
        return switch_answer(switch_to(services, name, model), services);
    });
}

HttpResponse get_active_llm_runtime(const ApiRequest&, Services& services) {
    const RuntimeState state = services.runtime_state.current();
    return json_response(
        200, {{"status", "success"},
              {"runtime", runtime_payload(state, services)},
              {"last_models", last_models_json(state)},
              {"runtime_switch_gate", gate_json(services.switcher.gate())},
              {"last_runtime_switch", last_switch_json(services.switcher.last_switch())}});
}

void set_active_llm_runtime(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto provider = required_string(*body, "provider");
    if (!provider) return respond(error_response(provider.error()));
    auto model = optional_string(*body, "model");
    if (!model) return respond(error_response(model.error()));
    if (auto bad = bad_model_id(*model)) return respond(std::move(*bad));
    const std::optional<Runtime> runtime = parse_runtime(trim(*provider));
    if (!runtime) {
        return respond(error_response(400, "unknown_provider",
                                      "Unknown runtime provider '" + *provider +
                                          "': use openai, google (gem, google-gemini), ollama "
                                          "or vllm"));
    }
    answer_from_pool(services.action_pool, respond,
                     [&services, runtime = *runtime, model = *model] {
                         return switch_answer(switch_to(services, runtime, model), services);
                     });
}

void get_llm_runtime_options(const ApiRequest&, Services& services, Respond respond) {
    answer_from_pool(services.catalog_pool, respond, [&services] {
        const RuntimeState state = services.runtime_state.current();
        const json payload = runtime_payload(state, services);
        json all_models = json::array();
        json runtimes = json::array();
        for (Runtime rt : kAllRuntimes) {
            runtimes.push_back(runtime_target(services, rt, state, all_models));
        }
        return json_response(200, {{"status", "success"},
                                   {"active",
                                    {{"runtime_id", payload["runtime_id"]},
                                     {"active_server", payload["provider"]},
                                     {"active_model", payload["model"]},
                                     {"active_endpoint", payload["endpoint"]},
                                     {"config_hash", payload["config_hash"]},
                                     {"source_type", payload["source_type"]}}},
                                   {"runtimes", runtimes},
                                   {"model_catalog",
                                    {{"all_models", all_models},
                                     {"chat_models", all_models},
                                     {"runtime_servable_models", all_models},
                                     {"coding_models", json::array()},
                                     {"trainable_base_models", json::array()},
                                     {"trainable_models", json::array()},
                                     {"inference_only_artifacts", json::array()}}},
                                   {"selector_flow", json::array({"server", "model"})}});
    });
}

void switch_model(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto name = required_string(*body, "name");
    if (!name) return respond(error_response(name.error()));
    if (auto bad = bad_model_id(*name)) return respond(std::move(*bad));
    const auto runtime = services.runtime_state.current().active_runtime;
    if (!runtime) {
        return respond(error_response(409, "no_active_runtime",
                                      "No runtime is active: choose one with POST "
                                      "/api/v1/system/llm-servers/active"));
    }
    answer_from_pool(services.action_pool, respond, [&services, runtime = *runtime, name = *name] {
        runtime::SwitchReport report = switch_to(services, runtime, name);
        if (report.error) return switch_error_response(report, services);
        json out = switch_success_json(report, services);
        out["message"] =
            "Model " + report.model + " is active on " + std::string(to_string(runtime));
        return json_response(200, out);
    });
}

void activate_model(const ApiRequest& request, Services& services, Respond respond) {
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto name = required_string(*body, "name");
    if (!name) return respond(error_response(name.error()));
    auto runtime = required_string(*body, "runtime");
    if (!runtime) return respond(error_response(runtime.error()));
    if (auto bad = bad_model_id(*name)) return respond(std::move(*bad));
    const std::optional<Runtime> target = parse_runtime(trim(*runtime));
    if (!target) {
        return respond(error_response(
            400, "invalid_runtime",
            "Unknown runtime '" + *runtime + "': use ollama, vllm, openai or google"));
    }
    // Loading a model (and restarting vLLM) takes a while: it runs on the pool.
    answer_from_pool(services.action_pool, respond, [&services, name = *name, target = *target] {
        runtime::SwitchReport report = switch_to(services, target, name);
        if (report.error) return switch_error_response(report, services);
        json payload = runtime_payload(services.runtime_state.current(), services);
        payload["status"] = "online";
        payload["error"] = nullptr;
        return json_response(200, {{"success", true},
                                   {"message", "Model " + report.model + " activated on runtime " +
                                                   std::string(to_string(target))},
                                   {"runtime", payload},
                                   {"steps", steps_json(report.steps)}});
    });
}

}  // namespace venom::api

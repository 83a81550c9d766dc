#include "api/runtime_payload.hpp"

#include <openssl/evp.h>

#include <optional>
#include <utility>

#include "api/json_response.hpp"
#include "venom/json_nullable.hpp"
#include "venom/text.hpp"

namespace venom::api {

using nlohmann::json;

namespace {

std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// Host and port of "scheme://host[:port]/..." (the scheme's port when none is given); nullopt
// for anything else. A hand-rolled split: this runs on every poll of the panel.
std::optional<std::pair<std::string, int>> split_authority(const std::string& url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos || scheme_end == 0) return std::nullopt;
    const std::string scheme = to_lower(url.substr(0, scheme_end));
    const auto start = scheme_end + 3;
    const auto end = url.find_first_of("/?#", start);
    const std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
    std::string host = authority;
    std::string port;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) return std::nullopt;
    if (port.empty()) return std::pair{host, scheme == "https" ? 443 : 80};
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::pair{host, std::stoi(port)};
}

}  // namespace

json runtime_or_null(const std::optional<Runtime>& runtime) {
    return runtime ? json(std::string(to_string(*runtime))) : json(nullptr);
}

std::string runtime_endpoint(Runtime runtime, const Services& services) {
    if (const auto* server = services.controller.find(runtime)) return server->endpoint;
    return services.cloud.endpoint(runtime);
}

json runtime_payload(const RuntimeState& state, const Services& services) {
    json payload = {{"provider", runtime_or_null(state.active_runtime)},
                    {"model", nullable(state.active_model)},
                    {"endpoint", nullptr},
                    {"endpoint_host", nullptr},
                    {"endpoint_port", nullptr},
                    {"service_type", nullptr},
                    {"source_type", nullptr},
                    {"label", nullptr},
                    {"config_hash", nullptr},
                    {"runtime_id", nullptr}};
    if (!state.active_runtime) return payload;
    const std::string runtime(to_string(*state.active_runtime));
    const bool cloud = !is_local(*state.active_runtime);
    const std::string model = state.active_model.value_or("");
    const std::string endpoint = runtime_endpoint(*state.active_runtime, services);
    std::string host_port = endpoint;
    if (auto parts = split_authority(endpoint)) {
        payload["endpoint_host"] = parts->first;
        payload["endpoint_port"] = parts->second;
        host_port = parts->first + ":" + std::to_string(parts->second);
    }
    payload["endpoint"] = endpoint.empty() ? json(nullptr) : json(endpoint);
    payload["service_type"] = cloud ? runtime : "local";
    payload["source_type"] = cloud ? "cloud-api" : "local-runtime";
    const std::string short_model =
        model.substr(model.rfind('/') == std::string::npos ? 0 : model.rfind('/') + 1);
    payload["label"] = (short_model.empty() ? "?" : short_model) + " · " + runtime + " @ " +
                       (host_port.empty() ? "local" : host_port);
    payload["config_hash"] =
        sha256_hex(to_lower(runtime + "|" + endpoint + "|" + model)).substr(0, 12);
    payload["runtime_id"] = runtime + "@" + (endpoint.empty() ? "local" : endpoint);
    return payload;
}

json last_models_json(const RuntimeState& state) {
    json out = json::object();
    for (Runtime rt : kAllRuntimes) out[std::string(to_string(rt))] = "";
    for (const auto& [rt, model] : state.last_model) out[std::string(to_string(rt))] = model;
    return out;
}

json gate_json(const runtime::SwitchGate& gate) {
    auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    return {{"in_progress", gate.in_progress},
            {"switch_id", or_null(gate.switch_id)},
            {"from_runtime", runtime_or_null(gate.from_runtime)},
            {"to_runtime", runtime_or_null(gate.target)},
            {"model", or_null(gate.model)},
            {"started_at_utc", or_null(gate.started_at)}};
}

json last_switch_json(const std::optional<runtime::SwitchEvent>& event) {
    if (!event) return nullptr;
    return {{"event", event->ok ? "runtime_model_selected" : "runtime_switch_failed"},
            {"switch_id", event->switch_id},
            {"success", event->ok},
            {"runtime", std::string(to_string(event->runtime))},
            {"to_runtime", std::string(to_string(event->runtime))},
            {"model", event->model},
            // "" rather than null when nothing was active, as the panel has always read it.
            {"from_runtime",
             event->from_runtime ? std::string(to_string(*event->from_runtime)) : std::string()},
            {"reason", event->reason},
            {"at_utc", event->at}};
}

json steps_json(const std::vector<runtime::SwitchStep>& steps) {
    json out = json::array();
    for (const auto& s : steps) {
        json step = {{"step", s.name},
                     {"ok", s.ok},
                     {"detail", s.detail},
                     {"duration_ms", static_cast<long long>(s.duration_ms + 0.5)}};
        if (s.exit_code) step["exit_code"] = *s.exit_code;
        out.push_back(std::move(step));
    }
    return out;
}

HttpResponse switch_error_response(const runtime::SwitchReport& report, const Services& services) {
    const RuntimeState now = services.runtime_state.current();
    return json_response(report.error->http_status,
                         {{"success", false},
                          {"detail", report.error->message},
                          {"code", report.error->code},
                          {"steps", steps_json(report.steps)},
                          {"active_server", runtime_or_null(now.active_runtime)},
                          {"active_model", nullable(now.active_model)}});
}

json switch_success_json(const runtime::SwitchReport& report, const Services& services) {
    const json payload = runtime_payload(services.runtime_state.current(), services);
    json out = {{"status", "success"},
                {"success", true},
                {"active_server", payload["provider"]},
                {"active_model", payload["model"]},
                {"active_endpoint", payload["endpoint"]},
                {"config_hash", payload["config_hash"]},
                {"runtime_id", payload["runtime_id"]},
                {"source_type", payload["source_type"]},
                {"previous_server", runtime_or_null(report.previous_runtime)},
                {"previous_model", nullable(report.previous_model)},
                {"steps", steps_json(report.steps)}};
    if (report.catalog_source) out["catalog_source"] = *report.catalog_source;
    return out;
}

}  // namespace venom::api

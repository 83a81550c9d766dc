#pragma once
// The JSON several answers share about the active runtime and about runtime switches.

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"
#include "api/services.hpp"
#include "runtime/runtime_switcher.hpp"
#include "venom/runtime_state.hpp"

namespace venom::api {

// The runtime's JSON spelling, or null.
nlohmann::json runtime_or_null(const std::optional<Runtime>& runtime);

// Where `runtime` listens: the same address the daemon probes (a cloud runtime: its API base).
std::string runtime_endpoint(Runtime runtime, const Services& services);

// {provider, model, endpoint, endpoint_host, endpoint_port, service_type, source_type, label,
// config_hash, runtime_id}; null fields when nothing is active. config_hash is the first 12
// hex digits of sha256("provider|endpoint|model"), lower-cased, so a client can tell whether
// the runtime changed without comparing every field.
nlohmann::json runtime_payload(const RuntimeState& state, const Services& services);

// {ollama: "...", vllm: "...", ...}: the last model used on each runtime ("" when none).
nlohmann::json last_models_json(const RuntimeState& state);

nlohmann::json gate_json(const runtime::SwitchGate& gate);
nlohmann::json last_switch_json(const std::optional<runtime::SwitchEvent>& event);
nlohmann::json steps_json(const std::vector<runtime::SwitchStep>& steps);

// A failed switch: the contract's error shape plus the steps taken and what is active now.
HttpResponse switch_error_response(const runtime::SwitchReport& report, const Services& services);

// What the active-runtime answers share after a switch: status, active_server, active_model,
// active_endpoint, config_hash, runtime_id, source_type, previous_*, steps.
nlohmann::json switch_success_json(const runtime::SwitchReport& report, const Services& services);

}  // namespace venom::api

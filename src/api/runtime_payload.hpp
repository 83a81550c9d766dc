#pragma once
// The active-runtime object several answers carry (GET /models `active`, activation).

#include <nlohmann/json.hpp>

#include "venom/config.hpp"
#include "venom/runtime_state.hpp"

namespace venom::api {

// {"provider", "model", "endpoint"}: endpoint is where that runtime listens, from the same
// settings the daemon probes (OLLAMA_HOST, VLLM_ENDPOINT, ...); null fields when none is active.
nlohmann::json runtime_payload(const RuntimeState& state, const Config& config);

}  // namespace venom::api

#include "api/runtime_payload.hpp"

namespace venom::api {

using nlohmann::json;

nlohmann::json runtime_payload(const RuntimeState& state, const Config& config) {
    json endpoint = nullptr;
    if (state.active_runtime) {
        const std::string& runtime = *state.active_runtime;
        if (runtime == "ollama") endpoint = config.ollama_host;
        if (runtime == "vllm") endpoint = config.vllm_endpoint;
        if (runtime == "openai") endpoint = config.openai_base_url;
        if (runtime == "google") endpoint = config.gemini_base_url;
    }
    auto nullable = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    return {{"provider", nullable(state.active_runtime)},
            {"model", nullable(state.active_model)},
            {"endpoint", endpoint}};
}

}  // namespace venom::api

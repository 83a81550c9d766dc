#pragma once
// What a model can do, read from Ollama's /api/show answer (issue 3, point 5).

#include <nlohmann/json.hpp>
#include <string>

#include "venom/model_types.hpp"

namespace venom::providers {

// True when a chat template renders a system message as its own turn: a system role marker in
// its literal text, the role printed generically ({{ .Role }}), or a branch for the system role
// alone. Gemma-family (and Mistral) templates fold system text into the user turn or have no
// system turn at all, so clients should not send them a system message. Pure.
bool template_renders_system(const std::string& chat_template);

// max_context_length from model_info["<arch>.context_length"] (else details.context_length,
// else the default 4096), quantization from details.quantization_level, prompt_template from
// template, function calling from capabilities containing "tools", system role from the
// template. Pure.
ModelCapabilities capabilities_from_show(const nlohmann::json& show);

}  // namespace venom::providers

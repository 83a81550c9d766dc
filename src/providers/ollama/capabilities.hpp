#pragma once
// What a model can do, read from Ollama's /api/show answer (issue 3, point 5).

#include <nlohmann/json.hpp>

#include "venom/model_types.hpp"

namespace venom::providers {

// max_context_length from model_info["<arch>.context_length"] (else details.context_length,
// else the default 4096), quantization from details.quantization_level, prompt_template from
// template, features as "capabilities" lists them, function calling from capabilities
// containing "tools", system role from whether
// the template has a system turn (chat_template.hpp). Pure.
ModelCapabilities capabilities_from_show(const nlohmann::json& show);

}  // namespace venom::providers

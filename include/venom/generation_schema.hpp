#pragma once
// The tuning drawer's generation parameters (web-panel-calls.md §3.3, venom-python.md §2.2
// GenerationParameter): one schema per local runtime, validation of values against it, and what
// each value becomes on its runtime. Which parameter reaches which runtime, and how, is in
// docs/API.md "Model tuning".

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "venom/model_types.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"
#include "venom/runtime_state.hpp"

namespace venom {

// The runtimes venomd can hand generation settings to are the local ones (is_local). Cloud
// runtimes are not among them: venomd sends them no generation requests of its own, so a value
// stored for them would reach nothing. Every `runtime` below must be local.

// parse_runtime's answer when it is a local runtime; nullopt otherwise. Pure.
std::optional<Runtime> parse_tunable_runtime(std::string_view name);

// {param: {type, default, min, max, desc}} for `model` on `runtime`: temperature, top_p, top_k,
// max_tokens, repeat_penalty and context_length, the last two bounded by the model's
// capabilities.max_context_length. Pure.
nlohmann::json generation_schema(Runtime runtime, const ModelMetadata& model);

// Checks every entry of `params` (a JSON object) against `schema`: 422 invalid_parameter whose
// message names each parameter that is unknown, of the wrong type (a float parameter takes any
// number, an int parameter only a whole one) or out of [min, max], joined with "; ". Returns
// the values with int parameters as JSON integers. Pure.
Result<nlohmann::json> validate_generation_params(const nlohmann::json& schema,
                                                  const nlohmann::json& params);

// Stored values as Ollama's request `options` (ollama/ollama api/types.go Options and Runner:
// temperature, top_p, top_k, num_predict, repeat_penalty, num_ctx). Pure.
nlohmann::json ollama_options(const nlohmann::json& values);

// Stored values as vLLM start-up settings: context_length -> --max-model-len, the sampling
// values -> --override-generation-config with the Hugging Face generation-config names vLLM
// reads there (vllm/config/model.py get_diff_sampling_param: temperature, top_p, top_k,
// repetition_penalty, max_new_tokens). Pure.
VllmTuning vllm_tuning(const nlohmann::json& values);

}  // namespace venom

#pragma once
// What vLLM is started with for an installed model: a snapshot folder, or one GGUF file with
// the base model's tokenizer. GGUF installs vLLM cannot start are refused up front, so neither an
// activation nor /system/llm-runtime/options offers a combination that fails to start.

#include <optional>
#include <string>

#include "venom/model_types.hpp"
#include "venom/result.hpp"

namespace venom {

struct VllmLaunch {
    std::string model_path;                // VLLM_MODEL_PATH: snapshot folder or .gguf file
    std::optional<std::string> tokenizer;  // VLLM_TOKENIZER (--tokenizer), GGUF only
};

// vLLM docs/features/quantization/gguf.md: vLLM loads a GGUF model only from a single local
// file (split files must be merged with gguf-split first), and its tokenizer should come from the
// base model's repo. So for a Hugging Face install whose weight is a GGUF file: one file and a
// known base model (the repo card's base_model) give the file and the tokenizer; a gguf-split
// set or an unknown base model is 400 gguf_not_servable_by_vllm naming the Ollama model to use
// instead (hf.co/org/repo:QUANT). 404 model_not_found when the snapshot is not on disk. Pure
// apart from one stat of the snapshot.
Result<VllmLaunch> vllm_launch_for(const ModelMetadata& model);

}  // namespace venom

#pragma once
// The records the registry keeps about models, with the spec's field names and defaults
// (spec/MODEL_MANAGEMENT.md "Manifest System", venom-python.md §2.2 and §2.4).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "venom/runtime.hpp"

namespace venom {

struct ModelCapabilities {
    bool supports_system_role = true;
    bool supports_function_calling = false;
    std::vector<std::string> allowed_roles = {"system", "user", "assistant"};
    std::optional<std::string> prompt_template;
    int64_t max_context_length = 4096;
    std::optional<std::string> quantization;
    // What the upstream says the model can do, in its words and order (Ollama's /api/show
    // "capabilities": completion, tools, vision, thinking, embedding, insert, ...); omitted from
    // the manifest and the API's answer when empty.
    std::vector<std::string> features;
    // Per-parameter generation schema; kept as JSON because the panel reads it as-is and
    // it is omitted from the manifest and the API's answer when empty.
    nlohmann::json generation_schema;
};

struct ModelMetadata {
    std::string name;
    std::string provider;  // "ollama", "huggingface", ...
    std::string display_name;
    std::optional<double> size_gb;
    std::string status = "installed";  // available|downloading|installed|failed|removing
    ModelCapabilities capabilities;
    std::optional<std::string> local_path;
    std::optional<std::string> sha256;
    std::optional<std::string> installed_at;  // RFC 3339 UTC
    // The runtime's JSON spelling as the manifest stores it: text, because a manifest written
    // by another implementation may name one this version does not run (the Python one's
    // "onnx"), and it is written back unchanged. Decisions parse it with parse_runtime.
    std::string runtime{to_string(Runtime::vllm)};
    // Keys of a manifest entry this version does not know; written back unchanged so an older
    // daemon never drops what a newer one stored.
    nlohmann::json extra = nlohmann::json::object();
};

// The manifest's form of a model and its capabilities (manifest.json, spec "Manifest System").
// What the API answers is in src/api/json/model_json.hpp: today the capabilities are written
// the same way in both, but each can change without the other.
nlohmann::json to_json(const ModelCapabilities& caps);
// Missing keys take the defaults above; ill-typed keys are an error (std::invalid_argument).
ModelCapabilities capabilities_from_json(const nlohmann::json& j);

// The manifest entry: `extra` first, then the known keys over it.
nlohmann::json to_json(const ModelMetadata& model);
// Throws std::invalid_argument naming the field when `name` or `provider` is missing or a field
// has the wrong type.
ModelMetadata model_from_json(const nlohmann::json& j);

}  // namespace venom

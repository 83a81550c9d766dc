#pragma once
// What the API answers for a model: an entry of the installed list (GET /api/v1/models, also
// under "providers"), its capabilities (GET /api/v1/models/{name}/capabilities) and a catalog
// entry (GET /api/v1/models/providers, /models/trending, /models/search). The manifest keeps
// its own form of a model and its capabilities (venom/model_types.hpp), so each can change
// without the other.

#include <nlohmann/json.hpp>
#include <string>

#include "venom/model_provider.hpp"
#include "venom/model_types.hpp"

namespace venom::api {

// {name, display_name, provider, runtime, size_gb, status, active, source, installed_at}, plus
// files_missing: true (status then "broken") when its files are gone, and the manifest's
// remote_host (Ollama cloud stubs) and verified (found in the shared Hub cache) when it has
// them. `source` is "manifest", or the provider that lists a model venomd did not install.
nlohmann::json installed_model_json(const ModelMetadata& model, bool active, bool files_missing,
                                    const std::string& source);

// {supports_system_role, supports_function_calling, allowed_roles, prompt_template,
// max_context_length, quantization}, plus features and generation_schema when not empty.
nlohmann::json capabilities_json(const ModelCapabilities& caps);

// {provider, model_name, display_name, size_gb, runtime, tags, downloads, likes}, plus gated
// when the source says.
nlohmann::json catalog_entry_json(const CatalogEntry& entry);

}  // namespace venom::api

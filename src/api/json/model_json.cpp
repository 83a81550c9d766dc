#include "api/json/model_json.hpp"

#include "venom/json_nullable.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

}  // namespace

json installed_model_json(const ModelMetadata& m, bool active, bool files_missing,
                          const std::string& source) {
    json entry = {
        {"name", m.name},
        {"display_name", m.display_name},
        {"provider", m.provider},
        {"runtime", m.runtime},
        {"size_gb", nullable(m.size_gb)},
        {"status", files_missing ? std::string("broken") : m.status},
        {"active", active},
        {"source", source},
        {"installed_at", nullable(m.installed_at)},
    };
    if (files_missing) entry["files_missing"] = true;
    if (auto it = m.extra.find("remote_host"); it != m.extra.end()) entry["remote_host"] = *it;
    if (auto it = m.extra.find("verified"); it != m.extra.end()) entry["verified"] = *it;
    return entry;
}

json capabilities_json(const ModelCapabilities& caps) {
    json j = {
        {"supports_system_role", caps.supports_system_role},
        {"supports_function_calling", caps.supports_function_calling},
        {"allowed_roles", caps.allowed_roles},
        {"prompt_template", nullable(caps.prompt_template)},
        {"max_context_length", caps.max_context_length},
        {"quantization", nullable(caps.quantization)},
    };
    if (!caps.features.empty()) j["features"] = caps.features;
    if (caps.generation_schema.is_object() && !caps.generation_schema.empty()) {
        j["generation_schema"] = caps.generation_schema;
    }
    return j;
}

json catalog_entry_json(const CatalogEntry& e) {
    json j = {{"provider", e.provider},
              {"model_name", e.model_name},
              {"display_name", e.display_name},
              {"size_gb", nullable(e.size_gb)},
              {"runtime", e.runtime},
              {"tags", e.tags},
              {"downloads", nullable(e.downloads)},
              {"likes", nullable(e.likes)}};
    if (!e.gated.is_null()) j["gated"] = e.gated;
    return j;
}

}  // namespace venom::api

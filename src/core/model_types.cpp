#include "venom/model_types.hpp"

#include <stdexcept>

#include "venom/json_nullable.hpp"

namespace venom {
namespace {

using nlohmann::json;

template <typename T>
T field_or(const json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw std::invalid_argument(std::string("field '") + key + "' has the wrong type");
    }
}

template <typename T>
std::optional<T> optional_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw std::invalid_argument(std::string("field '") + key + "' has the wrong type");
    }
}

const char* const kModelKeys[] = {"name",         "provider",     "display_name", "size_gb",
                                  "status",       "capabilities", "local_path",   "sha256",
                                  "installed_at", "runtime"};

}  // namespace

json to_json(const ModelCapabilities& caps) {
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

ModelCapabilities capabilities_from_json(const json& j) {
    ModelCapabilities caps;
    if (!j.is_object()) throw std::invalid_argument("field 'capabilities' must be an object");
    caps.supports_system_role = field_or(j, "supports_system_role", caps.supports_system_role);
    caps.supports_function_calling =
        field_or(j, "supports_function_calling", caps.supports_function_calling);
    caps.allowed_roles = field_or(j, "allowed_roles", caps.allowed_roles);
    caps.prompt_template = optional_field<std::string>(j, "prompt_template");
    caps.max_context_length = field_or(j, "max_context_length", caps.max_context_length);
    caps.quantization = optional_field<std::string>(j, "quantization");
    caps.features = field_or(j, "features", caps.features);
    if (auto it = j.find("generation_schema"); it != j.end() && it->is_object()) {
        caps.generation_schema = *it;
    }
    return caps;
}

json to_json(const ModelMetadata& m) {
    json j = m.extra.is_object() ? m.extra : json::object();
    j["name"] = m.name;
    j["provider"] = m.provider;
    j["display_name"] = m.display_name;
    j["size_gb"] = nullable(m.size_gb);
    j["status"] = m.status;
    j["capabilities"] = to_json(m.capabilities);
    j["local_path"] = nullable(m.local_path);
    j["sha256"] = nullable(m.sha256);
    j["installed_at"] = nullable(m.installed_at);
    j["runtime"] = m.runtime;
    return j;
}

ModelMetadata model_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("model entry must be an object");
    ModelMetadata m;
    m.name = field_or<std::string>(j, "name", "");
    m.provider = field_or<std::string>(j, "provider", "");
    if (m.name.empty()) throw std::invalid_argument("model entry has no 'name'");
    if (m.provider.empty()) throw std::invalid_argument("model '" + m.name + "' has no 'provider'");
    m.display_name = field_or<std::string>(j, "display_name", m.name);
    m.size_gb = optional_field<double>(j, "size_gb");
    m.status = field_or<std::string>(j, "status", "available");
    if (auto it = j.find("capabilities"); it != j.end() && !it->is_null()) {
        m.capabilities = capabilities_from_json(*it);
    }
    m.local_path = optional_field<std::string>(j, "local_path");
    m.sha256 = optional_field<std::string>(j, "sha256");
    m.installed_at = optional_field<std::string>(j, "installed_at");
    m.runtime = field_or<std::string>(j, "runtime", std::string(to_string(Runtime::vllm)));
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool known = false;
        for (const char* key : kModelKeys) known = known || it.key() == key;
        if (!known) m.extra[it.key()] = it.value();
    }
    return m;
}

}  // namespace venom

#include "providers/ollama/capabilities.hpp"

#include "providers/chat_template.hpp"
#include "venom/json_field_reader.hpp"

namespace venom::providers {

using nlohmann::json;

ModelCapabilities capabilities_from_show(const json& show) {
    ModelCapabilities caps;
    const json empty = json::object();
    const json& info =
        show.contains("model_info") && show["model_info"].is_object() ? show["model_info"] : empty;
    const json& details =
        show.contains("details") && show["details"].is_object() ? show["details"] : empty;

    if (auto arch = info.find("general.architecture"); arch != info.end() && arch->is_string()) {
        auto ctx = info.find(arch->get<std::string>() + ".context_length");
        if (ctx != info.end() && ctx->is_number_integer()) {
            if (auto n = as_signed(*ctx); n && *n > 0) caps.max_context_length = *n;
        }
    }
    if (caps.max_context_length == ModelCapabilities{}.max_context_length) {
        if (auto ctx = details.find("context_length");
            ctx != details.end() && ctx->is_number_integer()) {
            if (auto n = as_signed(*ctx); n && *n > 0) caps.max_context_length = *n;
        }
    }
    if (auto q = details.find("quantization_level"); q != details.end() && q->is_string()) {
        std::string level = q->get<std::string>();
        if (!level.empty() && level != "unknown") caps.quantization = level;
    }
    std::string chat_template;
    if (auto t = show.find("template"); t != show.end() && t->is_string()) {
        chat_template = t->get<std::string>();
        if (!chat_template.empty()) caps.prompt_template = chat_template;
    }
    // ollama/ollama types/model/capability.go: completion, tools, insert, vision, embedding,
    // thinking, ... kept as reported; "tools" is what function calling means.
    if (auto c = show.find("capabilities"); c != show.end() && c->is_array()) {
        for (const auto& item : *c) {
            if (!item.is_string()) continue;
            caps.features.push_back(item.get<std::string>());
            if (item == "tools") caps.supports_function_calling = true;
        }
    }
    caps.supports_system_role = template_renders_system(chat_template);
    caps.allowed_roles = caps.supports_system_role
                             ? std::vector<std::string>{"system", "user", "assistant"}
                             : std::vector<std::string>{"user", "assistant"};
    return caps;
}

}  // namespace venom::providers

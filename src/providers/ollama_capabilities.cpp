#include "providers/ollama_capabilities.hpp"

#include <regex>

namespace venom::providers {

using nlohmann::json;

bool template_renders_system(const std::string& t) {
    if (t.empty()) return true;  // no template: Ollama passes the prompt through unchanged
    // A system turn shows in the template's literal text (outside {{ }} actions) as a role
    // marker: "<|start_header_id|>system", "<|im_start|>system", "<|system|>", "<<SYS>>".
    // Gemma and Mistral templates print {{ .System }} inside the user turn instead, so
    // mentioning .System is not enough.
    static const std::regex actions(R"(\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\})");
    static const std::regex system_marker(R"(system|<<SYS>>)", std::regex::icase);
    if (std::regex_search(std::regex_replace(t, actions, " "), system_marker)) return true;
    // Go templates that print the role of each message ({{ .Role }}), or branch on the system
    // role alone ({{ if eq .Role "system" }}, not inside an "or" with "user").
    static const std::regex go_role(R"(\{\{-?\s*\.Role\s*-?\}\})");
    static const std::regex go_branch(R"(if\s+eq\s+\.Role\s+"system"\s*-?\}\})");
    if (std::regex_search(t, go_role) || std::regex_search(t, go_branch)) return true;
    // Jinja (native chat templates): a branch for the system role, or every message's role
    // printed, unless the template refuses system messages outright (Gemma's do).
    static const std::regex jinja_branch(R"(role['"]?\]?\s*==\s*['"]system['"])");
    static const std::regex jinja_any_role(R"(message(\[['"]role['"]\]|\.role))");
    static const std::regex jinja_refuses(R"(raise_exception\([^)]*[Ss]ystem)");
    if (std::regex_search(t, jinja_refuses)) return false;
    return std::regex_search(t, jinja_branch) || std::regex_search(t, jinja_any_role);
}

ModelCapabilities capabilities_from_show(const json& show) {
    ModelCapabilities caps;
    const json empty = json::object();
    const json& info = show.contains("model_info") && show["model_info"].is_object()
                           ? show["model_info"]
                           : empty;
    const json& details =
        show.contains("details") && show["details"].is_object() ? show["details"] : empty;

    if (auto arch = info.find("general.architecture"); arch != info.end() && arch->is_string()) {
        auto ctx = info.find(arch->get<std::string>() + ".context_length");
        if (ctx != info.end() && ctx->is_number_integer()) {
            caps.max_context_length = ctx->get<int64_t>();
        }
    }
    if (caps.max_context_length == ModelCapabilities{}.max_context_length) {
        if (auto ctx = details.find("context_length");
            ctx != details.end() && ctx->is_number_integer()) {
            caps.max_context_length = ctx->get<int64_t>();
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
    if (auto c = show.find("capabilities"); c != show.end() && c->is_array()) {
        for (const auto& item : *c) {
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

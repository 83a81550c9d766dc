#include "providers/chat_template.hpp"

#include <regex>

namespace venom::providers {

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

bool template_handles_tools(const std::string& t) {
    static const std::regex tools(R"(\btools\b|\.Tools\b)");
    return std::regex_search(t, tools);
}

}  // namespace venom::providers

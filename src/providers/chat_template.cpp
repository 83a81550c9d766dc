#include "providers/chat_template.hpp"

#include <cctype>
#include <string_view>

// Templates come from files anyone can publish (a Hub repo, a GGUF header, an Ollama model), so
// every check here is a linear scan: std::regex recurses per character and overflows the stack
// on a long template.

namespace venom::providers {
namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_word(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::size_t skip_spaces(std::string_view t, std::size_t i) {
    while (i < t.size() && is_space(t[i])) ++i;
    return i;
}

// `word` at `i`; the index after it, or npos.
std::size_t expect(std::string_view t, std::size_t i, std::string_view word) {
    return t.substr(i, word.size()) == word ? i + word.size() : std::string_view::npos;
}

std::string lower(std::string_view t) {
    std::string out(t);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The template's literal text: every {{ ... }} and {% ... %} action replaced by a space.
std::string literal_text(std::string_view t) {
    std::string out;
    out.reserve(t.size());
    std::size_t i = 0;
    while (i < t.size()) {
        if (i + 1 < t.size() && t[i] == '{' && (t[i + 1] == '{' || t[i + 1] == '%')) {
            const std::string_view close = t[i + 1] == '{' ? "}}" : "%}";
            const std::size_t end = t.find(close, i + 2);
            if (end != std::string_view::npos) {
                out += ' ';
                i = end + 2;
                continue;
            }
        }
        out += t[i++];
    }
    return out;
}

// {{ .Role }}, {{- .Role -}}: the role of each message printed (Go templates).
bool prints_go_role(std::string_view t) {
    for (std::size_t at = t.find("{{"); at != std::string_view::npos; at = t.find("{{", at + 2)) {
        std::size_t i = at + 2;
        if (i < t.size() && t[i] == '-') ++i;
        i = expect(t, skip_spaces(t, i), ".Role");
        if (i == std::string_view::npos) continue;
        i = skip_spaces(t, i);
        if (i < t.size() && t[i] == '-') ++i;
        if (expect(t, i, "}}") != std::string_view::npos) return true;
    }
    return false;
}

// if eq .Role "system" }}: a branch for the system role alone (Go templates).
bool branches_go_system(std::string_view t) {
    for (std::size_t at = t.find("if"); at != std::string_view::npos; at = t.find("if", at + 2)) {
        std::size_t i = at + 2;
        if (i >= t.size() || !is_space(t[i])) continue;
        for (std::string_view word : {"eq", ".Role", "\"system\""}) {
            const std::size_t from = skip_spaces(t, i);
            if (word != "eq" && from == i) i = std::string_view::npos;  // \s+ before each
            if (i == std::string_view::npos) break;
            i = expect(t, from, word);
            if (i == std::string_view::npos) break;
        }
        if (i == std::string_view::npos) continue;
        i = skip_spaces(t, i);
        if (i < t.size() && t[i] == '-') ++i;
        if (expect(t, i, "}}") != std::string_view::npos) return true;
    }
    return false;
}

// role == 'system', role'] == "system", role"]=="system": a branch for the system role (Jinja).
bool branches_jinja_system(std::string_view t) {
    for (std::size_t at = t.find("role"); at != std::string_view::npos;
         at = t.find("role", at + 4)) {
        std::size_t i = at + 4;
        if (i < t.size() && (t[i] == '\'' || t[i] == '"')) ++i;
        if (i < t.size() && t[i] == ']') ++i;
        i = expect(t, skip_spaces(t, i), "==");
        if (i == std::string_view::npos) continue;
        i = skip_spaces(t, i);
        if (i >= t.size() || (t[i] != '\'' && t[i] != '"')) continue;
        i = expect(t, i + 1, "system");
        if (i != std::string_view::npos && i < t.size() && (t[i] == '\'' || t[i] == '"')) {
            return true;
        }
    }
    return false;
}

// message['role'], message["role"], message.role: every message's role printed (Jinja).
bool prints_jinja_role(std::string_view t) {
    for (std::string_view form : {"message['role']", "message[\"role\"]", "message.role"}) {
        if (t.find(form) != std::string_view::npos) return true;
    }
    return false;
}

// raise_exception(... System ...): the template refuses system messages (Gemma's do).
bool refuses_system(std::string_view t) {
    for (std::size_t at = t.find("raise_exception("); at != std::string_view::npos;
         at = t.find("raise_exception(", at + 1)) {
        const std::size_t end = t.find(')', at);
        const std::string_view args = t.substr(at, end == std::string_view::npos ? end : end - at);
        if (args.find("System") != std::string_view::npos ||
            args.find("system") != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

// `word` standing alone (not inside a longer identifier) somewhere in `t`.
bool has_word(std::string_view t, std::string_view word) {
    for (std::size_t at = t.find(word); at != std::string_view::npos; at = t.find(word, at + 1)) {
        const bool starts = at == 0 || !is_word(t[at - 1]) || word.front() == '.';
        const std::size_t after = at + word.size();
        if (starts && (after >= t.size() || !is_word(t[after]))) return true;
    }
    return false;
}

}  // namespace

bool template_renders_system(const std::string& t) {
    if (t.empty()) return true;  // no template: Ollama passes the prompt through unchanged
    // A system turn shows in the template's literal text (outside {{ }} actions) as a role
    // marker: "<|start_header_id|>system", "<|im_start|>system", "<|system|>", "<<SYS>>".
    // Gemma and Mistral templates print {{ .System }} inside the user turn instead, so
    // mentioning .System is not enough.
    const std::string literal = lower(literal_text(t));
    if (literal.find("system") != std::string::npos ||
        literal.find("<<sys>>") != std::string::npos) {
        return true;
    }
    // Go templates that print the role of each message ({{ .Role }}), or branch on the system
    // role alone ({{ if eq .Role "system" }}, not inside an "or" with "user").
    if (prints_go_role(t) || branches_go_system(t)) return true;
    // Jinja (native chat templates): a branch for the system role, or every message's role
    // printed, unless the template refuses system messages outright (Gemma's do).
    if (refuses_system(t)) return false;
    return branches_jinja_system(t) || prints_jinja_role(t);
}

bool template_handles_tools(const std::string& t) {
    return has_word(t, "tools") || has_word(t, ".Tools");
}

}  // namespace venom::providers

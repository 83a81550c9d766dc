#include "venom/ollama_name.hpp"

#include "venom/text.hpp"

namespace venom {
namespace {

// ollama/ollama types/model/name.go: defaultHost, defaultNamespace, defaultTag.
constexpr std::string_view kDefaultHost = "registry.ollama.ai";
constexpr std::string_view kDefaultNamespace = "library";
constexpr std::string_view kDefaultTag = "latest";

enum class Part { host, namespace_, model, tag };

const char* part_name(Part part) {
    switch (part) {
        case Part::host:
            return "host";
        case Part::namespace_:
            return "namespace";
        case Part::model:
            return "model";
        case Part::tag:
            return "tag";
    }
    return "part";
}

bool alnum_or_underscore(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// name.go isValidLen and isValidPart.
Result<void> check_part(Part part, std::string_view s) {
    const std::size_t max = part == Part::host ? 350 : 80;
    std::string why;
    if (s.empty()) {
        why = "is empty";
    } else if (s.size() > max) {
        why = "is longer than " + std::to_string(max) + " characters";
    } else if (!alnum_or_underscore(s.front())) {
        why.append("'").append(s).append("' must start with a letter, a digit or '_'");
    } else {
        for (char c : s.substr(1)) {
            if (alnum_or_underscore(c) || c == '-') continue;
            if (c == '.' && part != Part::namespace_) continue;
            if (c == ':' && part == Part::host) continue;
            why.append("'").append(s).append("' may not contain '").append(1, c).append("'");
            break;
        }
    }
    if (why.empty()) return {};
    std::string message = "Invalid Ollama model name: the ";
    message.append(part_name(part)).append(" ").append(why);
    return make_error(400, "invalid_model_name", std::move(message));
}

bool equal_fold(std::string_view a, std::string_view b) {
    return to_lower(std::string(a)) == to_lower(std::string(b));
}

}  // namespace

Result<std::string> ollama_display_name(std::string_view name) {
    // name.go ParseNameBare: the tag is what follows the last ':' when no '/' comes after it
    // (so "host:port/ns/model" keeps its port), then parts are cut at '/' from the right. Names
    // with a kind part (skill/agent/mcp) are not models venomd runs, so four parts are refused.
    std::string_view rest = name;
    std::string_view tag;
    const auto colon = rest.rfind(':');
    const auto last_slash = rest.rfind('/');
    if (colon != std::string_view::npos &&
        (last_slash == std::string_view::npos || colon > last_slash)) {
        tag = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
        if (auto ok = check_part(Part::tag, tag); !ok) return ok.error();
    }
    std::string_view host, ns, model;
    const auto slash2 = rest.rfind('/');
    if (slash2 == std::string_view::npos) {
        model = rest;
    } else {
        model = rest.substr(slash2 + 1);
        rest = rest.substr(0, slash2);
        const auto slash1 = rest.rfind('/');
        if (slash1 == std::string_view::npos) {
            ns = rest;
        } else {
            ns = rest.substr(slash1 + 1);
            host = rest.substr(0, slash1);
            if (host.find('/') != std::string_view::npos) {
                return make_error(400, "invalid_model_name",
                                  "Invalid Ollama model name: use model[:tag], "
                                  "namespace/model[:tag] or host/namespace/model[:tag]");
            }
            if (auto ok = check_part(Part::host, host); !ok) return ok.error();
        }
        if (auto ok = check_part(Part::namespace_, ns); !ok) return ok.error();
    }
    if (auto ok = check_part(Part::model, model); !ok) return ok.error();

    // name.go DisplayShortest: the host is shown unless it is the default one, and then the
    // namespace is shown too; otherwise the namespace is shown unless it is "library".
    std::string out;
    if (!host.empty() && !equal_fold(host, kDefaultHost)) {
        out.append(host).append("/").append(ns.empty() ? kDefaultNamespace : ns).append("/");
    } else if (!ns.empty() && !equal_fold(ns, kDefaultNamespace)) {
        out.append(ns).append("/");
    }
    out.append(model).append(":").append(tag.empty() ? kDefaultTag : tag);
    return out;
}

bool same_ollama_name(std::string_view a, std::string_view b) {
    auto display = [](std::string_view n) {
        auto shown = ollama_display_name(n);
        return to_lower(shown ? *shown : std::string(n));
    };
    return display(a) == display(b);
}

}  // namespace venom

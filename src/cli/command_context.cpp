#include "cli/command_context.hpp"

#include <cstdio>

namespace venom::cli {

int CommandContext::fail(const ApiResponse& response) const {
    if (!response.reached()) {
        std::fprintf(stderr, "venomctl: cannot reach venomd at %s: %s\n", client.base_url().c_str(),
                     response.transport_error.c_str());
        return kExitUnreachable;
    }
    if (json) print_body(response);
    const nlohmann::json body = response.json();
    const std::string detail = text_of(body, "detail");
    const std::string code = text_of(body, "code");
    if (!detail.empty() || !code.empty()) {
        std::fprintf(stderr, "venomctl: %s (%s)\n", detail.c_str(), code.c_str());
    } else {
        std::fprintf(stderr, "venomctl: venomd answered HTTP %ld\n", response.status);
    }
    return kExitRefused;
}

void CommandContext::print_body(const ApiResponse& response) const {
    std::fputs(response.body.c_str(), stdout);
    if (response.body.empty() || response.body.back() != '\n') std::fputc('\n', stdout);
    std::fflush(stdout);
}

int CommandContext::show(const ApiResponse& response,
                         const std::function<void(const nlohmann::json&)>& print) const {
    if (!response.ok()) return fail(response);
    if (json) {
        print_body(response);
    } else {
        print(response.json());
    }
    return kExitOk;
}

std::string text_of(const nlohmann::json& object, const char* key, const std::string& fallback) {
    if (!object.is_object()) return fallback;
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? printable(it->get<std::string>()) : fallback;
}

std::string printable(std::string text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            text[i] = ' ';
        } else if (c == 0xc2 && i + 1 < text.size() &&
                   (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
            text[i] = ' ';  // U+0080..U+009F, the C1 controls (CSI among them) in UTF-8
            text[++i] = ' ';
        }
    }
    return text;
}

}  // namespace venom::cli

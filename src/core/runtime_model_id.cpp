#include "venom/runtime_model_id.hpp"

#include <string>

namespace venom {
namespace {

constexpr std::size_t kMaxIdLength = 256;

bool is_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_allowed(unsigned char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@' ||
           c == '+';
}

Error invalid(const std::string& reason) {
    return make_error(400, "invalid_model_name", "Invalid model id: " + reason);
}

}  // namespace

Result<void> validate_runtime_model_id(std::string_view id) {
    if (id.empty()) return invalid("it is empty");
    if (id.size() > kMaxIdLength) {
        return invalid("it is longer than " + std::to_string(kMaxIdLength) + " characters");
    }
    for (unsigned char c : id) {
        if (c < 0x20 || c == 0x7f) return invalid("it contains a control character");
        if (!is_allowed(c)) {
            return invalid(c >= 0x80 ? std::string("only ASCII characters are allowed")
                                     : std::string("character '") + static_cast<char>(c) +
                                           "' is not allowed (use letters, digits and . _ - : / "
                                           "@ +)");
        }
    }
    if (!is_alnum(static_cast<unsigned char>(id.front()))) {
        return invalid("it must start with a letter or a digit");
    }
    if (id == ".." || id.find("/../") != std::string_view::npos || id.rfind("../", 0) == 0 ||
        (id.size() >= 3 && id.substr(id.size() - 3) == "/..")) {
        return invalid("it has a '..' segment");
    }
    return {};
}

}  // namespace venom

#include "venom/model_name.hpp"

namespace venom {
namespace {

constexpr std::size_t kMaxNameLength = 200;

bool is_allowed_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || c == '/';
}

Error invalid(std::string reason) {
    return make_error(400, "invalid_model_name", "Invalid model name: " + reason);
}

}  // namespace

Result<void> validate_model_name(std::string_view name) {
    if (name.empty()) return invalid("it is empty");
    if (name.size() > kMaxNameLength) {
        return invalid("it is longer than " + std::to_string(kMaxNameLength) + " characters");
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return invalid("it contains a control character");
        if (c >= 0x80) return invalid("only ASCII letters, digits and _ - . : / are allowed");
        if (!is_allowed_char(c)) {
            return invalid(std::string("character '") + static_cast<char>(c) +
                           "' is not allowed (use letters, digits and _ - . : /)");
        }
    }
    if (name.front() == '/') return invalid("it starts with '/'");
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('/', start);
        if (end == std::string_view::npos) end = name.size();
        std::string_view segment = name.substr(start, end - start);
        if (segment.empty()) return invalid("it has an empty path segment");
        if (segment == "..") return invalid("it has a '..' segment");
        if (segment == ".") return invalid("it has a '.' segment");
        start = end + 1;
    }
    return {};
}

Result<std::filesystem::path> path_inside(const std::filesystem::path& base,
                                          std::string_view relative) {
    namespace fs = std::filesystem;
    const fs::path rel{std::string(relative)};
    if (rel.is_absolute()) {
        return make_error(400, "unsafe_path", "Path must be relative to the models directory");
    }
    fs::path root = base.lexically_normal();
    if (!root.has_filename()) root = root.parent_path();  // "models/" -> "models"
    fs::path joined = (root / rel).lexically_normal();
    if (!joined.has_filename()) joined = joined.parent_path();
    // Compare component-wise: a string prefix check would accept "models-evil" for "models".
    auto j = joined.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++j) {
        if (j == joined.end() || *r != *j) {
            return make_error(400, "unsafe_path", "Path escapes the models directory");
        }
    }
    if (j == joined.end()) {
        return make_error(400, "unsafe_path", "Path names the models directory itself");
    }
    return joined;
}

}  // namespace venom

#include "providers/huggingface/hub_ids.hpp"

#include <cstdio>

namespace venom::providers {
namespace {

bool lower_hex(std::string_view id, std::size_t length) {
    if (id.size() != length) return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

constexpr std::size_t kMaxRepoPath = 1024;

}  // namespace

bool is_git_sha1(std::string_view id) {
    return lower_hex(id, 40);
}

bool is_sha256_hex(std::string_view id) {
    return lower_hex(id, 64);
}

bool is_safe_repo_path(std::string_view path) {
    if (path.empty() || path.size() > kMaxRepoPath || path.front() == '/') return false;
    for (unsigned char c : path) {
        if (c < 0x20 || c == 0x7f || c == '\\') return false;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = path.find('/', start);
        const std::string_view segment = path.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

Error invalid_upstream_id(std::string_view field, std::string_view value, std::string_view what) {
    std::string shown;
    for (unsigned char c : value.substr(0, 120)) {
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            shown += buf;
        } else {
            shown += static_cast<char>(c);
        }
    }
    if (value.size() > 120) shown += "...";
    return make_error(502, "upstream_error",
                      "The Hub sent an invalid " + std::string(field) + " for " +
                          std::string(what) + ": \"" + shown + "\"; nothing was installed");
}

}  // namespace venom::providers

#include "api/request_policy.hpp"

#include <algorithm>
#include <cctype>

#include "venom/text.hpp"

namespace venom::api {
namespace {

std::string lower(std::string_view text) {
    return to_lower(std::string(text));
}

std::string trimmed(std::string_view text) {
    return trim(std::string(text));
}

bool is_ipv4_literal(std::string_view host) {
    int parts = 0;
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = host.find('.', start);
        if (end == std::string_view::npos) end = host.size();
        const std::string_view part = host.substr(start, end - start);
        if (part.empty() || part.size() > 3 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string(part)) > 255) {
            return false;
        }
        ++parts;
        start = end + 1;
    }
    return parts == 4;
}

bool is_ipv6_literal(std::string_view host) {
    return host.find(':') != std::string_view::npos &&
           std::all_of(host.begin(), host.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
           });
}

bool is_loopback_name(std::string_view host) {
    return host == "localhost" || host == "::1" ||
           (host.rfind("127.", 0) == 0 && is_ipv4_literal(host));
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string host_of(std::string_view value) {
    const std::string text = trimmed(value);
    value = text;
    std::string_view host;
    if (!value.empty() && value.front() == '[') {
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos) return {};
        host = value.substr(1, close - 1);
        const std::string_view rest = value.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return {};
    } else {
        if (std::count(value.begin(), value.end(), ':') > 1) return {};  // unbracketed IPv6
        host = value.substr(0, value.find(':'));
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    const bool clean = std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' ||
               c == '_';
    });
    return clean ? lower(host) : std::string{};
}

bool host_allowed(const RequestPolicy& policy, std::string_view host_header) {
    if (trimmed(host_header).empty()) return true;
    const std::string host = host_of(host_header);
    if (host.empty()) return false;
    return is_loopback_name(host) || is_ipv4_literal(host) || is_ipv6_literal(host) ||
           listed(policy.allowed_hosts, host) || listed(policy.allowed_hosts, "*");
}

bool cors_origin(const RequestPolicy& policy, std::string_view origin) {
    const std::string wanted = lower(trimmed(origin));
    return std::any_of(policy.cors_origins.begin(), policy.cors_origins.end(),
                       [&](const std::string& o) { return lower(o) == wanted; });
}

bool origin_allowed(const RequestPolicy& policy, std::string_view origin,
                    std::string_view host_header) {
    const std::string text = trimmed(origin);
    origin = text;
    if (cors_origin(policy, origin)) return true;
    const std::size_t scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos) return false;  // "null", garbage
    const std::string scheme = lower(origin.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return false;
    const std::string_view authority = origin.substr(scheme_end + 3);
    if (authority.find('/') != std::string_view::npos ||
        authority.find('@') != std::string_view::npos) {
        return false;
    }
    const std::string host = host_of(authority);
    if (host.empty()) return false;
    // Not every IP literal here: a page served from an attacker's address is an attacker's page.
    if (is_loopback_name(host) || listed(policy.allowed_hosts, host)) return true;
    return lower(authority) == lower(trimmed(host_header));  // same origin as the request
}

bool is_json_content_type(std::string_view content_type) {
    return lower(trimmed(content_type.substr(0, content_type.find(';')))) == "application/json";
}

}  // namespace venom::api

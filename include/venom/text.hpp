#pragma once
// Small ASCII string helpers shared by the daemon's parts (names, URLs, script output). Pure.

#include <cctype>
#include <string>
#include <string_view>

namespace venom {

// ASCII only, whatever the locale; inline, not a libc call per character (header lookups run
// several times per request).
constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string to_lower(std::string s) {
    for (char& c : s) c = ascii_lower(c);
    return s;
}

// Equal when compared without regard to ASCII case (header names, tokens).
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// Without leading and trailing spaces, tabs and line ends.
inline std::string trim(std::string s) {
    const char* space = " \t\r\n";
    s.erase(0, s.find_first_not_of(space));
    s.erase(s.find_last_not_of(space) + 1);
    return s;
}

// At most about `max` bytes of `text`: its head and its tail with "[...]" between (a script's
// output: the head says what happened, the tail holds the last log lines).
inline std::string head_and_tail(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    return text.substr(0, max / 2) + "\n[...]\n" + text.substr(text.size() - max / 2);
}

// "http://host/v1/" -> "http://host/v1", so paths can be appended with "/".
inline std::string strip_trailing_slashes(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

}  // namespace venom

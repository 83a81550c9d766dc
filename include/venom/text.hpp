#pragma once
// Small ASCII string helpers shared by the daemon's parts (names, URLs, script output). Pure.

#include <cctype>
#include <string>

namespace venom {

inline std::string to_lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Without leading and trailing spaces, tabs and line ends.
inline std::string trim(std::string s) {
    const char* space = " \t\r\n";
    s.erase(0, s.find_first_not_of(space));
    s.erase(s.find_last_not_of(space) + 1);
    return s;
}

// "http://host/v1/" -> "http://host/v1", so paths can be appended with "/".
inline std::string strip_trailing_slashes(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

}  // namespace venom

#include "cli/human_format.hpp"

#include <cmath>
#include <cstdio>

namespace venom::cli {

std::string human_bytes(double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024.0 && unit < 4) {
        bytes /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
    return text;
}

std::string human_gib(double gib) {
    if (gib < 0) return "-";
    return human_bytes(gib * 1024.0 * 1024.0 * 1024.0);
}

std::string human_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const auto total = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                      total % 60);
    } else {
        std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
    }
    return text;
}

std::string human_count(std::int64_t count) {
    char text[32];
    if (count >= 1'000'000'000) {
        std::snprintf(text, sizeof text, "%.1fB", static_cast<double>(count) / 1e9);
    } else if (count >= 1'000'000) {
        std::snprintf(text, sizeof text, "%.1fM", static_cast<double>(count) / 1e6);
    } else if (count >= 1'000) {
        std::snprintf(text, sizeof text, "%.1fK", static_cast<double>(count) / 1e3);
    } else {
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(count));
    }
    return text;
}

}  // namespace venom::cli

#include "venom/storage_quota.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace venom {
namespace {

std::string gb(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GB", value);
    return buf;
}

}  // namespace

uint64_t bytes_from_gb(double gb) {
    const double bytes = gb * kBytesPerGb;
    if (!(bytes > 0)) return 0;
    if (bytes >= 18446744073709551616.0) return UINT64_MAX;  // 2^64
    return static_cast<uint64_t>(bytes);
}

Result<void> check_storage_quota(const QuotaLimits& limits, const StorageFacts& facts,
                                 double additional_gb) {
    const double reserved_gb = static_cast<double>(facts.reserved_bytes) / kBytesPerGb;
    const double used_gb = static_cast<double>(facts.models_dir_bytes) / kBytesPerGb;
    const double free_gb =
        static_cast<double>(facts.fs_free_bytes -
                            std::min(facts.fs_free_bytes, facts.reserved_bytes)) /
        kBytesPerGb;
    const std::string running =
        facts.reserved_bytes > 0 ? " (plus " + gb(reserved_gb) + " for installs in progress)" : "";
    if (used_gb + reserved_gb + additional_gb > limits.max_storage_gb) {
        return make_error(507, "storage_quota_exceeded",
                          "Storage quota exceeded: models use " + gb(used_gb) + running +
                              ", this needs " + gb(additional_gb) +
                              " more, and MAX_STORAGE_GB allows " + gb(limits.max_storage_gb) +
                              ". Remove unused models or raise the limit.");
    }
    if (additional_gb > free_gb) {
        return make_error(507, "insufficient_disk_space",
                          "Not enough free disk space: this needs " + gb(additional_gb) +
                              " and the filesystem has " + gb(free_gb) + " free" + running + ".");
    }
    return {};
}

}  // namespace venom

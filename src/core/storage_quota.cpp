#include "venom/storage_quota.hpp"

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

Result<void> check_storage_quota(const QuotaLimits& limits, const StorageFacts& facts,
                                 double additional_gb) {
    const double used_gb = static_cast<double>(facts.models_dir_bytes) / kBytesPerGb;
    const double free_gb = static_cast<double>(facts.fs_free_bytes) / kBytesPerGb;
    if (used_gb + additional_gb > limits.max_storage_gb) {
        return make_error(507, "storage_quota_exceeded",
                          "Storage quota exceeded: models use " + gb(used_gb) + ", this needs " +
                              gb(additional_gb) + " more, and MAX_STORAGE_GB allows " +
                              gb(limits.max_storage_gb) +
                              ". Remove unused models or raise the limit.");
    }
    if (additional_gb > free_gb) {
        return make_error(507, "insufficient_disk_space",
                          "Not enough free disk space: this needs " + gb(additional_gb) +
                              " and the filesystem has " + gb(free_gb) + " free.");
    }
    return {};
}

}  // namespace venom

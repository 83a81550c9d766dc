#pragma once
// The storage quota ("Resource Guard"): an install may not push the models directory past
// MAX_STORAGE_GB, nor need more than the filesystem has free. Sizes in GB mean GiB (1024^3
// bytes), as the earlier implementation and the panel use them.

#include <cstdint>

#include "venom/result.hpp"

namespace venom {

constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;

// `gb` GiB in bytes, saturating: a size from an upstream or a config can be 1e300, and casting
// a double beyond uint64's range is undefined behaviour. NaN and negatives are 0.
uint64_t bytes_from_gb(double gb);

struct QuotaLimits {
    double max_storage_gb = 50.0;
    double default_model_size_gb = 4.0;  // estimate when a provider does not know the size
};

struct StorageFacts {
    uint64_t models_dir_bytes = 0;  // everything under the models directory
    uint64_t fs_free_bytes = 0;     // free space available to the daemon on that filesystem
    // Bytes that installs already running will still write (their plans, reserved until they
    // end): counted as used and as not free, so two installs cannot both take the last space.
    uint64_t reserved_bytes = 0;
};

// Ok when `additional_gb` more fits both limits; otherwise 507 storage_quota_exceeded with a
// message saying how much is used, needed and allowed. Pure.
Result<void> check_storage_quota(const QuotaLimits& limits, const StorageFacts& facts,
                                 double additional_gb);

}  // namespace venom

#pragma once
// What the API answers about the machine's resources, from the background sampler's last
// sample: the "usage" object of GET /api/v1/models/usage and the body of
// GET /api/v1/system/storage.

#include <cstddef>
#include <nlohmann/json.hpp>

#include "venom/usage_sampler.hpp"

namespace venom::api {

// The spec's usage fields: disk_usage_gb, disk_limit_gb, disk_usage_percent,
// disk_system_{total_gb,used_gb,usage_percent}, cpu_usage_percent,
// memory_{total_gb,used_gb,usage_percent}, gpu_usage_percent, vram_{usage_mb,total_mb,
// usage_percent}, models_count. Figures rounded to two decimals; null when unknown (no GPU,
// no second /proc/stat reading, a zero total).
nlohmann::json usage_json(const UsageSnapshot& s, double disk_limit_gb, std::size_t models_count);

// {refreshed_at (null before the first measurement), models_dir_bytes, disk and disk_root
// ({total_bytes, used_bytes, free_bytes} of the models' filesystem and of "/"), items
// ([{name, path, size_bytes, kind}], largest first), count}. The route adds its "status".
nlohmann::json storage_json(const UsageSnapshot& s);

}  // namespace venom::api

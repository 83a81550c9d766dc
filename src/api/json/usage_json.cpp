#include "api/json/usage_json.hpp"

#include <algorithm>
#include <optional>

#include "api/json_response.hpp"
#include "venom/clock.hpp"
#include "venom/storage_quota.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

double round2(double v) {
    return round_to(v, 2);
}

json rounded_or_null(const std::optional<double>& v) {
    return v ? json(round2(*v)) : json(nullptr);
}

json disk_json(std::uint64_t total, std::uint64_t used, std::uint64_t free) {
    return {{"total_bytes", total}, {"used_bytes", used}, {"free_bytes", free}};
}

}  // namespace

json usage_json(const UsageSnapshot& s, double disk_limit_gb, std::size_t models_count) {
    const double disk_gb = static_cast<double>(s.models_dir_bytes) / kBytesPerGb;
    const double sys_total = static_cast<double>(s.fs_total_bytes) / kBytesPerGb;
    const double sys_used =
        static_cast<double>(s.fs_total_bytes - std::min(s.fs_total_bytes, s.fs_free_bytes)) /
        kBytesPerGb;
    const double mem_total = static_cast<double>(s.mem_total_bytes) / kBytesPerGb;
    const double mem_used = static_cast<double>(s.mem_used_bytes) / kBytesPerGb;
    auto percent = [](double part, double whole) {
        return whole > 0 ? std::optional<double>(100.0 * part / whole) : std::nullopt;
    };
    std::optional<double> gpu_util, vram_used, vram_total, vram_percent;
    if (s.gpu) {
        gpu_util = s.gpu->utilization_percent;
        vram_used = s.gpu->vram_used_mb;
        vram_total = s.gpu->vram_total_mb;
        vram_percent = percent(s.gpu->vram_used_mb, s.gpu->vram_total_mb);
    }
    return {
        {"disk_usage_gb", round2(disk_gb)},
        {"disk_limit_gb", disk_limit_gb},
        {"disk_usage_percent", rounded_or_null(percent(disk_gb, disk_limit_gb))},
        {"disk_system_total_gb", round2(sys_total)},
        {"disk_system_used_gb", round2(sys_used)},
        {"disk_system_usage_percent", rounded_or_null(percent(sys_used, sys_total))},
        {"cpu_usage_percent", rounded_or_null(s.cpu_percent)},
        {"memory_total_gb", round2(mem_total)},
        {"memory_used_gb", round2(mem_used)},
        {"memory_usage_percent", rounded_or_null(percent(mem_used, mem_total))},
        {"gpu_usage_percent", rounded_or_null(gpu_util)},
        {"vram_usage_mb", rounded_or_null(vram_used)},
        {"vram_total_mb", rounded_or_null(vram_total)},
        {"vram_usage_percent", rounded_or_null(vram_percent)},
        {"models_count", models_count},
    };
}

json storage_json(const UsageSnapshot& s) {
    json items = json::array();
    for (const auto& item : s.storage_items) {
        items.push_back({{"name", item.name},
                         {"path", item.path.string()},
                         {"size_bytes", item.bytes},
                         {"kind", item.kind}});
    }
    return {{"refreshed_at", s.storage_sampled_at.time_since_epoch().count() == 0
                                 ? json(nullptr)
                                 : json(format_rfc3339(s.storage_sampled_at))},
            {"models_dir_bytes", s.models_dir_bytes},
            {"disk", disk_json(s.fs_total_bytes, s.fs_used_bytes, s.fs_free_bytes)},
            {"disk_root", disk_json(s.root_total_bytes, s.root_used_bytes, s.root_free_bytes)},
            {"items", items},
            {"count", items.size()}};
}

}  // namespace venom::api

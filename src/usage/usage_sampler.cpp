#include "venom/usage_sampler.hpp"

#include <sys/statvfs.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "venom/logging.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;

uint64_t directory_bytes(const fs::path& dir) {
    uint64_t total = 0;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec) && !it->is_symlink(size_ec)) {
            uint64_t size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    return total;
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

nlohmann::json nullable(const std::optional<double>& v) {
    return v ? nlohmann::json(round2(*v)) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<GpuStats> parse_nvidia_smi_csv(const std::string& csv) {
    auto number = [](const std::string& field) -> std::optional<double> {
        char* end = nullptr;
        double value = std::strtod(field.c_str(), &end);
        if (end == field.c_str()) return std::nullopt;
        return value;
    };
    std::optional<GpuStats> best;
    std::istringstream lines(csv);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> fields;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
        if (fields.size() != 3) continue;
        auto util = number(fields[0]);
        auto used = number(fields[1]);
        auto total = number(fields[2]);
        if (!used || !total) continue;
        std::optional<double> max_util = util;
        if (best && best->utilization_percent) {
            max_util = util ? std::max(*util, *best->utilization_percent)
                            : best->utilization_percent;
        }
        if (!best || *used > best->vram_used_mb) best = GpuStats{max_util, *used, *total};
        best->utilization_percent = max_util;
    }
    return best;
}

GpuProbe make_nvidia_smi_probe(ProcessRunner runner) {
    return [runner = std::move(runner)]() -> std::optional<GpuStats> {
        ProcessSpec spec;
        spec.argv = {"nvidia-smi", "--query-gpu=utilization.gpu,memory.used,memory.total",
                     "--format=csv,noheader,nounits"};
        spec.timeout = std::chrono::seconds(5);
        auto result = runner(spec);
        if (!result || result->exit_code != 0) return std::nullopt;
        return parse_nvidia_smi_csv(result->out);
    };
}

UsageSampler::UsageSampler(Options options, GpuProbe gpu_probe)
    : options_(std::move(options)),
      gpu_probe_(std::move(gpu_probe)),
      task_(options_.interval, [this] { sample_now(); }) {}

UsageSampler::~UsageSampler() { stop(); }

void UsageSampler::sample_now(bool with_gpu) {
    UsageSnapshot s;
    s.models_dir_bytes = directory_bytes(options_.models_dir);
    struct statvfs vfs {};
    if (::statvfs(options_.models_dir.c_str(), &vfs) == 0) {
        s.fs_total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        s.fs_free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    }

    std::ifstream stat(options_.proc_root / "stat");
    std::string cpu;
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
             steal = 0;
    if (stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) {
        const uint64_t busy = user + nice + system + irq + softirq + steal;
        const uint64_t total = busy + idle + iowait;
        if (prev_total_ > 0 && total > prev_total_) {
            s.cpu_percent = 100.0 * static_cast<double>(busy - prev_busy_) /
                            static_cast<double>(total - prev_total_);
        }
        prev_busy_ = busy;
        prev_total_ = total;
    }

    std::ifstream meminfo(options_.proc_root / "meminfo");
    std::string key;
    uint64_t value = 0, available = 0;
    std::string unit;
    while (meminfo >> key >> value >> unit) {
        if (key == "MemTotal:") s.mem_total_bytes = value * 1024;
        if (key == "MemAvailable:") available = value * 1024;
    }
    s.mem_used_bytes = s.mem_total_bytes > available ? s.mem_total_bytes - available : 0;

    if (with_gpu && gpu_probe_) s.gpu = gpu_probe_();

    std::lock_guard lock(mutex_);
    if (!s.cpu_percent) s.cpu_percent = latest_.cpu_percent;
    latest_ = s;
}

void UsageSampler::refresh_storage() {
    const uint64_t bytes = directory_bytes(options_.models_dir);
    struct statvfs vfs {};
    const bool have_fs = ::statvfs(options_.models_dir.c_str(), &vfs) == 0;
    std::lock_guard lock(mutex_);
    latest_.models_dir_bytes = bytes;
    if (have_fs) {
        latest_.fs_total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        latest_.fs_free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    }
}

void UsageSampler::start() { task_.start(); }

void UsageSampler::stop() { task_.stop(); }

UsageSnapshot UsageSampler::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

StorageFacts UsageSampler::storage_facts() const {
    std::lock_guard lock(mutex_);
    return StorageFacts{latest_.models_dir_bytes, latest_.fs_free_bytes};
}

nlohmann::json usage_to_json(const UsageSnapshot& s, double disk_limit_gb,
                             std::size_t models_count) {
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
        {"disk_usage_percent", nullable(percent(disk_gb, disk_limit_gb))},
        {"disk_system_total_gb", round2(sys_total)},
        {"disk_system_used_gb", round2(sys_used)},
        {"disk_system_usage_percent", nullable(percent(sys_used, sys_total))},
        {"cpu_usage_percent", nullable(s.cpu_percent)},
        {"memory_total_gb", round2(mem_total)},
        {"memory_used_gb", round2(mem_used)},
        {"memory_usage_percent", nullable(percent(mem_used, mem_total))},
        {"gpu_usage_percent", nullable(gpu_util)},
        {"vram_usage_mb", nullable(vram_used)},
        {"vram_total_mb", nullable(vram_total)},
        {"vram_usage_percent", nullable(vram_percent)},
        {"models_count", models_count},
    };
}

}  // namespace venom

#pragma once
// Resource usage for GET /models/usage and the storage quota, sampled in the background every
// few seconds so a request never walks the disk or starts nvidia-smi.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venom/periodic_task.hpp"
#include "venom/process_runner.hpp"
#include "venom/storage_quota.hpp"

namespace venom {

struct GpuStats {
    std::optional<double> utilization_percent;  // busiest GPU; null when it says [N/A]
    double vram_used_mb = 0;
    double vram_total_mb = 0;
};

// One folder (or file) in the models directory, for GET /system/storage.
struct StorageItem {
    std::string name;  // the folder's name; a Hugging Face repo as "org/name"
    std::filesystem::path path;
    uint64_t bytes = 0;
    std::string kind;  // huggingface_model | directory | file
};

struct UsageSnapshot {
    uint64_t models_dir_bytes = 0;
    uint64_t fs_total_bytes = 0;  // the filesystem holding the models directory
    uint64_t fs_free_bytes = 0;
    uint64_t fs_used_bytes = 0;
    uint64_t root_total_bytes = 0;  // the filesystem holding "/"
    uint64_t root_free_bytes = 0;
    uint64_t root_used_bytes = 0;
    std::vector<StorageItem> storage_items;  // what models_dir_bytes is made of, largest first
    std::chrono::system_clock::time_point storage_sampled_at{};
    std::optional<double> cpu_percent;  // null until two /proc/stat readings exist
    uint64_t mem_total_bytes = 0;
    uint64_t mem_used_bytes = 0;
    std::optional<GpuStats> gpu;  // null without nvidia-smi or GPU
};

// Returns the GPU figures, or nullopt when there is no GPU. Called on the sampler thread.
using GpuProbe = std::function<std::optional<GpuStats>()>;

// The production probe: `nvidia-smi --query-gpu=...` through `runner`, 5 s deadline; a missing
// binary, a failure or a timeout all mean "no GPU".
GpuProbe make_nvidia_smi_probe(ProcessRunner runner);

// Parses nvidia-smi's "utilization.gpu, memory.used, memory.total" CSV (no header, no units),
// one line per GPU; memory figures from the GPU using the most memory, utilisation the highest
// any GPU reports. "[N/A]" utilisation (some boards) is null, not a missing GPU. Pure.
std::optional<GpuStats> parse_nvidia_smi_csv(const std::string& csv);

class UsageSampler {
public:
    struct Options {
        std::filesystem::path models_dir;
        std::chrono::milliseconds interval{5000};
        std::filesystem::path proc_root = "/proc";
    };
    UsageSampler(Options options, GpuProbe gpu_probe);
    ~UsageSampler();

    // Takes one sample now on the calling thread (at start-up without the GPU probe, which
    // may take a while; and by tests).
    void sample_now(bool with_gpu = true);
    // Measures only the models directory and its filesystem now, on the calling thread (an
    // operation worker after an install, so the next quota check sees the new files).
    void refresh_storage();
    // Starts the background thread: a full sample at once, then one every interval.
    void start();
    void stop();

    // Thread-safe, no I/O: the latest sample.
    UsageSnapshot latest() const;
    StorageFacts storage_facts() const;

private:
    Options options_;
    GpuProbe gpu_probe_;
    mutable std::mutex mutex_;
    UsageSnapshot latest_;
    PeriodicTask task_;
    // Previous /proc/stat totals, touched only by the sampling thread.
    uint64_t prev_busy_ = 0, prev_total_ = 0;
};

}  // namespace venom

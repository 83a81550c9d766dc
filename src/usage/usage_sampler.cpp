#include "venom/usage_sampler.hpp"

#include <sys/statvfs.h>

#include <algorithm>
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

// The models directory by its entries: each Hugging Face repo of the Hub cache layout
// (huggingface/hub/models--org--name) on its own, every other entry as a whole.
struct Measured {
    uint64_t total = 0;
    std::vector<StorageItem> items;
};

Measured measure_models_dir(const fs::path& dir) {
    Measured m;
    std::error_code ec;
    auto add = [&](const fs::directory_entry& entry, std::string name, std::string kind) {
        std::error_code size_ec;
        uint64_t bytes = 0;
        if (entry.is_directory(size_ec)) {
            bytes = directory_bytes(entry.path());
        } else if (entry.is_regular_file(size_ec) && !entry.is_symlink(size_ec)) {
            bytes = entry.file_size(size_ec);
            if (size_ec) bytes = 0;
        }
        m.total += bytes;
        m.items.push_back({std::move(name), entry.path(), bytes, std::move(kind)});
    };
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code type_ec;
        const std::string name = entry.path().filename().string();
        if (name == "huggingface" && entry.is_directory(type_ec) &&
            fs::is_directory(entry.path() / "hub", type_ec)) {
            for (const auto& inner : fs::directory_iterator(entry.path(), ec)) {
                if (inner.path().filename() != "hub") {
                    add(inner, "huggingface/" + inner.path().filename().string(), "directory");
                    continue;
                }
                for (const auto& repo : fs::directory_iterator(inner.path(), ec)) {
                    std::string repo_name = repo.path().filename().string();
                    if (repo_name.rfind("models--", 0) == 0) {
                        repo_name = repo_name.substr(8);
                        if (auto sep = repo_name.find("--"); sep != std::string::npos) {
                            repo_name.replace(sep, 2, "/");
                        }
                        add(repo, repo_name, "huggingface_model");
                    } else {
                        add(repo, "huggingface/hub/" + repo_name, "directory");
                    }
                }
            }
            continue;
        }
        add(entry, name, entry.is_directory(type_ec) ? "directory" : "file");
    }
    std::sort(m.items.begin(), m.items.end(),
              [](const StorageItem& a, const StorageItem& b) { return a.bytes > b.bytes; });
    return m;
}

struct FsFigures {
    uint64_t total = 0, free = 0, used = 0;
};

FsFigures filesystem_of(const fs::path& path) {
    struct statvfs vfs {};
    if (::statvfs(path.c_str(), &vfs) != 0) return {};
    FsFigures f;
    f.total = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
    f.free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    // Used as df counts it: blocks minus all free blocks (root's reserve counts as neither).
    f.used = f.total - std::min(f.total, static_cast<uint64_t>(vfs.f_bfree) * vfs.f_frsize);
    return f;
}

// Storage figures into `s` (the models directory, its filesystem, "/").
void measure_storage(const fs::path& models_dir, UsageSnapshot& s) {
    Measured measured;
    try {
        measured = measure_models_dir(models_dir);
    } catch (const fs::filesystem_error& e) {
        // A directory iterator's step can throw (a folder removed or unreadable meanwhile):
        // this sample has no model folders, the next one tries again.
        logger("usage")->debug("models dir not measured: {}", e.what());
    }
    s.models_dir_bytes = measured.total;
    s.storage_items = std::move(measured.items);
    const FsFigures models_fs = filesystem_of(models_dir);
    s.fs_total_bytes = models_fs.total;
    s.fs_free_bytes = models_fs.free;
    s.fs_used_bytes = models_fs.used;
    const FsFigures root_fs = filesystem_of("/");
    s.root_total_bytes = root_fs.total;
    s.root_free_bytes = root_fs.free;
    s.root_used_bytes = root_fs.used;
    s.storage_sampled_at = std::chrono::system_clock::now();
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
            max_util =
                util ? std::max(*util, *best->utilization_percent) : best->utilization_percent;
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

UsageSampler::~UsageSampler() {
    stop();
}

void UsageSampler::sample_now(bool with_gpu) {
    UsageSnapshot s;
    measure_storage(options_.models_dir, s);

    std::ifstream stat(options_.proc_root / "stat");
    std::string cpu;
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
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
    UsageSnapshot storage;
    measure_storage(options_.models_dir, storage);
    std::lock_guard lock(mutex_);
    latest_.models_dir_bytes = storage.models_dir_bytes;
    latest_.storage_items = std::move(storage.storage_items);
    latest_.fs_total_bytes = storage.fs_total_bytes;
    latest_.fs_free_bytes = storage.fs_free_bytes;
    latest_.fs_used_bytes = storage.fs_used_bytes;
    latest_.root_total_bytes = storage.root_total_bytes;
    latest_.root_free_bytes = storage.root_free_bytes;
    latest_.root_used_bytes = storage.root_used_bytes;
    latest_.storage_sampled_at = storage.storage_sampled_at;
}

void UsageSampler::start() {
    task_.start();
}

void UsageSampler::stop() {
    task_.stop();
}

UsageSnapshot UsageSampler::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

StorageFacts UsageSampler::storage_facts() const {
    std::lock_guard lock(mutex_);
    return StorageFacts{latest_.models_dir_bytes, latest_.fs_free_bytes};
}

}  // namespace venom

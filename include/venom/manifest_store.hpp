#pragma once
// manifest.json: what is installed and what each model can do. The in-memory copy is the one
// requests read; every change is written durably before it becomes visible.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venom/clock.hpp"
#include "venom/durable_file.hpp"
#include "venom/model_types.hpp"
#include "venom/result.hpp"

namespace venom {

class ManifestStore {
public:
    ManifestStore(std::filesystem::path path, const Clock& clock, WriteFaults* faults = nullptr);

    struct LoadReport {
        std::size_t models = 0;
        // Set when the file on disk could not be used whole; it was copied to `kept_aside`.
        std::optional<std::string> warning;
        std::optional<std::filesystem::path> kept_aside;
    };
    // Reads the file (missing file: empty manifest). A file that is not valid JSON, or has an
    // entry that is not a valid model, is copied aside as "<path>.corrupt-<time>" and reported;
    // the valid entries are kept. Call once, before serving. Not thread-safe with writers.
    LoadReport load();

    // Thread-safe snapshot reads.
    std::vector<ModelMetadata> models() const;
    std::optional<ModelMetadata> find(const std::string& name) const;
    std::size_t size() const;
    // Changes whenever the entries do (load, upsert, remove, rename). Thread-safe.
    std::uint64_t version() const { return version_.load(); }

    // Insert or replace by name, then write durably. On a write error the in-memory manifest is
    // left as it was and the error (500 storage_error) is returned. Thread-safe.
    Result<void> upsert(ModelMetadata model);
    // Remove by name (404 model_not_found when absent), then write durably. Thread-safe.
    Result<void> remove(const std::string& name);

    // Gives every entry the name `rename` returns for it, merging entries that end up with one
    // name (the entry already spelled that way wins, else the first), then writes durably once
    // when anything changed. Returns how many entries were renamed; on a write
    // error nothing changes (500 storage_error). Thread-safe.
    Result<std::size_t> rename_models(
        const std::function<std::string(const ModelMetadata&)>& rename);

    const std::filesystem::path& path() const { return path_; }

private:
    std::string serialize(const std::vector<ModelMetadata>& models) const;
    Result<void> commit(std::vector<ModelMetadata> next);

    std::filesystem::path path_;
    const Clock& clock_;
    WriteFaults* faults_;
    mutable std::mutex mutex_;  // guards models_
    std::mutex write_mutex_;    // one writer at a time, held across the disk write
    std::vector<ModelMetadata> models_;
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace venom

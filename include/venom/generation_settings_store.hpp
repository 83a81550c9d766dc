#pragma once
// The tuning drawer's saved values, per runtime and model, in <data>/generation-settings.json:
// {"<runtime>": {"<model>": {"<param>": value}}}. Written durably (venom/durable_file.hpp), so a
// crash leaves the old or the new file, never a torn one.

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "venom/generation_schema.hpp"
#include "venom/result.hpp"

namespace venom {

class GenerationSettingsStore {
public:
    explicit GenerationSettingsStore(std::filesystem::path path);

    // Reads the file (missing: nothing saved). A damaged file (not the expected shape, or a
    // value that is not a number) is copied to <path>.corrupt for a person to inspect and a
    // warning returned; nothing is loaded from it. Call before serving.
    std::optional<std::string> load();

    // The saved values of `model` on `runtime` (an empty object when none). No I/O. Thread-safe.
    nlohmann::json values(Runtime runtime, const std::string& model) const;

    // Replaces the saved values of `model` on `runtime` with `values` (already validated; an
    // empty object forgets them). Durable before it is visible; on a write error (500
    // storage_error) nothing changes. BLOCKING (fsync). Thread-safe.
    Result<void> save(Runtime runtime, const std::string& model, const nlohmann::json& values);

private:
    std::filesystem::path path_;
    mutable std::mutex mutex_;  // guards doc_
    std::mutex write_mutex_;    // one writer at a time
    nlohmann::json doc_ = nlohmann::json::object();
};

}  // namespace venom

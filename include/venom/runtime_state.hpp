#pragma once
// Which runtime and model are active, and the last model used on each runtime, kept in
// <data>/runtime.json and rendered as <data>/llm-runtime.env for systemd EnvironmentFile= and
// the service scripts (DESIGN.md "Data on disk").

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom {

// vLLM settings from the tuning drawer (venom/generation_schema.hpp) that vLLM takes only when it
// starts: rendered as VLLM_MAX_MODEL_LEN and VLLM_OVERRIDE_GENERATION_CONFIG, which the service
// script turns into --max-model-len and --override-generation-config.
struct VllmTuning {
    std::optional<std::int64_t> max_model_len;
    std::optional<std::string> override_generation_config;  // a JSON object, as vLLM parses it
    bool operator==(const VllmTuning&) const = default;
};

struct RuntimeState {
    std::optional<Runtime> active_runtime;
    std::optional<std::string> active_model;
    std::map<Runtime, std::string> last_model;   // runtime -> model
    std::optional<std::string> vllm_model_path;  // the snapshot vLLM serves
    std::optional<std::string> vllm_served_model_name;
    // --tokenizer for a GGUF file: the base model's repo id (vLLM
    // docs/features/quantization/gguf.md)
    std::optional<std::string> vllm_tokenizer;
    VllmTuning vllm_tuning;  // what vLLM was (or is next) started with
};

// `value` as one double-quoted llm-runtime.env value, in the syntax systemd's EnvironmentFile=
// reads and the service scripts parse the same way: \ " $ ` are backslash-escaped, anything else
// (a newline included) stays literal inside the quotes. Pure.
std::string quote_env_value(std::string_view value);

class RuntimeStateStore {
public:
    explicit RuntimeStateStore(std::filesystem::path data_dir);

    // Reads runtime.json (missing: empty state) and renders llm-runtime.env again when it
    // disagrees (a crash between the two writes). Returns a warning when the file is damaged or
    // names an active runtime parse_runtime does not know (the state then starts empty and the
    // file is left as it is for a person to inspect) or the env file cannot be rewritten. A last
    // model of an unknown runtime is left out.
    std::optional<std::string> load();

    // Thread-safe snapshot, no I/O.
    RuntimeState current() const;
    // Changes whenever the state does, so answers built from it can be reused until then.
    std::uint64_t version() const { return version_.load(); }

    // Records `model` as active on `runtime` (and as that runtime's last model), writing
    // runtime.json and llm-runtime.env durably before the change becomes visible. For vllm,
    // `model_path` is the snapshot to serve (VLLM_MODEL_PATH). Thread-safe.
    Result<void> set_active(Runtime runtime, const std::string& model,
                            const std::optional<std::string>& model_path = std::nullopt);

    // Records what vLLM serves when it next starts (VLLM_MODEL_PATH, VLLM_SERVED_MODEL_NAME),
    // and its tuning, without changing the active runtime, so that the script or a systemd unit
    // reading llm-runtime.env starts it with that model. Durable like set_active. Thread-safe.
    Result<void> set_vllm_target(const std::optional<std::string>& model_path,
                                 const std::optional<std::string>& served_name,
                                 const std::optional<std::string>& tokenizer = std::nullopt,
                                 const VllmTuning& tuning = {});

private:
    Result<void> commit(RuntimeState next);  // caller holds write_mutex_

    std::filesystem::path json_path_;
    std::filesystem::path env_path_;
    mutable std::mutex mutex_;
    std::mutex write_mutex_;
    RuntimeState state_;
    std::atomic<std::uint64_t> version_{0};
};

}  // namespace venom

#pragma once
// Makes one runtime the active one: a local runtime (Ollama, vLLM) with a model, stopping the
// other local runtime, starting the target, waiting for it to be ready and checking it has the
// model; or a cloud runtime (OpenAI, Gemini) with a model from its catalog. One switch at a
// time. A switch that fails puts back what it stopped and leaves runtime.json as it was.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud_catalog.hpp"
#include "runtime/llm_server_controller.hpp"
#include "venom/model_registry.hpp"
#include "venom/runtime_state.hpp"

namespace venom::events {
class EventBus;
}

namespace venom::runtime {

struct SwitchStep {
    std::string name;  // validate_model, stop_vllm, released_vllm, start_ollama, ready, ...
    bool ok = false;
    std::string detail;
    std::optional<int> exit_code;  // for steps that ran a service script
    double duration_ms = 0;
};

struct SwitchReport {
    std::string runtime;  // the target
    std::string model;    // as the runtime names it, once resolved
    std::optional<std::string> previous_runtime;
    std::optional<std::string> previous_model;
    std::vector<SwitchStep> steps;
    std::optional<std::string> catalog_source;  // cloud: "live" | "fallback"
    std::optional<Error> error;                 // set when the switch failed
};

struct SwitchGate {
    bool in_progress = false;
    std::string switch_id;  // "switch-<n>", counted from 1 since venomd started; empty when idle
    std::string target;
    std::string model;
    std::string from_runtime;  // the runtime active when the switch began ("" when none)
    std::string started_at;    // RFC 3339, empty when idle
};

// The last switch that got past its gate, successful or not.
struct SwitchEvent {
    std::string switch_id;
    std::string runtime;  // the target
    std::string model;
    std::string from_runtime;  // "" when nothing was active
    std::string at;            // RFC 3339
    bool ok = true;
    std::string reason;  // why it failed ("... failed: <error>"); "switched" when it did not
};

class RuntimeSwitcher {
public:
    struct Options {
        std::chrono::milliseconds ready_timeout{300000};   // target answering its health URL
        std::chrono::milliseconds release_timeout{60000};  // a stopped runtime going quiet
    };

    RuntimeSwitcher(LlmServerController& controller, cloud::CloudCatalog& catalog,
                    ModelRegistry& registry, RuntimeStateStore& state, const Clock& clock,
                    Options options);
    // Where switches announce themselves (live events); set before use.
    void set_event_bus(events::EventBus* bus) { events_ = bus; }

    // Switches to local runtime `server` with `model` (nullopt or empty: the last model used
    // on it). Errors in the report: 404 unknown_server, 400 no_model / invalid_model_name,
    // 404 model_not_found (before anything is stopped when it can be known then), 409
    // runtime_switch_in_progress, 502 runtime_start_failed, 504 runtime_not_ready, and the
    // activation's own errors. BLOCKING (minutes at worst). Thread-safe.
    SwitchReport switch_local(const std::string& server, const std::optional<std::string>& model);

    // Switches to cloud `provider` (aliases accepted) with `model` (empty: its default). Local
    // runtimes keep running. Errors: CloudCatalog::resolve's, 409 as above. BLOCKING.
    SwitchReport switch_cloud(const std::string& provider, const std::string& model);

    // The start-up settings vLLM gets for `model` (the tuning drawer's, see
    // venom/generation_schema.hpp); a vLLM already serving the model is restarted when they
    // changed. Call before serving.
    void set_vllm_tuning(std::function<VllmTuning(const std::string& model)> tuning_for) {
        vllm_tuning_for_ = std::move(tuning_for);
    }

    SwitchGate gate() const;
    std::optional<SwitchEvent> last_switch() const;
    // Changes whenever gate() or last_switch() does. Thread-safe.
    std::uint64_t version() const { return version_.load(); }

private:
    class GateHold;
    bool enter(const std::string& target, const std::string& model, const std::string& from);
    void leave();
    void record(const SwitchReport& report);
    void record_failure(const SwitchReport& report);
    void roll_back(SwitchReport& report, const RuntimeState& before,
                   const std::vector<std::string>& stopped, bool target_touched);

    LlmServerController& controller_;
    cloud::CloudCatalog& catalog_;
    ModelRegistry& registry_;
    RuntimeStateStore& state_;
    const Clock& clock_;
    Options options_;
    events::EventBus* events_ = nullptr;
    mutable std::mutex mutex_;  // guards gate_ and last_
    SwitchGate gate_;
    std::optional<SwitchEvent> last_;
    std::uint64_t switches_ = 0;  // switch ids handed out
    std::atomic<std::uint64_t> version_{0};
    std::function<VllmTuning(const std::string&)> vllm_tuning_for_;
};

// Whether two names are one Ollama model (venom/ollama_name.hpp same_ollama_name).
bool same_ollama_model(const std::string& a, const std::string& b);

}  // namespace venom::runtime

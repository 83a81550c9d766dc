#pragma once
// Makes one runtime the active one: a local runtime (Ollama, vLLM) with a model, stopping the
// other local runtime, starting the target, waiting for it to be ready and checking it has the
// model; or a cloud runtime (OpenAI, Gemini) with a model from its catalog. One switch at a
// time (the gate). A switch to a local runtime holds every local runtime's lock from before it
// stops anything to its end, so it never stops or starts a runtime an install, a removal, an
// activation or a service action is using: it is refused with 409 runtime_busy instead. A
// switch that fails puts back what it stopped and leaves runtime.json as it was.

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
#include "venom/runtime.hpp"
#include "venom/runtime_locks.hpp"
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
    Runtime runtime = Runtime::ollama;  // the target
    std::string model;                  // as the runtime names it, once resolved
    std::optional<Runtime> previous_runtime;
    std::optional<std::string> previous_model;
    std::vector<SwitchStep> steps;
    std::optional<std::string> catalog_source;  // cloud: "live" | "fallback"
    std::optional<Error> error;                 // set when the switch failed
};

struct SwitchGate {
    bool in_progress = false;
    std::string switch_id;  // "switch-<n>", counted from 1 since venomd started; empty when idle
    std::optional<Runtime> target;  // nullopt when idle
    std::string model;
    std::optional<Runtime> from_runtime;  // the runtime active when the switch began, if any
    std::string started_at;               // RFC 3339, empty when idle
};

// The last switch that got past its gate, successful or not.
struct SwitchEvent {
    std::string switch_id;
    Runtime runtime = Runtime::ollama;  // the target
    std::string model;
    std::optional<Runtime> from_runtime;  // nullopt when nothing was active
    std::string at;                       // RFC 3339
    bool ok = true;
    std::string reason;  // why it failed ("... failed: <error>"); "switched" when it did not
};

class RuntimeSwitcher {
public:
    struct Options {
        std::chrono::milliseconds ready_timeout{300000};   // target answering its health URL
        std::chrono::milliseconds release_timeout{60000};  // a stopped runtime going quiet
    };

    // `locks` is the daemon's one RuntimeLocks, shared with the queue, the registry and the
    // controller.
    RuntimeSwitcher(LlmServerController& controller, cloud::CloudCatalog& catalog,
                    ModelRegistry& registry, RuntimeStateStore& state, RuntimeLocks& locks,
                    const Clock& clock, Options options);
    // Where switches announce themselves (live events); set before use.
    void set_event_bus(events::EventBus* bus) { events_ = bus; }

    // Switches to local runtime `server` with `model` (nullopt or empty: the last model used
    // on it). Errors in the report: 404 unknown_server (a cloud runtime), 400 no_model /
    // invalid_model_name, 409 runtime_switch_in_progress (another switch runs), 409
    // runtime_busy (an install, a removal, an activation or a service action holds a local
    // runtime; nothing was stopped), 404 model_not_found (before anything is stopped when it
    // can be known then), 502 runtime_start_failed, 504 runtime_not_ready, and the activation's
    // own errors. BLOCKING (minutes at worst). Thread-safe.
    SwitchReport switch_local(Runtime server, const std::optional<std::string>& model);

    // Switches to cloud `provider` with `model` (empty: its default). Local runtimes keep
    // running, so no runtime lock is taken. Errors: 400 unknown_provider (a local runtime),
    // CloudCatalog::resolve's, 409 runtime_switch_in_progress. BLOCKING.
    SwitchReport switch_cloud(Runtime provider, const std::string& model);

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
    // Opens the gate for a switch to `target` and takes the runtime locks it needs (every local
    // runtime for a local target, none for a cloud one). 409 runtime_switch_in_progress or
    // runtime_busy; then nothing is held and no switch id is used.
    Result<RuntimeLocks::Hold> enter(Runtime target, const std::string& model,
                                     std::optional<Runtime> from);
    void leave();
    void record(const SwitchReport& report);
    void record_failure(const SwitchReport& report);
    void roll_back(SwitchReport& report, const RuntimeLocks::Hold& runtimes,
                   const RuntimeState& before, const std::vector<Runtime>& stopped,
                   bool target_touched);

    LlmServerController& controller_;
    cloud::CloudCatalog& catalog_;
    ModelRegistry& registry_;
    RuntimeStateStore& state_;
    RuntimeLocks& locks_;
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

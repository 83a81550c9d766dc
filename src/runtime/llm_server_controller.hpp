#pragma once
// Starts, stops and probes the local LLM runtimes (Ollama, vLLM). Actions run the service
// scripts in scripts/llm (which use systemd when it manages the runtime, or a detached process
// otherwise) through the process runner with a deadline; health is probed over HTTP where the
// daemon's own settings say the runtime listens (OLLAMA_HOST, VLLM_ENDPOINT). An action holds
// the runtime's lock in the daemon's RuntimeLocks, so it never runs while an install, a removal,
// an activation or a switch holds that runtime.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venom/clock.hpp"
#include "venom/process_runner.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"
#include "venom/runtime_locks.hpp"

namespace venom::events {
class EventBus;
}

namespace venom::runtime {

struct ServerInfo {
    Runtime runtime = Runtime::ollama;  // a local one
    std::string name;                   // to_string(runtime): for JSON, file names and logs
    std::string display_name;
    std::string description;
    std::string endpoint;    // what clients talk to
    std::string health_url;  // what the probe asks
    std::filesystem::path script;
    bool scripted = false;  // the script exists, so start/stop/restart are possible
};

struct ServerHealth {
    std::string status = "unknown";  // online | offline | degraded | unknown
    std::optional<double> latency_ms;
    std::optional<std::string> error;
    std::string last_check;           // RFC 3339
    std::vector<std::string> models;  // what it serves (Ollama tags, vLLM /v1/models ids)
};

struct ActionResult {
    std::string action;
    int exit_code = -1;
    std::string out;  // the script's stdout, trimmed
    std::string err;  // its stderr, trimmed
    double duration_ms = 0;
    bool ok() const { return exit_code == 0; }
    // The script's exit code 4 (scripts/llm/*_service.sh headers): something it did not start
    // answers at the runtime's address, and it left it alone.
    static constexpr int kExitNotManaged = 4;
    bool not_managed() const { return exit_code == kExitNotManaged; }
};

// 409 runtime_not_managed for `server` at `endpoint` (issue 9, finding 14).
inline Error not_managed_error(const std::string& display_name, const std::string& endpoint) {
    return make_error(409, "runtime_not_managed",
                      display_name + " at " + endpoint +
                          " was not started by venomd; stop it or restart it yourself");
}

class LlmServerController {
public:
    struct Options {
        std::filesystem::path scripts_dir = "scripts/llm";
        std::filesystem::path data_dir = "./data";
        std::string service_manager = "auto";
        std::string ollama_url = "http://127.0.0.1:11434";   // connectable OLLAMA_HOST
        std::string ollama_host = "http://127.0.0.1:11434";  // as given, for `ollama serve`
        std::string vllm_endpoint = "http://127.0.0.1:8001/v1";
        std::string ollama_bin = "ollama";
        std::string vllm_bin = "vllm";
        // A script's deadline is action_timeout, plus start_timeout for start and restart,
        // which wait (in the script) that long at most for the runtime to answer.
        std::chrono::milliseconds action_timeout{300000};
        std::chrono::milliseconds start_timeout{300000};
        std::chrono::milliseconds probe_timeout{2000};
    };

    // `locks` is the daemon's one RuntimeLocks; it must outlive the controller.
    LlmServerController(Options options, ProcessRunner runner, const Clock& clock,
                        RuntimeLocks& locks);
    // Where run() announces service status changes (live events); set before use.
    void set_event_bus(events::EventBus* bus) { events_ = bus; }

    // The local runtimes, in a fixed order (ollama, vllm). Thread-safe, no I/O.
    const std::vector<ServerInfo>& servers() const { return servers_; }
    // The server of a local runtime; nullptr for a cloud one.
    const ServerInfo* find(Runtime runtime) const;

    // Asks the runtime's health URL (and for vLLM its model list). BLOCKING (bounded by
    // probe_timeout per request). Cloud runtimes give status "unknown". Thread-safe.
    ServerHealth probe(Runtime runtime) const;

    // The last probe's answer without asking again, when it is younger than `max_age`.
    std::optional<ServerHealth> recent_probe(Runtime runtime,
                                             std::chrono::milliseconds max_age) const;

    // Runs `<script> <action>` holding the runtime's lock ("restart of ollama"); `env` adds
    // variables for this call (e.g. VLLM_MODEL_PATH). A non-zero exit is a result, not an error.
    // Errors: 404 unknown_server (a cloud runtime), 400 unknown_action, 400 action_unsupported
    // (no script), 409 runtime_busy naming what holds the runtime (an install, a removal, an
    // activation, a switch or another action; never waited for), 504 process_timeout, 502
    // process_failed. BLOCKING. Thread-safe.
    Result<ActionResult> run(Runtime runtime, const std::string& action,
                             const std::vector<std::pair<std::string, std::string>>& env = {});
    // The same for a caller that holds the runtime already (a switch): no lock is taken. 500
    // internal when `hold` does not hold `runtime`.
    Result<ActionResult> run(const RuntimeLocks::Hold& hold, Runtime runtime,
                             const std::string& action,
                             const std::vector<std::pair<std::string, std::string>>& env = {});

    // Probes until the runtime is online (`want_online`) or no longer answers, at most `bound`.
    // Returns the last probe. BLOCKING.
    ServerHealth wait_for(Runtime runtime, bool want_online, std::chrono::milliseconds bound) const;

private:
    // Why `action` cannot run on `server` (nullptr: not a local runtime), if it cannot.
    std::optional<Error> check(const ServerInfo* server, Runtime runtime,
                               const std::string& action) const;
    // Runs the script; the caller holds the runtime's lock.
    Result<ActionResult> run_held(const ServerInfo& server, const std::string& action,
                                  const std::vector<std::pair<std::string, std::string>>& env);

    Options options_;
    ProcessRunner runner_;
    const Clock& clock_;
    RuntimeLocks& locks_;
    events::EventBus* events_ = nullptr;
    std::vector<ServerInfo> servers_;
    mutable std::mutex mutex_;  // guards last_probe_
    struct Probe {
        ServerHealth health;
        std::chrono::steady_clock::time_point at;
    };
    mutable std::map<Runtime, Probe> last_probe_;
};

}  // namespace venom::runtime

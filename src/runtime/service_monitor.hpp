#pragma once
// What the Services page shows for each service venomd knows (Ollama, vLLM, venomd itself):
// status, PID, port, CPU, memory and uptime from /proc, the last line of its log, its version.
// Sampled on a background thread (and right after an action), so GET /runtime/status never
// touches /proc, a log file or a runtime.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/llm_server_controller.hpp"
#include "venom/periodic_task.hpp"

namespace venom::runtime {

struct ServiceStatus {
    std::string name;                // ollama | vllm | venomd
    std::string service_type;        // llm_ollama | llm_vllm | backend
    std::string status = "unknown";  // running | stopped | unknown | error | degraded
    std::optional<long> pid;
    std::optional<int> port;
    std::optional<double> cpu_percent;  // of one core, since the previous sample
    std::optional<double> memory_mb;    // resident set size
    std::optional<double> uptime_seconds;
    std::optional<std::string> last_log;
    std::optional<std::string> error_message;
    std::optional<std::string> runtime_version;
    bool actionable = false;  // start/stop/restart possible (a service script exists)
};

class ServiceMonitor {
public:
    struct Options {
        std::filesystem::path data_dir;  // PID files and logs in <data>/logs (scripts/llm)
        std::chrono::milliseconds interval{5000};
        std::filesystem::path proc_root = "/proc";
        std::string own_version;  // venomd's
        std::chrono::milliseconds version_timeout{2000};
    };
    ServiceMonitor(Options options, LlmServerController& controller);
    ~ServiceMonitor();

    // Samples every service now on the calling thread. BLOCKING (health probes, /proc, the
    // logs): call on a worker, e.g. after a start or stop so the next read shows it.
    // Thread-safe (concurrent calls run one after the other).
    void refresh();
    void start();  // background sampling: one sample at once, then every interval
    void stop();
    // The port venomd serves on, for its own row (known once the server is bound).
    void set_own_port(int port);

    // The latest sample: ollama, vllm, venomd. No I/O. Thread-safe.
    std::vector<ServiceStatus> latest() const;

private:
    struct CpuMark {
        long pid = 0;
        std::uint64_t ticks = 0;
        std::chrono::steady_clock::time_point at;
    };
    struct VersionMark {
        long pid = 0;  // the version asked of this process (0: a runtime venomd did not start)
        std::string version;
    };
    void fill_process(ServiceStatus& s, long pid);
    std::optional<long> recorded_pid(const std::string& name, bool& stale) const;
    std::optional<std::string> version_of(const ServerInfo& server, long pid);

    Options options_;
    LlmServerController& controller_;
    std::mutex sample_mutex_;  // one sampler at a time; guards cpu_ and versions_
    std::map<std::string, CpuMark> cpu_;
    std::map<std::string, VersionMark> versions_;
    mutable std::mutex mutex_;  // guards latest_ and own_port_
    std::vector<ServiceStatus> latest_;
    std::optional<int> own_port_;
    PeriodicTask task_;
};

}  // namespace venom::runtime

#pragma once
// Running a subprocess with a deadline (nvidia-smi, the runtime service scripts). A port, so
// tests replace it and never depend on what the machine has installed.

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "venom/result.hpp"

namespace venom {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in PATH; no shell
    std::chrono::milliseconds timeout{5000};
    // Set in the child's environment on top of the daemon's own (same name: this value wins).
    std::vector<std::pair<std::string, std::string>> env;
    // Removed from the child's environment (secrets the child has no business seeing).
    std::vector<std::string> unset_env;
    std::size_t max_output = 1 << 20;  // per stream; the rest is read and dropped
};

struct ProcessOutput {
    int exit_code = -1;  // 128 + signal number when a signal ended it
    std::string out;     // standard output
    std::string err;     // standard error
};

// Runs the command with stdin from /dev/null. Kills it (SIGKILL) at the deadline and returns
// 504 process_timeout; 502 process_failed when it cannot be started; 503 shutting_down, killed,
// when it runs for a BlockingPool task that the pool cancels. The deadline covers
// reading its output and its exit. Blocking: call from a worker thread, never an I/O thread.
// Thread-safe.
Result<ProcessOutput> run_process(const ProcessSpec& spec);

inline Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout,
                                         std::size_t max_output = 1 << 20) {
    return run_process(ProcessSpec{argv, timeout, {}, {}, max_output});
}

using ProcessRunner = std::function<Result<ProcessOutput>(const ProcessSpec&)>;

}  // namespace venom

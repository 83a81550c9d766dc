#pragma once
// Running a subprocess with a deadline (nvidia-smi now, service scripts later). A port, so tests
// replace it and never depend on what the machine has installed.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "venom/result.hpp"

namespace venom {

struct ProcessOutput {
    int exit_code = -1;
    std::string out;  // standard output, at most `max_output` bytes
};

// Runs argv[0] (looked up in PATH) with no shell. Kills it (SIGKILL) at the deadline and
// returns 504 process_timeout; 502 process_failed when it cannot be started. Blocking: call
// from a worker thread, never an I/O thread. Thread-safe.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout,
                                  std::size_t max_output = 1 << 20);

using ProcessRunner = std::function<Result<ProcessOutput>(const std::vector<std::string>&,
                                                          std::chrono::milliseconds)>;

}  // namespace venom

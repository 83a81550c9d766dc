#pragma once
// Sizing the connection limit to the process's descriptor limit (RLIMIT_NOFILE): every
// connection holds one descriptor, and the daemon needs more for upstream transfers, files and
// subprocess pipes. Above the limit accept() fails at once, again and again.

#include <cstdint>

namespace venom::http {

struct ConnectionBudget {
    int max_connections = 0;     // what the server may hold at once
    std::uint64_t fd_limit = 0;  // the soft RLIMIT_NOFILE after start-up (0: unknown)
};

// Descriptors kept for everything but client connections.
constexpr std::uint64_t kReservedDescriptors = 64;

// `configured`, lowered so that connections leave kReservedDescriptors (or, under a tiny
// limit, half of it) for the rest. At least 1. Pure.
int connections_for_fd_limit(int configured, std::uint64_t fd_limit);

// Raises the soft descriptor limit towards the hard one as far as `configured` connections
// need, then returns the budget under the resulting limit.
ConnectionBudget fit_connections_to_fd_limit(int configured);

}  // namespace venom::http

#include "http/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace venom::http {

int connections_for_fd_limit(int configured, std::uint64_t fd_limit) {
    const std::uint64_t usable = std::max(
        fd_limit / 2, fd_limit > kReservedDescriptors ? fd_limit - kReservedDescriptors : 0);
    const std::uint64_t budget = std::min<std::uint64_t>(usable, std::max(configured, 1));
    return static_cast<int>(std::max<std::uint64_t>(budget, 1));
}

ConnectionBudget fit_connections_to_fd_limit(int configured) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {configured, 0};
    const rlim_t wanted = static_cast<rlim_t>(configured) + kReservedDescriptors;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
        rlimit raised = limit;
        raised.rlim_cur =
            limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY) return {configured, 0};
    return {connections_for_fd_limit(configured, limit.rlim_cur), limit.rlim_cur};
}

}  // namespace venom::http

#pragma once
// Ctrl-C while venomctl follows an operation: the handler only records it, so the follower can
// ask whether to cancel the operation on venomd or detach, instead of dying mid-line.

namespace venom::cli {

// Installs the SIGINT handler for its lifetime, then restores the previous disposition. The
// handler is installed without SA_RESTART, so a blocking read or wait returns EINTR at once.
class InterruptScope {
public:
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
};

// Whether Ctrl-C came since the last clear_interrupt(). Async-signal-safe to read.
bool interrupted();
void clear_interrupt();

}  // namespace venom::cli

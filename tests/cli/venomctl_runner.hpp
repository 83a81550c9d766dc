#pragma once
// Running the real venomctl binary (VENOMCTL_BIN) as a child, the way a user or a script does:
// without a terminal (pipes; run_venomctl) or in a pseudo-terminal (PtySession), where it draws
// its progress bar and asks before cancelling on Ctrl-C.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace venom::testing {

struct VenomctlRun {
    int exit_code = -1;  // -1: it did not exit within the bound (then it was killed)
    std::string out;
    std::string err;
};

// The child's environment: the test's, without VENOM_URL, VENOM_API_TOKEN and proxy variables
// (a developer's settings must not change what a test sees), plus `extra`.
std::vector<std::string> venomctl_environment(const std::map<std::string, std::string>& extra);

// Runs venomctl with `args`, stdin from /dev/null, stdout and stderr captured, at most `bound`.
VenomctlRun run_venomctl(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::milliseconds bound = std::chrono::seconds(30));

// venomctl on a pseudo-terminal of 120 columns (forkpty): stdin, stdout and stderr are the
// terminal, so isatty() holds and Ctrl-C written to it is SIGINT from the line discipline.
class PtySession {
public:
    PtySession(const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});
    ~PtySession();  // kills the child (by its pid) if it still runs
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    // Reads what the child prints until `done(output so far)` holds, the child closes the
    // terminal, or `bound` passes (poll(), no sleep). Returns the last value of `done`.
    bool read_until(const std::function<bool(const std::string&)>& done,
                    std::chrono::milliseconds bound = std::chrono::seconds(30));
    // Types `text` on the terminal ("\x03" is Ctrl-C).
    void type(const std::string& text);
    // Reads to the end and reaps the child, at most `bound`; its exit code, -1 on timeout.
    int wait_exit(std::chrono::milliseconds bound = std::chrono::seconds(30));
    const std::string& output() const { return output_; }

private:
    bool read_once(int timeout_ms);  // false at end of output
    pid_t pid_ = -1;
    int master_ = -1;
    bool eof_ = false;
    std::string output_;
};

}  // namespace venom::testing

#include "cli/venomctl_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace venom::testing {

namespace {

bool dropped(const std::string& entry) {
    for (const char* prefix : {"VENOM_URL=", "VENOM_API_TOKEN=", "http_proxy=", "https_proxy=",
                               "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=", "all_proxy="}) {
        if (entry.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

// argv and envp for execve, built before fork(): the child of a threaded process may only make
// async-signal-safe calls until it execs. Another thread (the test daemon's) may hold the
// allocator's lock at the fork, and a child that allocates then waits for it forever (seen under
// ASan as a venomctl that never started).
class ExecArgs {
public:
    ExecArgs(const std::vector<std::string>& args, std::vector<std::string> env)
        : args_(args), env_(std::move(env)) {
        args_.insert(args_.begin(), VENOMCTL_BIN);
        for (auto& s : args_) argv_.push_back(s.data());
        argv_.push_back(nullptr);
        for (auto& s : env_) envp_.push_back(s.data());
        envp_.push_back(nullptr);
    }
    ExecArgs(const ExecArgs&) = delete;  // argv_ and envp_ point into the strings
    ExecArgs& operator=(const ExecArgs&) = delete;

    // In the child: no allocation, only execve and _exit.
    [[noreturn]] void exec() const {
        ::execve(VENOMCTL_BIN, argv_.data(), envp_.data());
        ::_exit(127);
    }

private:
    std::vector<std::string> args_;
    std::vector<std::string> env_;
    std::vector<char*> argv_;
    std::vector<char*> envp_;
};

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

}  // namespace

std::vector<std::string> venomctl_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (!dropped(*entry)) env.emplace_back(*entry);
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    return env;
}

VenomctlRun run_venomctl(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds bound) {
    const ExecArgs exec_args(args, venomctl_environment(env));
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        exec_args.exec();
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    VenomctlRun run;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&run.out, &run.err};
    int open_fds = 2;
    bool timed_out = false;
    while (open_fds > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0) ::close(fd.fd);
    }
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    run.exit_code = timed_out ? -1 : exit_code_of(status);
    return run;
}

PtySession::PtySession(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env) {
    std::vector<std::string> environment = venomctl_environment(env);
    environment.emplace_back("TERM=xterm");
    const ExecArgs exec_args(args, std::move(environment));
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 120;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ < 0) throw std::runtime_error(std::string("forkpty failed: ") + std::strerror(errno));
    if (pid_ == 0) exec_args.exec();
}

PtySession::~PtySession() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
}

bool PtySession::read_once(int timeout_ms) {
    if (eof_) return false;
    pollfd fd{master_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, timeout_ms);
    if (ready <= 0) return true;
    char buffer[4096];
    const ssize_t n = ::read(master_, buffer, sizeof buffer);
    if (n > 0) {
        output_.append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    if (n < 0 && errno == EINTR) return true;
    eof_ = true;  // EIO: every slave descriptor is closed, the child has exited
    return false;
}

bool PtySession::read_until(const std::function<bool(const std::string&)>& done,
                            std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done(output_)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !read_once(static_cast<int>(std::min<long>(left.count(), 200)))) {
            return done(output_);
        }
    }
    return true;
}

void PtySession::type(const std::string& text) {
    if (::write(master_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        throw std::runtime_error("write to the pseudo-terminal failed");
    }
}

int PtySession::wait_exit(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
        if (eof_) {
            ::poll(nullptr, 0, 2);  // the terminal is closed; the child is exiting
        } else {
            read_once(100);
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            // What it printed last may still be buffered in the terminal.
            for (pollfd fd{master_, POLLIN, 0}; !eof_ && ::poll(&fd, 1, 0) > 0;) {
                char buffer[4096];
                const ssize_t n = ::read(master_, buffer, sizeof buffer);
                if (n <= 0) break;
                output_.append(buffer, static_cast<std::size_t>(n));
            }
            return exit_code_of(status);
        }
    }
    return -1;
}

}  // namespace venom::testing

#include "venom/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace venom {

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, std::size_t max_output) {
    using clock = std::chrono::steady_clock;
    if (argv.empty()) return make_error(500, "process_failed", "empty command");
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return make_error(502, "process_failed", std::string("pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        return make_error(502, "process_failed",
                          "could not start " + argv[0] + ": " + std::strerror(rc));
    }

    ProcessOutput output;
    const auto deadline = clock::now() + timeout;
    bool timed_out = false;
    char buf[4096];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd pfd{pipe_fds[0], POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            timed_out = true;
            break;
        }
        ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: the child closed its stdout
        if (output.out.size() < max_output) {
            output.out.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                         max_output - output.out.size()));
        }
    }
    ::close(pipe_fds[0]);
    // A child may close its stdout and keep running: the deadline covers its exit too.
    int status = 0;
    if (timed_out) ::kill(pid, SIGKILL);
    for (;;) {
        pid_t done = ::waitpid(pid, &status, timed_out ? 0 : WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) break;
        if (done != 0) continue;  // EINTR
        if (clock::now() >= deadline) {
            timed_out = true;
            ::kill(pid, SIGKILL);
        } else {
            ::poll(nullptr, 0, 5);  // nothing to wait on but the child's exit: look again soon
        }
    }
    if (timed_out) {
        return make_error(504, "process_timeout",
                          argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                              " ms");
    }
    output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return output;
}

}  // namespace venom

#include "venom/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "venom/blocking_pool.hpp"

extern char** environ;

namespace venom {
namespace {

// The daemon's environment with the spec's changes applied, as "NAME=value" strings.
std::vector<std::string> child_environment(const ProcessSpec& spec) {
    std::map<std::string, std::string> merged;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& name : spec.unset_env) merged.erase(name);
    for (const auto& [name, value] : spec.env) merged[name] = value;
    std::vector<std::string> out;
    out.reserve(merged.size());
    for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
    return out;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    ~Pipe() {
        if (read_end >= 0) ::close(read_end);
        if (write_end >= 0) ::close(write_end);
    }
};

}  // namespace

Result<ProcessOutput> run_process(const ProcessSpec& spec) {
    using clock = std::chrono::steady_clock;
    if (spec.argv.empty()) return make_error(500, "process_failed", "empty command");
    Pipe out_pipe, err_pipe;
    for (Pipe* p : {&out_pipe, &err_pipe}) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return make_error(502, "process_failed", std::string("pipe: ") + std::strerror(errno));
        }
        p->read_end = fds[0];
        p->write_end = fds[1];
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe.write_end, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe.write_end, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // Only stdio crosses into the child: a descriptor opened without O_CLOEXEC somewhere in the
    // daemon (a library's socket, the listening socket before it was marked) would otherwise
    // live on in a runtime that outlives the daemon and keep its port bound.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);

    // The daemon blocks SIGTERM/SIGINT (for sigwait) and ignores SIGPIPE; a child inheriting
    // that cannot be stopped with SIGTERM. Start it with an empty mask and default dispositions.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t no_signals, all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &all_signals);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const bool own_env = !spec.env.empty() || !spec.unset_env.empty();
    const std::vector<std::string> env_strings =
        own_env ? child_environment(spec) : std::vector<std::string>{};
    std::vector<char*> env;
    for (const auto& e : env_strings) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);

    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(),
                            own_env ? env.data() : environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out_pipe.write_end);
    ::close(err_pipe.write_end);
    out_pipe.write_end = err_pipe.write_end = -1;
    if (rc != 0) {
        return make_error(502, "process_failed",
                          "could not start " + spec.argv[0] + ": " + std::strerror(rc));
    }

    ProcessOutput output;
    const auto deadline = clock::now() + spec.timeout;
    bool timed_out = false;
    // A script run for a pool task that the pool cancels (venomd is shutting down) is not waited
    // for up to its deadline: it is killed, so SIGTERM ends venomd in seconds, not minutes.
    bool cancelled = false;
    constexpr std::chrono::milliseconds kCancelCheck{100};
    char buf[4096];
    // Both streams are drained together: a child blocked writing one full pipe while we wait
    // on the other would never finish.
    pollfd fds[2] = {{out_pipe.read_end, POLLIN, 0}, {err_pipe.read_end, POLLIN, 0}};
    std::string* sinks[2] = {&output.out, &output.err};
    int open_streams = 2;
    while (open_streams > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        if (BlockingPool::current_task_cancelled()) {
            cancelled = true;
            break;
        }
        int ready = ::poll(fds, 2, static_cast<int>(std::min(left, kCancelCheck).count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) continue;  // look at the deadline and the cancel flag again
        if (ready < 0) {
            timed_out = false;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {  // EOF: the child closed this stream
                fds[i].fd = -1;
                --open_streams;
                continue;
            }
            std::string& sink = *sinks[i];
            if (sink.size() < spec.max_output) {
                sink.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                       spec.max_output - sink.size()));
            }
        }
    }
    // A child may close its output and keep running: the deadline covers its exit too.
    int status = 0;
    if (timed_out || cancelled) ::kill(pid, SIGKILL);
    for (;;) {
        pid_t done = ::waitpid(pid, &status, timed_out || cancelled ? 0 : WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) break;
        if (done != 0) continue;  // EINTR
        if (clock::now() >= deadline) {
            timed_out = true;
            ::kill(pid, SIGKILL);
        } else if (BlockingPool::current_task_cancelled()) {
            cancelled = true;
            ::kill(pid, SIGKILL);
        } else {
            ::poll(nullptr, 0, 5);  // nothing to wait on but the child's exit: look again soon
        }
    }
    if (cancelled) {
        return make_error(503, "shutting_down",
                          spec.argv[0] + " was stopped: venomd is shutting down");
    }
    if (timed_out) {
        return make_error(504, "process_timeout",
                          spec.argv[0] + " did not finish within " +
                              std::to_string(spec.timeout.count()) + " ms");
    }
    output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return output;
}

}  // namespace venom

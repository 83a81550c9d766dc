// The service scripts in scripts/llm, run as venomd runs them (a child with a controlled
// environment, stdout and stderr captured), against fake_llm_runtime as `ollama` and `vllm`.
// Every test has its own data directory and loopback port, so tests can run in parallel, and
// kills whatever it left running: the processes carrying its VENOM_DATA_DIR, found by PID.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/free_port.hpp"
#include "support/http_get.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using venom::testing::eventually;
using venom::testing::free_loopback_port;
using venom::testing::http_get;
using venom::testing::http_post_json;
using venom::testing::TempDir;
using Env = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

const std::string kScriptsDir = SERVICE_SCRIPTS_DIR;
const std::string kFakeRuntime = FAKE_LLM_RUNTIME_BINARY;
// Generous for a loaded 2-core machine; the scripts take well under a second when healthy.
constexpr auto kScriptBound = 30s;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms = {}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    if (perms != fs::perms{}) fs::permissions(path, perms);
}

// ---- processes ---------------------------------------------------------------------------------

struct ProcStat {
    char state = '?';
    pid_t session = 0;
    unsigned long long start_time = 0;  // clock ticks since boot, field 22
};

std::optional<ProcStat> proc_stat(pid_t pid) {
    const std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto paren = text.rfind(')');
    if (text.empty() || paren == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(paren + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    if (f.size() < 20) return std::nullopt;
    return ProcStat{f[0][0], static_cast<pid_t>(std::stol(f[3])), std::stoull(f[19])};
}

// A zombie is gone for our purposes: it serves nothing and only its parent (init, for servers
// the scripts start) can reap it.
bool gone(pid_t pid) {
    const auto stat = proc_stat(pid);
    return !stat || stat->state == 'Z';
}

bool alive(pid_t pid) {
    return !gone(pid);
}

std::string exe_of(pid_t pid) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

std::vector<std::string> environ_of(pid_t pid) {
    const std::string raw = read_file("/proc/" + std::to_string(pid) + "/environ");
    std::vector<std::string> entries;
    std::string::size_type at = 0;
    while (at < raw.size()) {
        const auto end = raw.find('\0', at);
        entries.push_back(raw.substr(at, end - at));
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return entries;
}

// Live processes whose environment holds exactly `entry`, e.g. this test's VENOM_DATA_DIR.
std::vector<pid_t> live_processes_with_env(const std::string& entry) {
    std::vector<pid_t> found;
    for (const auto& dir : fs::directory_iterator("/proc")) {
        const std::string name = dir.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = std::stoi(name);
        if (pid == ::getpid() || gone(pid)) continue;
        for (const std::string& variable : environ_of(pid)) {
            if (variable == entry) {
                found.push_back(pid);
                break;
            }
        }
    }
    return found;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (std::string& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

std::vector<std::string> env_strings(const Env& env) {
    std::vector<std::string> out;
    for (const auto& [key, value] : env) out.push_back(key + "=" + value);
    return out;
}

struct RunResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
    std::chrono::milliseconds elapsed{0};
};

// Runs argv with exactly `env`, stdin from /dev/null, and collects stdout, stderr and the exit
// code. A run that outlives `bound` is killed and reported with exit code 128 + SIGKILL.
RunResult run(std::vector<std::string> argv, const Env& env,
              std::chrono::milliseconds bound = kScriptBound) {
    std::array<int, 2> out_pipe{};
    std::array<int, 2> err_pipe{};
    if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0 || ::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return {};
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    std::vector<std::string> env_list = env_strings(env);
    const auto started = Clock::now();
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr,
                                    c_strings(argv).data(), c_strings(env_list).data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    RunResult result;
    if (spawned != 0) {
        ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(spawned);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        return result;
    }

    // Both pipes until EOF: the scripts must not leave their output pipes to the servers.
    std::array<pollfd, 2> fds{pollfd{out_pipe[0], POLLIN, 0}, pollfd{err_pipe[0], POLLIN, 0}};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    bool killed = false;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(started + bound - Clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
            break;
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
            }
        }
    }
    for (const pollfd& fd : fds) {
        if (fd.fd >= 0) ::close(fd.fd);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed) ADD_FAILURE() << argv[0] << " did not finish within " << bound.count() << " ms";
    return result;
}

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
    return os << "exit " << r.exit_code << " after " << r.elapsed.count() << " ms\n--- stdout\n"
              << r.out << "--- stderr\n"
              << r.err;
}

// A child of the test itself (not of a script), reaped in teardown.
struct Child {
    pid_t pid = 0;
    int stdin_fd = -1;  // write end of the child's stdin, kept open so `cat` lives
};

Child spawn_child(std::vector<std::string> argv, const Env& env, bool keep_stdin_open) {
    Child child;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::array<int, 2> in_pipe{-1, -1};
    if (keep_stdin_open) {
        if (::pipe2(in_pipe.data(), O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2";
        posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> env_list = env_strings(env);
    const int spawned = posix_spawn(&child.pid, argv[0].c_str(), &actions, nullptr,
                                    c_strings(argv).data(), c_strings(env_list).data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(spawned);
    if (keep_stdin_open) {
        ::close(in_pipe[0]);
        child.stdin_fd = in_pipe[1];
    }
    return child;
}

// ---- fixture -----------------------------------------------------------------------------------

class ServiceScriptTest : public ::testing::Test {
protected:
    void SetUp() override {
        port_ = free_loopback_port();
        fs::create_directories(bin_dir());
    }

    void TearDown() override {
        // Servers the scripts started outlive them by design; they carry this test's data dir.
        for (const pid_t pid : live_processes_with_env("VENOM_DATA_DIR=" + dir_.path().string())) {
            ADD_FAILURE() << "pid " << pid << " (" << exe_of(pid) << ") left running; killed";
            ::kill(pid, SIGKILL);
        }
        for (const Child& child : children_) {
            if (child.stdin_fd >= 0) ::close(child.stdin_fd);
            if (child.pid <= 0) continue;  // kill(0) would signal the test's own group
            ::kill(child.pid, SIGKILL);
            ::waitpid(child.pid, nullptr, 0);
        }
    }

    // What venomd hands a script, minus anything from the test's own environment.
    Env base_env() const {
        return Env{
            {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
            {"HOME", dir_.path().string()},
            {"LANG", "C"},
            {"VENOM_DATA_DIR", dir_.path().string()},
            {"VENOM_SERVICE_MANAGER", "process"},
            {"OLLAMA_BIN", kFakeRuntime},
            {"VLLM_BIN", kFakeRuntime},
            {"OLLAMA_HOST", "127.0.0.1:" + std::to_string(port_)},
            {"VLLM_ENDPOINT", base_url() + "/v1"},
            {"VENOM_RUNTIME_START_TIMEOUT", "20"},
            {"VENOM_RUNTIME_STOP_TIMEOUT", "5"},
        };
    }

    RunResult script(const std::string& name, const std::string& action, const Env& env) {
        return run({kScriptsDir + "/" + name + "_service.sh", action}, env);
    }
    RunResult ollama(const std::string& action, Env extra = {}) {
        return script("ollama", action, with(std::move(extra)));
    }
    RunResult vllm(const std::string& action, Env extra = {}) {
        return script("vllm", action, with(std::move(extra)));
    }
    Env with(Env extra) const {
        Env env = base_env();
        for (auto& [key, value] : extra) env[key] = std::move(value);
        return env;
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    fs::path logs() const { return dir_ / "logs"; }
    fs::path bin_dir() const { return dir_ / "bin"; }

    // The PID recorded in logs/<name>.pid, once the file holds one.
    std::optional<pid_t> recorded_pid(const std::string& name) const {
        std::istringstream in(read_file(logs() / (name + ".pid")));
        long pid = 0;
        if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
        return std::nullopt;
    }

    std::vector<pid_t> live_servers() const {
        return live_processes_with_env("VENOM_DATA_DIR=" + dir_.path().string());
    }

    Child& child(std::vector<std::string> argv, const Env& env, bool keep_stdin_open = false) {
        children_.push_back(spawn_child(std::move(argv), env, keep_stdin_open));
        return children_.back();
    }

    // A fake Ollama the test runs itself, as systemd or a person would: not the scripts'.
    pid_t foreign_ollama() {
        Env env{{"OLLAMA_HOST", "127.0.0.1:" + std::to_string(port_)}};
        const pid_t pid = child({kFakeRuntime, "serve"}, env).pid;
        EXPECT_TRUE(eventually([&] { return http_get(base_url() + "/api/version").status == 200; }))
            << "the test's own fake Ollama did not come up";
        return pid;
    }

    // A systemctl that records its arguments and answers like a unit in FAKE_SYSTEMCTL_STATE.
    fs::path install_fake_systemctl() const {
        const fs::path path = bin_dir() / "systemctl";
        write_file(path,
                   "#!/bin/sh\n"
                   "echo \"$*\" >> \"$FAKE_SYSTEMCTL_LOG\"\n"
                   "case \"$*\" in\n"
                   "  *is-active*) echo \"${FAKE_SYSTEMCTL_STATE:-active}\"\n"
                   "               [ \"${FAKE_SYSTEMCTL_STATE:-active}\" = active ] ;;\n"
                   "  *list-unit-files*) for u in $FAKE_SYSTEMCTL_UNITS; do\n"
                   "                       echo \"$u enabled enabled\"; done ;;\n"
                   "esac\n",
                   fs::perms::owner_all);
        return dir_ / "systemctl.calls";
    }
    Env systemd_env(const std::string& manager) const {
        return Env{{"VENOM_SERVICE_MANAGER", manager},
                   {"PATH", bin_dir().string() + ":" + base_env().at("PATH")},
                   {"FAKE_SYSTEMCTL_LOG", (dir_ / "systemctl.calls").string()}};
    }

    TempDir dir_;
    std::uint16_t port_ = 0;
    std::vector<Child> children_;
};

// ---- local process mode: Ollama ----------------------------------------------------------------

TEST_F(ServiceScriptTest, StartServesTheHealthUrlAndRecordsTheServerPid) {
    const RunResult start = ollama("start");
    ASSERT_EQ(start.exit_code, 0) << start;
    const auto pid = recorded_pid("ollama");
    ASSERT_TRUE(pid);
    EXPECT_EQ(start.out,
              "ollama: started (pid " + std::to_string(*pid) + ") at " + base_url() + "\n");
    // The PID is the server itself (setsid exec'd in place), leading its own session.
    EXPECT_TRUE(alive(*pid));
    EXPECT_EQ(exe_of(*pid), fs::canonical(kFakeRuntime).string());
    EXPECT_EQ(proc_stat(*pid)->session, *pid);
    EXPECT_EQ(read_file(logs() / "ollama.pid"),
              std::to_string(*pid) + " " + std::to_string(proc_stat(*pid)->start_time) + "\n");

    EXPECT_EQ(http_get(base_url() + "/api/version").status, 200);
    EXPECT_EQ(http_get(base_url() + "/").body, "Ollama is running");
    EXPECT_THAT(http_get(base_url() + "/api/tags").body, HasSubstr("\"name\":\"llama3.2:1b\""));
    EXPECT_THAT(read_file(logs() / "ollama.log"), HasSubstr("fake-ollama listening on"));

    EXPECT_EQ(ollama("stop").exit_code, 0);
}

TEST_F(ServiceScriptTest, StatusSaysStoppedThenRunningThenStopped) {
    RunResult status = ollama("status");
    EXPECT_EQ(status.exit_code, 3) << status;
    EXPECT_EQ(status.out, "ollama: stopped\n");

    ASSERT_EQ(ollama("start").exit_code, 0);
    status = ollama("status");
    EXPECT_EQ(status.exit_code, 0) << status;
    EXPECT_EQ(status.out, "ollama: running (pid " + std::to_string(*recorded_pid("ollama")) +
                              ") at " + base_url() + "\n");

    ASSERT_EQ(ollama("stop").exit_code, 0);
    status = ollama("status");
    EXPECT_EQ(status.exit_code, 3) << status;
}

// A server still loading (vLLM takes minutes) is alive but does not answer yet: status says so
// with 1, and a stop ends the start that is waiting for it.
TEST_F(ServiceScriptTest, StatusIsUnhealthyWhileTheServerLoadsAndStopInterruptsTheStart) {
    auto start = std::async(std::launch::async, [&] {
        return ollama("start", {{"FAKE_RUNTIME_START_DELAY_MS", "60000"},
                                {"VENOM_RUNTIME_START_TIMEOUT", "20"}});
    });
    ASSERT_TRUE(eventually([&] { return recorded_pid("ollama").has_value(); }, 10s));
    const pid_t pid = *recorded_pid("ollama");

    const RunResult status = ollama("status");
    EXPECT_EQ(status.exit_code, 1) << status;
    EXPECT_THAT(status.out, HasSubstr("pid " + std::to_string(pid) + " is alive but"));

    const RunResult stop = ollama("stop");
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_TRUE(gone(pid));
    const RunResult started = start.get();
    EXPECT_EQ(started.exit_code, 1) << started;
    EXPECT_THAT(started.err, HasSubstr("exited with status 0 before answering"));
    EXPECT_LT(started.elapsed, 20s);
}

TEST_F(ServiceScriptTest, StopEndsTheServerAndRemovesThePidFile) {
    ASSERT_EQ(ollama("start").exit_code, 0);
    const pid_t pid = *recorded_pid("ollama");

    const RunResult stop = ollama("stop");
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_EQ(stop.out, "ollama: stopped (pid " + std::to_string(pid) + ")\n");
    EXPECT_TRUE(gone(pid));
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
    EXPECT_EQ(http_get(base_url() + "/api/version").status, 0);
    EXPECT_THAT(read_file(logs() / "ollama.log"), HasSubstr("stopping on signal 15"));

    const RunResult again = ollama("stop");
    EXPECT_EQ(again.exit_code, 0) << again;
    EXPECT_EQ(again.out, "ollama: not running (no PID file)\n");
}

TEST_F(ServiceScriptTest, RestartReplacesTheServer) {
    ASSERT_EQ(ollama("start").exit_code, 0);
    const pid_t first = *recorded_pid("ollama");

    const RunResult restart = ollama("restart");
    EXPECT_EQ(restart.exit_code, 0) << restart;
    const pid_t second = *recorded_pid("ollama");
    EXPECT_NE(second, first);
    EXPECT_TRUE(gone(first));
    EXPECT_TRUE(alive(second));
    EXPECT_EQ(http_get(base_url() + "/api/version").status, 200);
    EXPECT_EQ(live_servers(), std::vector<pid_t>{second});

    EXPECT_EQ(ollama("stop").exit_code, 0);
}

// A restart that cannot start must not take down what runs.
TEST_F(ServiceScriptTest, RestartWithAMissingBinaryLeavesTheServerRunning) {
    ASSERT_EQ(ollama("start").exit_code, 0);
    const pid_t pid = *recorded_pid("ollama");

    const RunResult restart = ollama("restart", {{"OLLAMA_BIN", (dir_ / "no-ollama").string()}});
    EXPECT_EQ(restart.exit_code, 5) << restart;
    EXPECT_TRUE(alive(pid));
    EXPECT_EQ(http_get(base_url() + "/api/version").status, 200);

    EXPECT_EQ(ollama("stop").exit_code, 0);
}

TEST_F(ServiceScriptTest, SecondStartIsANoOp) {
    ASSERT_EQ(ollama("start").exit_code, 0);
    const pid_t pid = *recorded_pid("ollama");

    const RunResult again = ollama("start");
    EXPECT_EQ(again.exit_code, 0) << again;
    EXPECT_EQ(again.out,
              "ollama: already running (pid " + std::to_string(pid) + ") at " + base_url() + "\n");
    EXPECT_EQ(recorded_pid("ollama"), pid);
    EXPECT_EQ(live_servers(), std::vector<pid_t>{pid});

    EXPECT_EQ(ollama("stop").exit_code, 0);
}

TEST_F(ServiceScriptTest, StartReplacesAPidFileNamingADeadProcess) {
    Child& dead = child({"/bin/true"}, {});
    ASSERT_EQ(::waitpid(dead.pid, nullptr, 0), dead.pid);
    const pid_t dead_pid = dead.pid;
    dead.pid = 0;  // reaped: nothing to clean up
    fs::create_directories(logs());
    write_file(logs() / "ollama.pid", std::to_string(dead_pid) + " 12345\n");

    EXPECT_EQ(ollama("status").exit_code, 3);
    const RunResult start = ollama("start");
    EXPECT_EQ(start.exit_code, 0) << start;
    EXPECT_THAT(start.err, HasSubstr("stale PID file"));
    const auto pid = recorded_pid("ollama");
    ASSERT_TRUE(pid);
    EXPECT_NE(*pid, dead_pid);
    EXPECT_TRUE(alive(*pid));

    EXPECT_EQ(ollama("stop").exit_code, 0);
}

// The PID in the file now belongs to another process (the PID was reused): its start time does
// not match, so neither stop nor start may touch it.
TEST_F(ServiceScriptTest, APidFileNamingAnUnrelatedProcessNeverGetsItKilled) {
    const pid_t unrelated = child({"/bin/cat"}, {}, /*keep_stdin_open=*/true).pid;
    ASSERT_TRUE(alive(unrelated));
    fs::create_directories(logs());
    write_file(logs() / "ollama.pid", std::to_string(unrelated) + " 1\n");

    RunResult status = ollama("status");
    EXPECT_EQ(status.exit_code, 3) << status;

    const RunResult stop = ollama("stop");
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_THAT(stop.out, HasSubstr("stale PID file removed"));
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
    EXPECT_TRUE(alive(unrelated));

    write_file(logs() / "ollama.pid", std::to_string(unrelated) + "\n");  // no start time at all
    const RunResult start = ollama("start");
    EXPECT_EQ(start.exit_code, 0) << start;
    EXPECT_NE(recorded_pid("ollama"), unrelated);
    EXPECT_EQ(ollama("stop").exit_code, 0);
    EXPECT_TRUE(alive(unrelated));
}

TEST_F(ServiceScriptTest, StopLeavesAServerItDidNotStartAlone) {
    const pid_t foreign = foreign_ollama();

    const RunResult status = ollama("status");
    EXPECT_EQ(status.exit_code, 0) << status;
    EXPECT_THAT(status.out, HasSubstr("not started by this script"));

    const RunResult stop = ollama("stop");
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_THAT(stop.out, HasSubstr("not started by this script"));
    EXPECT_THAT(stop.out, HasSubstr("left alone"));
    EXPECT_TRUE(alive(foreign));

    const RunResult start = ollama("start");
    EXPECT_EQ(start.exit_code, 0) << start;
    EXPECT_THAT(start.out, HasSubstr("already running"));
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
}

TEST_F(ServiceScriptTest, StopEscalatesToSigkillWhenSigtermIsIgnored) {
    const Env stubborn{{"FAKE_RUNTIME_IGNORE_SIGTERM", "1"}, {"VENOM_RUNTIME_STOP_TIMEOUT", "1"}};
    ASSERT_EQ(ollama("start", stubborn).exit_code, 0);
    const pid_t pid = *recorded_pid("ollama");

    const RunResult stop = ollama("stop", stubborn);
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_THAT(stop.out, HasSubstr("stopped (pid " + std::to_string(pid) + ", SIGKILL"));
    EXPECT_GE(stop.elapsed, 1s);
    EXPECT_TRUE(gone(pid));
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
}

TEST_F(ServiceScriptTest, AServerThatExitsAtOnceFailsTheStartWithItsLog) {
    const RunResult start = ollama(
        "start", {{"FAKE_RUNTIME_EXIT_AT_ONCE", "1"}, {"VENOM_RUNTIME_START_TIMEOUT", "60"}});
    EXPECT_EQ(start.exit_code, 1) << start;
    EXPECT_LT(start.elapsed, 10s);  // noticed the exit, did not wait for the timeout
    EXPECT_THAT(start.err, HasSubstr("exited with status 1"));
    EXPECT_THAT(start.err, HasSubstr("simulated start-up failure"));
    EXPECT_EQ(start.out, "");
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
}

TEST_F(ServiceScriptTest, AServerThatNeverAnswersIsStoppedAfterTheStartTimeout) {
    const RunResult start = ollama(
        "start", {{"FAKE_RUNTIME_START_DELAY_MS", "60000"}, {"VENOM_RUNTIME_START_TIMEOUT", "1"}});
    EXPECT_EQ(start.exit_code, 1) << start;
    EXPECT_THAT(start.err, HasSubstr("did not answer at " + base_url() + "/api/version within 1s"));
    EXPECT_LT(start.elapsed, 10s);
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
    EXPECT_TRUE(live_servers().empty());
}

TEST_F(ServiceScriptTest, AMissingBinaryIsNamedWithExitCode5) {
    Env env = base_env();
    std::istringstream path(env.at("PATH"));
    for (std::string dir; std::getline(path, dir, ':');) {
        if (fs::exists(fs::path(dir) / "ollama")) GTEST_SKIP() << "a real ollama is in " << dir;
    }
    env.erase("OLLAMA_BIN");
    const RunResult start = script("ollama", "start", env);
    EXPECT_EQ(start.exit_code, 5) << start;
    EXPECT_EQ(
        start.err,
        "ollama_service.sh: OLLAMA_BIN 'ollama' not found; install Ollama or set OLLAMA_BIN\n");

    const RunResult vllm_start = vllm("start", {{"VLLM_BIN", (dir_ / "no-vllm").string()}});
    EXPECT_EQ(vllm_start.exit_code, 5) << vllm_start;
    EXPECT_THAT(vllm_start.err, HasSubstr("VLLM_BIN '" + (dir_ / "no-vllm").string() + "'"));
    EXPECT_TRUE(live_servers().empty());
}

TEST_F(ServiceScriptTest, AnUnknownActionPrintsTheUsageWithExitCode2) {
    const RunResult bogus = ollama("bogus");
    EXPECT_EQ(bogus.exit_code, 2) << bogus;
    EXPECT_EQ(bogus.err, "usage: ollama_service.sh start|stop|restart|status\n");
    const RunResult none = run({kScriptsDir + "/vllm_service.sh"}, base_env());
    EXPECT_EQ(none.exit_code, 2) << none;
}

// ---- vLLM --------------------------------------------------------------------------------------

TEST_F(ServiceScriptTest, VllmServesTheModelPathUnderItsServedName) {
    const fs::path model = dir_ / "models" / "gemma-2b-it";
    fs::create_directories(model);
    write_file(model / "config.json", "{}\n");  // vLLM loads a folder by its config.json
    const RunResult start =
        vllm("start", {{"VLLM_MODEL_PATH", model.string()},
                       {"VLLM_SERVED_MODEL_NAME", "google/gemma-2b-it"},
                       {"VLLM_MAX_MODEL_LEN", "2048"},
                       {"VLLM_OVERRIDE_GENERATION_CONFIG", R"({"temperature":0.25,"top_k":5})"}});
    ASSERT_EQ(start.exit_code, 0) << start;
    const pid_t pid = *recorded_pid("vllm");
    EXPECT_THAT(read_file(logs() / "vllm.log"),
                HasSubstr(R"(with generation config {"temperature":0.25,"top_k":5})"));
    EXPECT_EQ(start.out,
              "vllm: started (pid " + std::to_string(pid) + ") at " + base_url() + "/v1\n");
    EXPECT_EQ(http_get(base_url() + "/health").status, 200);

    const auto models = http_get(base_url() + "/v1/models");
    ASSERT_EQ(models.status, 200);
    const auto entry = nlohmann::json::parse(models.body)["data"][0];
    EXPECT_EQ(entry["id"], "google/gemma-2b-it");
    EXPECT_EQ(entry["root"], model.string());
    EXPECT_EQ(entry["max_model_len"], 2048);
    EXPECT_EQ(http_post_json(
                  base_url() + "/v1/chat/completions",
                  R"({"model":"google/gemma-2b-it","messages":[{"role":"user","content":"hi"}]})")
                  .status,
              200);

    // The script's VLLM_* settings became flags; VLLM_PORT in particular would be taken by vLLM
    // as its internal port.
    for (const std::string& variable : environ_of(pid)) {
        EXPECT_FALSE(variable.starts_with("VLLM_")) << variable;
    }
    EXPECT_EQ(vllm("status").exit_code, 0);
    const RunResult stop = vllm("stop");
    EXPECT_EQ(stop.exit_code, 0) << stop;
    EXPECT_TRUE(gone(pid));
}

TEST_F(ServiceScriptTest, VllmNamesAGgufFileAfterItsFileName) {
    const fs::path model = dir_ / "tiny.Q4_K_M.gguf";
    write_file(model, "GGUF");
    const RunResult start = vllm("start", {{"VLLM_MODEL_PATH", model.string()}});
    ASSERT_EQ(start.exit_code, 0) << start;
    const auto entry = nlohmann::json::parse(http_get(base_url() + "/v1/models").body)["data"][0];
    EXPECT_EQ(entry["id"], "tiny.Q4_K_M.gguf");
    EXPECT_EQ(entry["root"], model.string());
    EXPECT_EQ(vllm("stop").exit_code, 0);
}

TEST_F(ServiceScriptTest, VllmWithoutAUsableModelPathExitsWith6) {
    RunResult start = vllm("start");
    EXPECT_EQ(start.exit_code, 6) << start;
    EXPECT_THAT(start.err, HasSubstr("VLLM_MODEL_PATH is not set"));

    start = vllm("start", {{"VLLM_MODEL_PATH", (dir_ / "missing").string()}});
    EXPECT_EQ(start.exit_code, 6) << start;
    EXPECT_THAT(start.err, HasSubstr("does not exist"));

    write_file(dir_ / "weights.bin", "x");
    start = vllm("start", {{"VLLM_MODEL_PATH", (dir_ / "weights.bin").string()}});
    EXPECT_EQ(start.exit_code, 6) << start;
    EXPECT_THAT(start.err, HasSubstr("neither a model directory nor a .gguf file"));
    EXPECT_TRUE(live_servers().empty());
}

// ---- the env file ------------------------------------------------------------------------------

// What venomd writes when a vLLM model is activated is enough to start it.
// The env file holds model ids from clients and upstreams; the binary a script runs must never
// come from it (review of issue 9, finding 6).
TEST_F(ServiceScriptTest, TheEnvFileCannotChooseTheBinary) {
    Env env = base_env();
    std::istringstream path(env.at("PATH"));
    for (std::string dir; std::getline(path, dir, ':');) {
        if (fs::exists(fs::path(dir) / "ollama")) GTEST_SKIP() << "a real ollama is in " << dir;
    }
    env.erase("OLLAMA_BIN");
    write_file(dir_ / "llm-runtime.env", "OLLAMA_BIN=\"" + kFakeRuntime + "\"\n");
    const RunResult start = script("ollama", "start", env);
    EXPECT_EQ(start.exit_code, 5) << start;
    EXPECT_THAT(start.err, HasSubstr("OLLAMA_BIN 'ollama' not found"));
    EXPECT_TRUE(live_servers().empty());
}

TEST_F(ServiceScriptTest, EnvFileValuesApplyWhenTheProcessEnvironmentLacksThem) {
    const fs::path model = dir_ / "models" / "snapshot";
    fs::create_directories(model);
    write_file(model / "config.json", "{}\n");  // vLLM loads a folder by its config.json
    write_file(dir_ / "llm-runtime.env",
               "# Written by venomd; changes here are overwritten.\n"
               "LLM_SERVICE_TYPE=\"local\"\n"
               "ACTIVE_LLM_SERVER=\"vllm\"\n"
               "LLM_MODEL_NAME=\"google/gemma-2b-it\"\n"
               "VLLM_MODEL_PATH=\"" +
                   model.string() +
                   "\"\n"
                   "VLLM_SERVED_MODEL_NAME=\"google/gemma-2b-it\"\n"
                   "LAST_MODEL_VLLM=\"google/gemma-2b-it\"\n");
    const RunResult start = vllm("start");
    ASSERT_EQ(start.exit_code, 0) << start;
    const auto entry = nlohmann::json::parse(http_get(base_url() + "/v1/models").body)["data"][0];
    EXPECT_EQ(entry["id"], "google/gemma-2b-it");
    EXPECT_EQ(entry["root"], model.string());
    EXPECT_EQ(vllm("stop").exit_code, 0);
}

// Issue 9, finding 6: a model id with a quote and a newline smuggled a PYTHONPATH line into the
// env file, and the script exported it into vLLM. The file below is byte for byte what venomd
// writes for that id now (runtime_state_test checks the writer): the script must read the value
// back literally and export nothing else, and run nothing of it.
TEST_F(ServiceScriptTest, AnInjectedLineInAQuotedValueIsNeitherExportedNorRun) {
    const fs::path model = dir_ / "models" / "snapshot";
    fs::create_directories(model);
    const fs::path dump = dir_ / "vllm-env.txt";
    const fs::path pwned = dir_ / "pwned";
    // A stand-in for vLLM that records the environment it got and exits.
    const fs::path bin = dir_ / "env-dumping-vllm";
    write_file(bin, "#!/bin/sh\nenv -0 > '" + dump.string() + "'\nexit 3\n");
    fs::permissions(bin, fs::perms::owner_all);
    const std::string hostile = "gpt-4o\"\nPYTHONPATH=\"/tmp/evil\" $(touch " + pwned.string() +
                                ") `touch " + pwned.string() + "` \\";
    std::string quoted = "\"";
    for (char c : hostile) {
        if (c == '"' || c == '\\' || c == '$' || c == '`') quoted += '\\';
        quoted += c;
    }
    quoted += "\"";
    write_file(dir_ / "llm-runtime.env",
               "# Written by venomd; changes here are overwritten.\n"
               "LLM_SERVICE_TYPE=\"local\"\n"
               "ACTIVE_LLM_SERVER=\"vllm\"\n"
               "LLM_MODEL_NAME=" +
                   quoted +
                   "\n"
                   "VLLM_MODEL_PATH=\"" +
                   model.string() +
                   "\"\n"
                   "PYTHONPATH=\"/tmp/evil-direct\"\n");

    Env env = with({{"VLLM_BIN", bin.string()}});
    env.erase("PYTHONPATH");
    env.erase("LLM_MODEL_NAME");
    const RunResult start = script("vllm", "start", env);
    EXPECT_NE(start.exit_code, 0) << start;   // the stand-in exits at once
    std::map<std::string, std::string> seen;  // NUL-separated: values may hold newlines
    std::istringstream entries(read_file(dump));
    for (std::string entry; std::getline(entries, entry, '\0');) {
        seen[entry.substr(0, entry.find('='))] = entry.substr(entry.find('=') + 1);
    }
    ASSERT_FALSE(seen.empty()) << start;
    EXPECT_EQ(seen.count("PYTHONPATH"), 0u);
    EXPECT_EQ(seen["LLM_MODEL_NAME"], hostile);
    EXPECT_FALSE(fs::exists(pwned));
}

TEST_F(ServiceScriptTest, TheProcessEnvironmentBeatsTheEnvFile) {
    const std::uint16_t file_port = free_loopback_port();
    const fs::path env_file = dir_ / "custom.env";
    write_file(env_file, "OLLAMA_HOST=\"127.0.0.1:" + std::to_string(file_port) + "\"\n");

    // OLLAMA_HOST comes from the process, not the file.
    ASSERT_EQ(ollama("start", {{"VENOM_RUNTIME_ENV_FILE", env_file.string()},
                               {"FAKE_OLLAMA_MODELS", "qwen2.5:7b"}})
                  .exit_code,
              0);
    EXPECT_THAT(http_get(base_url() + "/api/tags").body, HasSubstr("\"name\":\"qwen2.5:7b\""));
    EXPECT_EQ(http_get("http://127.0.0.1:" + std::to_string(file_port) + "/api/version").status, 0);
    ASSERT_EQ(ollama("stop").exit_code, 0);

    // Without OLLAMA_HOST in the process environment the file's address is used.
    Env env = with({{"VENOM_RUNTIME_ENV_FILE", env_file.string()}});
    env.erase("OLLAMA_HOST");
    const RunResult start = script("ollama", "start", env);
    ASSERT_EQ(start.exit_code, 0) << start;
    EXPECT_THAT(start.out, HasSubstr("at http://127.0.0.1:" + std::to_string(file_port)));
    EXPECT_EQ(http_get("http://127.0.0.1:" + std::to_string(file_port) + "/api/version").status,
              200);
    EXPECT_EQ(script("ollama", "stop", env).exit_code, 0);
}

// ---- systemd mode ------------------------------------------------------------------------------

TEST_F(ServiceScriptTest, SystemdModeDelegatesToSystemctlAndSpawnsNothing) {
    const fs::path calls = install_fake_systemctl();
    const pid_t unit_process = foreign_ollama();  // what the unit would run

    const RunResult start = ollama("start", systemd_env("systemd"));
    EXPECT_EQ(start.exit_code, 0) << start;
    EXPECT_EQ(start.out, "ollama: started (systemd unit ollama.service) at " + base_url() + "\n");
    const RunResult status = ollama("status", systemd_env("systemd"));
    EXPECT_EQ(status.exit_code, 0) << status;
    const RunResult stop = ollama("stop", systemd_env("systemd"));
    EXPECT_EQ(stop.exit_code, 0) << stop;

    EXPECT_EQ(read_file(calls),
              "start ollama.service\nis-active ollama.service\nstop ollama.service\n");
    EXPECT_FALSE(fs::exists(logs() / "ollama.pid"));
    EXPECT_FALSE(fs::exists(logs() / "ollama.log"));
    EXPECT_TRUE(alive(unit_process));  // systemd's business, not the script's

    Env user = systemd_env("systemd");
    user["VENOM_SYSTEMD_SCOPE"] = "user";
    user["OLLAMA_SYSTEMD_UNIT"] = "my-ollama.service";
    fs::remove(calls);
    EXPECT_EQ(ollama("restart", user).exit_code, 0);
    EXPECT_EQ(read_file(calls), "--user restart my-ollama.service\n");
}

TEST_F(ServiceScriptTest, SystemdStartFailsFastWhenTheUnitFails) {
    install_fake_systemctl();
    Env env = systemd_env("systemd");
    env["FAKE_SYSTEMCTL_STATE"] = "failed";
    env["VENOM_RUNTIME_START_TIMEOUT"] = "60";
    const RunResult start = ollama("start", env);
    EXPECT_EQ(start.exit_code, 1) << start;
    EXPECT_THAT(start.err, HasSubstr("unit ollama.service is failed; see journalctl -u"));
    EXPECT_LT(start.elapsed, 10s);

    const RunResult status = ollama("status", env);
    EXPECT_EQ(status.exit_code, 3) << status;
}

TEST_F(ServiceScriptTest, AutoModeUsesSystemdOnlyWhenTheUnitIsInstalled) {
    const fs::path calls = install_fake_systemctl();
    Env env = systemd_env("auto");

    // No unit: a local process.
    env["FAKE_SYSTEMCTL_UNITS"] = "";
    ASSERT_EQ(ollama("start", env).exit_code, 0);
    EXPECT_TRUE(recorded_pid("ollama"));
    EXPECT_EQ(ollama("stop", env).exit_code, 0);
    EXPECT_THAT(read_file(calls), Not(HasSubstr("start")));

    // The unit is installed: systemctl.
    fs::remove(calls);
    env["FAKE_SYSTEMCTL_UNITS"] = "vllm.service ollama.service";
    foreign_ollama();
    const RunResult start = ollama("start", env);
    EXPECT_EQ(start.exit_code, 0) << start;
    EXPECT_EQ(read_file(calls),
              "list-unit-files --no-legend ollama.service\nstart ollama.service\n");
    EXPECT_FALSE(recorded_pid("ollama"));
}

}  // namespace

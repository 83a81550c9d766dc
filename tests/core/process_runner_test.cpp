#include "venom/process_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <sstream>

#include "venom/blocking_pool.hpp"

namespace venom {
namespace {

using namespace std::chrono_literals;

TEST(ProcessRunnerTest, CapturesStdoutAndExitCode) {
    auto ok = run_process({"sh", "-c", "echo hello; echo oops >&2"}, 5s);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->exit_code, 0);
    EXPECT_EQ(ok->out, "hello\n");  // stderr is not mixed in
    EXPECT_EQ(ok->err, "oops\n");
    auto failed = run_process({"sh", "-c", "exit 3"}, 5s);
    ASSERT_TRUE(failed.ok());
    EXPECT_EQ(failed->exit_code, 3);
}

TEST(ProcessRunnerTest, EnvironmentOverridesReachTheChildOverTheDaemonsOwn) {
    ::setenv("VENOM_RUNNER_TEST_INHERITED", "from-parent", 1);
    ProcessSpec spec;
    spec.argv = {"sh", "-c", "echo \"$VENOM_RUNNER_TEST_INHERITED $PATH_PROBE\""};
    spec.env = {{"PATH_PROBE", "given"}};
    auto r = run_process(spec);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->out, "from-parent given\n");

    spec.env = {{"VENOM_RUNNER_TEST_INHERITED", "overridden"}};
    spec.argv = {"sh", "-c", "echo \"$VENOM_RUNNER_TEST_INHERITED\""};
    r = run_process(spec);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->out, "overridden\n");
}

TEST(ProcessRunnerTest, ALoudStderrDoesNotBlockTheChild) {
    // More than a pipe buffer (64 KiB) on stderr before anything on stdout.
    auto r = run_process({"sh", "-c", "head -c 200000 /dev/zero >&2; echo done"}, 5s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->out, "done\n");
    EXPECT_EQ(r->err.size(), 200000u);
}

TEST(ProcessRunnerTest, MissingBinaryIs502) {
    auto r = run_process({"venom-no-such-binary-xyz"}, 5s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().http_status, 502);
    EXPECT_NE(r.error().message.find("venom-no-such-binary-xyz"), std::string::npos);
}

TEST(ProcessRunnerTest, DeadlineKillsAHangingChild) {
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process({"sleep", "30"}, 200ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "process_timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(ProcessRunnerTest, DeadlineAlsoCoversAChildThatClosedItsStdout) {
    const auto start = std::chrono::steady_clock::now();
    auto r = run_process({"sh", "-c", "exec >&-; sleep 30"}, 200ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().http_status, 504);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(ProcessRunnerTest, OutputIsBounded) {
    auto r = run_process({"sh", "-c", "yes | head -c 100000"}, 5s, 1000);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->out.size(), 1000u);
}

// The value of a "Name:\t<hex>" line of /proc/<pid>/status as printed by the child.
std::string status_field(const std::string& text, const std::string& name) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(name + ":", 0) == 0)
            return line.substr(line.find_first_not_of(" \t", name.size() + 1));
    }
    return "missing";
}

TEST(ProcessRunnerTest, ChildStartsWithOnlyStdioAndNoBlockedOrIgnoredSignals) {
    // What the daemon's main() does: SIGTERM blocked for sigwait, SIGPIPE ignored; and a
    // descriptor some library opened without O_CLOEXEC.
    sigset_t term, previous_mask;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &previous_mask), 0);
    struct sigaction ignore = {};
    struct sigaction previous_pipe = {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(sigaction(SIGPIPE, &ignore, &previous_pipe), 0);
    const int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
    ASSERT_GE(leaked, 3);

    // Run directly, not through sh: a shell may reset its own signal mask.
    auto status = run_process({"grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"}, 5s);
    auto listing = run_process({"ls", "/proc/self/fd"}, 5s);

    ::close(leaked);
    sigaction(SIGPIPE, &previous_pipe, nullptr);
    pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);

    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status_field(status->out, "SigBlk"), "0000000000000000") << status->out;
    // Signals 1..31 (bits 0..30). glibc's posix_spawn leaves its own internal real-time
    // signals (32, 33) ignored; nothing in a runtime uses them.
    EXPECT_EQ(std::stoull(status_field(status->out, "SigIgn"), nullptr, 16) & 0x7fffffffULL, 0u)
        << status->out;
    // `ls` sees 0, 1, 2 and the descriptor it opened to read the directory (3).
    ASSERT_TRUE(listing.ok()) << listing.error().message;
    std::istringstream names(listing->out);
    std::vector<int> fds;
    for (std::string name; names >> name;) fds.push_back(std::stoi(name));
    EXPECT_EQ(fds, (std::vector<int>{0, 1, 2, 3})) << listing->out;
}

// Issue 9, finding 12: a service script running when venomd stops was waited for up to its
// deadline (runtime_action_timeout_seconds, 300 s), holding SIGTERM for minutes. A pool that
// stops cancels its running task, and the runner kills the script instead of waiting.
TEST(ProcessRunnerTest, AScriptOfACancelledPoolTaskIsStoppedNotWaitedFor) {
    std::promise<Result<ProcessOutput>> result;
    std::promise<void> started;
    BlockingPool pool(1, 4);
    ASSERT_TRUE(pool.post([&] {
        started.set_value();
        result.set_value(
            run_process(ProcessSpec{{"sleep", "30"}, std::chrono::seconds(60), {}, {}}));
    }));
    started.get_future().wait();
    pool.stop();  // joins: returns once the task gave up; the sleep would end on its own, 0
    const Result<ProcessOutput> r = result.get_future().get();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "shutting_down");
}

}  // namespace
}  // namespace venom

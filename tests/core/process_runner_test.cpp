#include "venom/process_runner.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

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

}  // namespace
}  // namespace venom

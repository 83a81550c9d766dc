// `venomctl pull` as a person runs it, in a terminal (a pseudo-terminal here): the live bar, the
// model installed at the end, and Ctrl-C's "cancel or detach" question.
#include <gtest/gtest.h>

#include <atomic>

#include "cli/venomctl_fixture.hpp"
#include "support/eventually.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class VenomctlPullTest : public VenomctlTest {
protected:
    // A pull the fake holds open after its first layer until the test releases it.
    void script_held_pull(const std::string& name) {
        PullScript script;
        script.hold_until = [this] { return released_.load(); };
        script.hold_after_layer = 1;
        ollama_.script_pull(name, script);
    }
    void TearDown() override { released_ = true; }  // lets a held stream end before teardown

    std::atomic<bool> released_{false};
};

TEST_F(VenomctlPullTest, PullInATerminalDrawsTheBarToFullAndInstallsTheModel) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);

    PtySession pty(with_url({"pull", "llama3"}));
    const int code = pty.wait_exit(30s);
    const std::string& out = pty.output();

    EXPECT_EQ(code, 0) << out;
    // The bar is redrawn in place ("\r", erase line) and ends full, then the summary.
    EXPECT_TRUE(has(out, "\r\x1b[2K[")) << out;
    EXPECT_TRUE(has(out, "[" + std::string(40, '#') + "] 100%")) << out;
    EXPECT_TRUE(has(out, "downloading 6a0746a1ec1a")) << out;
    EXPECT_TRUE(has(out, "installed llama3:latest: 4.3 GiB in ")) << out;
    EXPECT_TRUE(listed("llama3:latest")) << daemon_->get("/api/v1/models").body;
}

TEST_F(VenomctlPullTest, PullWithoutATerminalPrintsOneLinePerPhaseAndNoBar) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);

    const VenomctlRun run = venomctl({"pull", "llama3"});

    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_FALSE(has(run.out, "\r")) << run.out;
    EXPECT_FALSE(has(run.out, "\x1b[")) << run.out;
    // venomd counts the layers it has seen so far: "(layer 1 of 1)", then "(layer 2 of 2)".
    for (const char* phase : {"downloading 6a0746a1ec1a", "(layer 4 of 4)"}) {
        EXPECT_TRUE(has(run.out, phase)) << phase << "\n" << run.out;
    }
    // One line per phase, not per progress event: the first layer's several progress events
    // make one line.
    const auto first = run.out.find("downloading 6a0746a1ec1a");
    EXPECT_EQ(run.out.find("downloading 6a0746a1ec1a", first + 1), std::string::npos) << run.out;
    EXPECT_TRUE(has(run.out, "installed llama3:latest")) << run.out;
    EXPECT_TRUE(listed("llama3:latest"));
}

TEST_F(VenomctlPullTest, CtrlCThenCCancelsTheOperationOnVenomdAndExits1) {
    script_held_pull("big:latest");
    PtySession pty(with_url({"pull", "big"}));
    ASSERT_TRUE(pty.read_until([](const std::string& out) { return has(out, "downloading 6a07"); }))
        << pty.output();

    pty.type("\x03");  // Ctrl-C: the terminal sends SIGINT
    ASSERT_TRUE(pty.read_until([](const std::string& out) { return has(out, "[c/D]"); }))
        << pty.output();
    pty.type("c\n");
    const int code = pty.wait_exit(30s);

    EXPECT_EQ(code, 1) << pty.output();
    EXPECT_TRUE(has(pty.output(), "install of big:latest was cancelled")) << pty.output();
    const json op = newest_operation();
    EXPECT_EQ(op["model_name"], "big:latest");
    EXPECT_EQ(op["status"], "cancelled") << op.dump();
    EXPECT_FALSE(listed("big:latest"));
}

TEST_F(VenomctlPullTest, CtrlCThenEnterDetachesAndTheOperationGoesOn) {
    script_held_pull("big:latest");
    PtySession pty(with_url({"pull", "big"}));
    ASSERT_TRUE(pty.read_until([](const std::string& out) { return has(out, "downloading 6a07"); }))
        << pty.output();

    pty.type("\x03");
    ASSERT_TRUE(pty.read_until([](const std::string& out) { return has(out, "[c/D]"); }))
        << pty.output();
    pty.type("\n");
    const int code = pty.wait_exit(30s);

    EXPECT_EQ(code, 130) << pty.output();
    const json op = newest_operation();
    EXPECT_EQ(op["status"], "in_progress") << op.dump();
    const std::string follow = "venomctl ops --follow " + op["operation_id"].get<std::string>();
    EXPECT_TRUE(has(pty.output(), follow)) << pty.output();

    // Following it again picks it up where it is and sees it through.
    released_ = true;
    const VenomctlRun again = venomctl({"ops", "--follow", op["operation_id"].get<std::string>()});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_TRUE(has(again.out, "installed big:latest")) << again.out;
    EXPECT_TRUE(listed("big:latest"));
}

TEST_F(VenomctlPullTest, PullThatFailsUpstreamExits1AndSaysWhy) {
    // Unscripted: the fake answers as Ollama does for a model its registry lacks.
    const VenomctlRun run = venomctl({"pull", "nosuchmodel"});
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_TRUE(has(run.err, "install of nosuchmodel:latest failed")) << run.err;
    EXPECT_TRUE(has(run.err, "file does not exist")) << run.err;
    EXPECT_FALSE(listed("nosuchmodel:latest"));
}

TEST_F(VenomctlPullTest, PullJsonPrintsTheFinalOperation) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);

    const VenomctlRun run = venomctl({"pull", "llama3", "--json"});

    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const json answer = json::parse(run.out);  // only the JSON: no progress lines
    EXPECT_EQ(answer["operation"]["status"], "completed");
    EXPECT_EQ(answer["operation"]["model_name"], "llama3:latest");
    EXPECT_EQ(answer["operation"]["progress"], 100.0);
}

TEST_F(VenomctlPullTest, RmFollowsTheRemovalAndTheModelIsGone) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);
    ASSERT_EQ(venomctl({"pull", "llama3"}).exit_code, 0);

    const VenomctlRun run = venomctl({"rm", "llama3:latest"});

    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_TRUE(has(run.out, "removed llama3:latest")) << run.out;
    EXPECT_TRUE(eventually([&] { return !listed("llama3:latest"); }));
}

}  // namespace
}  // namespace venom::testing

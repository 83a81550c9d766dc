// The venomd binary as users run it: flags, errors, start-up, SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include "integration/daemon_harness.hpp"

namespace venom::testing {
namespace {

TEST(DaemonProcessTest, HelpListsTheFlagsAndExitsZero) {
    ChildDaemon child({"--help"});
    EXPECT_EQ(child.wait_exit(), 0);
    const std::string out = child.output();
    for (const char* flag : {"--host", "--port", "--data-dir", "--config", "--log-level"}) {
        EXPECT_NE(out.find(flag), std::string::npos) << flag;
    }
}

TEST(DaemonProcessTest, UnknownFlagIsAOneLineErrorWithExitCode2) {
    ChildDaemon child({"--frobnicate"});
    EXPECT_EQ(child.wait_exit(), 2);
    const std::string out = child.output();
    EXPECT_NE(out.find("--frobnicate"), std::string::npos);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(DaemonProcessTest, MalformedValuesNameTheSetting) {
    struct Case {
        std::vector<std::string> args;
        std::map<std::string, std::string> env;
        std::string named;
    };
    const Case cases[] = {
        {{"--port", "eighty"}, {}, "--port"},
        {{"--port=70000"}, {}, "--port"},
        {{"--log-level", "loud"}, {}, "--log-level"},
        {{}, {{"VENOM_PORT", "-1"}}, "VENOM_PORT"},
        {{}, {{"MAX_STORAGE_GB", "lots"}}, "MAX_STORAGE_GB"},
        {{}, {{"VENOM_SERVICE_MANAGER", "docker"}}, "VENOM_SERVICE_MANAGER"},
        {{"--config", "/nonexistent/venom.json"}, {}, "--config"},
    };
    for (const auto& c : cases) {
        ChildDaemon child(c.args, c.env);
        EXPECT_EQ(child.wait_exit(), 2) << c.named;
        EXPECT_NE(child.output().find(c.named), std::string::npos) << child.output();
    }
}

TEST(DaemonProcessTest, StartsServesAndStopsCleanlyOnSigterm) {
    TempDir dir;
    const auto started = std::chrono::steady_clock::now();
    ChildDaemon child({"--port", "0", "--data-dir", dir.path().string()});
    const int port = child.wait_for_port();
    ASSERT_GT(port, 0) << child.output();
    auto health = http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health");
    const auto first_answer = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(health.status, 200);
    // Generous bound for a loaded CI machine; bench/ measures the real start-up time.
    EXPECT_LT(first_answer, std::chrono::seconds(5));
    EXPECT_TRUE(std::filesystem::is_directory(dir / "models"));

    child.signal(SIGTERM);
    EXPECT_EQ(child.wait_exit(), 0);
    EXPECT_NE(child.output().find("stopped"), std::string::npos);
}

TEST(DaemonProcessTest, EnvironmentConfiguresAndFlagsWin) {
    TempDir env_dir, flag_dir;
    ChildDaemon child({"--port", "0", "--data-dir", flag_dir.path().string()},
                      {{"VENOM_DATA_DIR", env_dir.path().string()}, {"VENOM_PORT", "1"}});
    ASSERT_GT(child.wait_for_port(), 0) << child.output();
    EXPECT_TRUE(std::filesystem::is_directory(flag_dir / "models"));
    EXPECT_FALSE(std::filesystem::exists(env_dir / "models"));
    child.signal(SIGINT);
    EXPECT_EQ(child.wait_exit(), 0);
}

TEST(DaemonProcessTest, SecretsNeverAppearInTheLog) {
    TempDir dir;
    ChildDaemon child({"--port", "0", "--data-dir", dir.path().string(), "--log-level", "trace"},
                      {{"VENOM_API_TOKEN", "very-secret-token"},
                       {"HF_TOKEN", "hf_secretvalue"},
                       {"OPENAI_API_KEY", "sk-secretvalue"}});
    const int port = child.wait_for_port();
    ASSERT_GT(port, 0);
    http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health");
    child.signal(SIGTERM);
    child.wait_exit();
    const std::string out = child.output();
    for (const char* secret : {"very-secret-token", "hf_secretvalue", "sk-secretvalue"}) {
        EXPECT_EQ(out.find(secret), std::string::npos) << secret;
    }
}

TEST(DaemonProcessTest, PortInUseIsAClearStartupError) {
    TempDir a, b;
    ChildDaemon first({"--port", "0", "--data-dir", a.path().string()});
    const int port = first.wait_for_port();
    ASSERT_GT(port, 0);
    ChildDaemon second({"--port", std::to_string(port), "--data-dir", b.path().string()});
    EXPECT_EQ(second.wait_exit(), 1);
    EXPECT_NE(second.output().find("Cannot listen"), std::string::npos) << second.output();
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait_exit(), 0);
}

}  // namespace
}  // namespace venom::testing

// The venomd binary as users run it: flags, errors, start-up, SIGTERM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"

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
    auto health =
        http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health");
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

TEST(DaemonProcessTest, NonLoopbackBindWithoutATokenIsRefusedUnlessInsecureBind) {
    TempDir dir;
    ChildDaemon refused({"--host", "0.0.0.0", "--port", "0", "--data-dir", dir.path().string()});
    EXPECT_EQ(refused.wait_exit(), 2);
    const std::string out = refused.output();
    EXPECT_NE(out.find("VENOM_API_TOKEN"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_FALSE(std::filesystem::exists(dir / "models"));  // stopped before doing anything

    ChildDaemon insecure(
        {"--host", "0.0.0.0", "--port", "0", "--data-dir", dir.path().string(), "--insecure-bind"});
    const int port = insecure.wait_for_port();
    ASSERT_GT(port, 0) << insecure.output();
    EXPECT_NE(insecure.output().find("INSECURE"), std::string::npos) << insecure.output();
    EXPECT_EQ(
        http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health").status,
        200);
    insecure.signal(SIGTERM);
    EXPECT_EQ(insecure.wait_exit(), 0);
}

// With fewer descriptors than max_connections, accept() used to fail ~130,000 times a second,
// each failure a log line, and health timed out. Now the limit is sized to the descriptors and
// failures back off: the log stays small and the daemon answers again once clients leave.
TEST(DaemonProcessTest, MoreClientsThanDescriptorsNeitherFloodsTheLogNorWedgesTheDaemon) {
    TempDir dir;
    ChildDaemon child({"--port", "0", "--data-dir", dir.path().string()}, {}, 64);
    const int port = child.wait_for_port();
    ASSERT_GT(port, 0) << child.output();
    // The line after "listening" gives the limit sized to the 64 descriptors.
    EXPECT_TRUE(eventually([&] {
        child.collect_output(std::chrono::milliseconds(10));
        return child.output().find("max_connections=32 fd_limit=64") != std::string::npos;
    })) << child.output();
    const std::size_t log_before = child.output().size();

    std::vector<int> clients;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 150; ++i) {  // idle connections: the daemon keeps them until timeout
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        clients.push_back(fd);
    }
    child.collect_output(std::chrono::milliseconds(1500));  // the window the flood needed
    const std::size_t logged = child.output().size() - log_before;
    EXPECT_LT(logged, 16u * 1024) << child.output().substr(0, 2000);

    for (int fd : clients) ::close(fd);
    EXPECT_TRUE(eventually(
        [&] {
            child.collect_output(std::chrono::milliseconds(10));
            return http_request("GET",
                                "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health")
                       .status == 200;
        },
        std::chrono::seconds(10)));
    child.signal(SIGTERM);
    EXPECT_EQ(child.wait_exit(), 0);
    EXPECT_LT(child.output().size() - log_before, 32u * 1024);
}

}  // namespace
}  // namespace venom::testing

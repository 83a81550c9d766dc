// LlmServerController with a scripted process runner: what it runs, with which environment,
// what it reports, and that a runtime takes one action at a time. No process is started.
#include "runtime/llm_server_controller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>

#include "support/eventually.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"

namespace venom::runtime {
namespace {

using testing::Gate;
using testing::TempDir;

class LlmServerControllerTest : public ::testing::Test {
protected:
    LlmServerControllerTest() {
        std::filesystem::create_directories(dir_.path() / "scripts");
        for (const char* s : {"ollama_service.sh", "vllm_service.sh"}) {
            std::ofstream(dir_.path() / "scripts" / s) << "#!/bin/bash\n";
        }
    }

    LlmServerController::Options options() const {
        LlmServerController::Options o;
        o.scripts_dir = dir_.path() / "scripts";
        o.data_dir = dir_.path() / "data";
        o.service_manager = "process";
        o.ollama_url = "http://127.0.0.1:9";
        o.ollama_host = "127.0.0.1:9";
        o.vllm_endpoint = "http://127.0.0.1:9/v1/";
        o.ollama_bin = "/opt/ollama/bin/ollama";
        o.probe_timeout = std::chrono::milliseconds(500);
        return o;
    }

    static std::string env_value(const ProcessSpec& spec, const std::string& name) {
        for (const auto& [k, v] : spec.env) {
            if (k == name) return v;
        }
        return "<unset>";
    }

    TempDir dir_;
    FakeClock clock_;
    RuntimeLocks locks_;
};

TEST_F(LlmServerControllerTest, DescribesBothRuntimesWhereTheSettingsSayTheyListen) {
    LlmServerController controller(options(), {}, clock_, locks_);
    ASSERT_EQ(controller.servers().size(), 2u);
    const ServerInfo* vllm = controller.find(Runtime::vllm);
    ASSERT_NE(vllm, nullptr);
    EXPECT_EQ(vllm->endpoint, "http://127.0.0.1:9/v1");
    EXPECT_EQ(vllm->health_url, "http://127.0.0.1:9/health");  // /health is at the root
    EXPECT_TRUE(vllm->scripted);
    EXPECT_EQ(controller.find(Runtime::ollama)->health_url, "http://127.0.0.1:9/api/version");
    EXPECT_EQ(controller.find(Runtime::openai), nullptr);
}

TEST_F(LlmServerControllerTest, RunsTheScriptWithTheDaemonsAddressesAndWithoutItsKeys) {
    ProcessSpec seen;
    LlmServerController controller(
        options(),
        [&](const ProcessSpec& spec) -> Result<ProcessOutput> {
            seen = spec;
            return ProcessOutput{0, "  ollama: started (pid 42)\n", ""};
        },
        clock_, locks_);
    auto result = controller.run(Runtime::ollama, "start", {{"EXTRA", "1"}});
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(result->ok());
    EXPECT_EQ(result->out, "ollama: started (pid 42)");  // trimmed
    ASSERT_EQ(seen.argv.size(), 3u);
    EXPECT_EQ(seen.argv[0], "bash");
    EXPECT_EQ(seen.argv[1], (dir_.path() / "scripts" / "ollama_service.sh").string());
    EXPECT_EQ(seen.argv[2], "start");
    EXPECT_TRUE(std::filesystem::path(env_value(seen, "VENOM_DATA_DIR")).is_absolute());
    EXPECT_EQ(env_value(seen, "OLLAMA_HOST"), "127.0.0.1:9");
    EXPECT_EQ(env_value(seen, "OLLAMA_BIN"), "/opt/ollama/bin/ollama");
    EXPECT_EQ(env_value(seen, "VENOM_SERVICE_MANAGER"), "process");
    EXPECT_EQ(env_value(seen, "EXTRA"), "1");
    // The script waits for readiness at most start_timeout; its deadline leaves room for that.
    EXPECT_EQ(env_value(seen, "VENOM_RUNTIME_START_TIMEOUT"), "300");
    EXPECT_EQ(seen.timeout, std::chrono::milliseconds(600000));
    for (const char* secret : {"VENOM_API_TOKEN", "OPENAI_API_KEY", "GOOGLE_API_KEY"}) {
        EXPECT_NE(std::find(seen.unset_env.begin(), seen.unset_env.end(), secret),
                  seen.unset_env.end())
            << secret;
    }
}

TEST_F(LlmServerControllerTest, AFailingScriptIsAResultWithItsOwnWords) {
    LlmServerController controller(
        options(),
        [](const ProcessSpec&) -> Result<ProcessOutput> {
            return ProcessOutput{5, "", "vllm_service.sh: VLLM_BIN 'vllm' not found\n"};
        },
        clock_, locks_);
    auto result = controller.run(Runtime::vllm, "start");
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result->ok());
    EXPECT_EQ(result->exit_code, 5);
    EXPECT_EQ(result->err, "vllm_service.sh: VLLM_BIN 'vllm' not found");

    LlmServerController hanging(
        options(),
        [](const ProcessSpec&) -> Result<ProcessOutput> {
            return make_error(504, "process_timeout", "bash did not finish within 300000 ms");
        },
        clock_, locks_);
    auto timed_out = hanging.run(Runtime::vllm, "stop");
    ASSERT_FALSE(timed_out.ok());
    EXPECT_EQ(timed_out.error().http_status, 504);
}

TEST_F(LlmServerControllerTest, OneActionPerRuntimeAtATime) {
    Gate release;
    std::atomic<int> running{0};
    LlmServerController controller(
        options(),
        [&](const ProcessSpec&) -> Result<ProcessOutput> {
            ++running;
            release.wait();
            return ProcessOutput{0, "done", ""};
        },
        clock_, locks_);
    auto first =
        std::async(std::launch::async, [&] { return controller.run(Runtime::vllm, "restart"); });
    ASSERT_TRUE(testing::eventually([&] { return running.load() == 1; }));
    auto second = controller.run(Runtime::vllm, "stop");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().http_status, 409);
    EXPECT_EQ(second.error().code, "runtime_busy");
    // The other runtime is not held up.
    auto other =
        std::async(std::launch::async, [&] { return controller.run(Runtime::ollama, "stop"); });
    ASSERT_TRUE(testing::eventually([&] { return running.load() == 2; }));
    release.open();
    EXPECT_TRUE(first.get().ok());
    EXPECT_TRUE(other.get().ok());
    EXPECT_TRUE(controller.run(Runtime::vllm, "stop").ok());  // free again
}

TEST_F(LlmServerControllerTest, AnActionIsRefusedWhileAnInstallHoldsItsRuntime) {
    int calls = 0;
    LlmServerController controller(
        options(),
        [&](const ProcessSpec&) -> Result<ProcessOutput> {
            ++calls;
            return ProcessOutput{0, "done", ""};
        },
        clock_, locks_);
    auto pull = locks_.try_acquire({Runtime::ollama}, "install of llama3:latest (operation op-1)");
    ASSERT_TRUE(pull.ok());
    auto refused = controller.run(Runtime::ollama, "restart");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 409);
    EXPECT_EQ(refused.error().code, "runtime_busy");
    EXPECT_EQ(refused.error().message,
              "ollama is busy: install of llama3:latest (operation op-1) is running; try again "
              "when it ends");
    EXPECT_EQ(calls, 0);  // the script never ran
    // A caller that holds the runtime itself (a switch) passes its hold on.
    EXPECT_TRUE(controller.run(*pull, Runtime::ollama, "restart").ok());
    EXPECT_EQ(calls, 1);
    pull->release();
    EXPECT_TRUE(controller.run(Runtime::ollama, "restart").ok());
    EXPECT_EQ(calls, 2);
}

TEST_F(LlmServerControllerTest, RefusesUnknownServersActionsAndMissingScripts) {
    auto o = options();
    std::filesystem::remove(o.scripts_dir / "vllm_service.sh");
    int calls = 0;
    LlmServerController controller(
        o,
        [&](const ProcessSpec&) -> Result<ProcessOutput> {
            ++calls;
            return ProcessOutput{0, "", ""};
        },
        clock_, locks_);
    EXPECT_EQ(controller.run(Runtime::google, "start").error().code, "unknown_server");
    EXPECT_EQ(controller.run(Runtime::ollama, "kill").error().code, "unknown_action");
    EXPECT_EQ(controller.run(Runtime::vllm, "start").error().code, "action_unsupported");
    EXPECT_EQ(calls, 0);
}

TEST_F(LlmServerControllerTest, NothingListeningIsOfflineWithTheReason) {
    LlmServerController controller(options(), {}, clock_, locks_);
    ServerHealth health = controller.probe(Runtime::vllm);
    EXPECT_EQ(health.status, "offline");
    ASSERT_TRUE(health.error.has_value());
    EXPECT_NE(health.error->find("127.0.0.1:9"), std::string::npos) << *health.error;
    EXPECT_TRUE(health.latency_ms.has_value());
    EXPECT_EQ(health.last_check, format_rfc3339(clock_.now()));
    EXPECT_EQ(controller.probe(Runtime::openai).status, "unknown");
}

}  // namespace
}  // namespace venom::runtime

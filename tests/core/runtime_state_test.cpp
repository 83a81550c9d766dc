#include "venom/runtime_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The env file as name -> raw value (quotes kept), the way a script sees its lines.
std::map<std::string, std::string> env_lines(const fs::path& path) {
    std::map<std::string, std::string> vars;
    std::istringstream in(read_file(path));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        vars[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return vars;
}

class RuntimeStateTest : public ::testing::Test {
protected:
    fs::path json_path() const { return dir_ / "runtime.json"; }
    fs::path env_path() const { return dir_ / "llm-runtime.env"; }

    TempDir dir_;
};

TEST_F(RuntimeStateTest, MissingFileGivesEmptyStateWithoutWarning) {
    RuntimeStateStore store(dir_.path());
    EXPECT_EQ(store.load(), std::nullopt);
    const RuntimeState s = store.current();
    EXPECT_EQ(s.active_runtime, std::nullopt);
    EXPECT_EQ(s.active_model, std::nullopt);
    EXPECT_TRUE(s.last_model.empty());
    EXPECT_FALSE(fs::exists(json_path()));
}

TEST_F(RuntimeStateTest, SetActiveWritesRuntimeJsonAndTheEnvFile) {
    RuntimeStateStore store(dir_.path());
    ASSERT_EQ(store.load(), std::nullopt);
    ASSERT_TRUE(store.set_active(Runtime::ollama, "llama3.1:8b").ok());

    const RuntimeState s = store.current();
    EXPECT_EQ(s.active_runtime, std::optional<Runtime>(Runtime::ollama));
    EXPECT_EQ(s.active_model, std::optional<std::string>("llama3.1:8b"));
    EXPECT_EQ(s.last_model, (std::map<Runtime, std::string>{{Runtime::ollama, "llama3.1:8b"}}));

    const nlohmann::json doc = nlohmann::json::parse(read_file(json_path()));
    EXPECT_EQ(doc["active_runtime"], "ollama");
    EXPECT_EQ(doc["active_model"], "llama3.1:8b");
    EXPECT_EQ(doc["last_model"]["ollama"], "llama3.1:8b");

    const auto env = env_lines(env_path());
    EXPECT_EQ(env.at("LLM_MODEL_NAME"), "\"llama3.1:8b\"");
    EXPECT_EQ(env.at("ACTIVE_LLM_SERVER"), "\"ollama\"");
    EXPECT_EQ(env.at("LLM_SERVICE_TYPE"), "\"local\"");
    EXPECT_EQ(env.at("LAST_MODEL_OLLAMA"), "\"llama3.1:8b\"");
}

// A kill -9 between commit()'s two writes left llm-runtime.env one switch behind runtime.json;
// the kill -9 campaign found it. Loading renders the env file again from runtime.json.
TEST_F(RuntimeStateTest, LoadRewritesAnEnvFileThatACrashLeftBehind) {
    {
        RuntimeStateStore store(dir_.path());
        ASSERT_EQ(store.load(), std::nullopt);
        ASSERT_TRUE(store.set_active(Runtime::openai, "gpt-4o").ok());
        const std::string before = read_file(env_path());
        ASSERT_TRUE(store.set_active(Runtime::openai, "gpt-4o-mini").ok());
        std::ofstream(env_path(), std::ios::trunc) << before;  // the second write never happened
    }
    ASSERT_EQ(env_lines(env_path()).at("LLM_MODEL_NAME"), "\"gpt-4o\"");
    RuntimeStateStore restarted(dir_.path());
    EXPECT_EQ(restarted.load(), std::nullopt);
    EXPECT_EQ(env_lines(env_path()).at("LLM_MODEL_NAME"), "\"gpt-4o-mini\"");
    EXPECT_EQ(env_lines(env_path()).at("LAST_MODEL_OPENAI"), "\"gpt-4o-mini\"");
}

TEST(EnvValueQuotingTest, EscapesWhatSystemdAndTheScriptsTreatSpecially) {
    EXPECT_EQ(quote_env_value("llama3.1:8b"), "\"llama3.1:8b\"");
    EXPECT_EQ(quote_env_value("a\"b\\c$(d)`e`\nf"), "\"a\\\"b\\\\c\\$(d)\\`e\\`\nf\"");
}

// Issue 9, finding 6: the id ended its line and added PYTHONPATH of its own.
TEST_F(RuntimeStateTest, AModelIdWithQuotesAndANewlineStaysInsideItsQuotedValue) {
    RuntimeStateStore store(dir_.path());
    const std::string hostile = "gpt-4o\"\nPYTHONPATH=\"/tmp/evil\" $(id) `id` \\";
    ASSERT_TRUE(store.set_active(Runtime::openai, hostile).ok());
    const std::string text = read_file(env_path());
    // The value is one double-quoted string, every quote inside escaped: the line after the
    // newline is still inside LLM_MODEL_NAME's quotes, for systemd and for the scripts.
    EXPECT_THAT(text, HasSubstr("LLM_MODEL_NAME=\"gpt-4o\\\"\nPYTHONPATH=\\\"/tmp/evil\\\" "
                                "\\$(id) \\`id\\` \\\\\"\n"));
    EXPECT_EQ(store.current().active_model, hostile);
}

TEST_F(RuntimeStateTest, VllmIsALocalServiceToo) {
    RuntimeStateStore store(dir_.path());
    ASSERT_TRUE(store.set_active(Runtime::vllm, "google/gemma-2b-it").ok());
    const auto env = env_lines(env_path());
    EXPECT_EQ(env.at("LLM_SERVICE_TYPE"), "\"local\"");
    EXPECT_EQ(env.at("ACTIVE_LLM_SERVER"), "\"vllm\"");
    EXPECT_EQ(env.at("LLM_MODEL_NAME"), "\"google/gemma-2b-it\"");
    EXPECT_EQ(env.at("LAST_MODEL_VLLM"), "\"google/gemma-2b-it\"");
}

TEST_F(RuntimeStateTest, CloudRuntimesSetTheirOwnServiceType) {
    RuntimeStateStore store(dir_.path());
    ASSERT_TRUE(store.set_active(Runtime::openai, "gpt-4o").ok());
    auto env = env_lines(env_path());
    EXPECT_EQ(env.at("LLM_SERVICE_TYPE"), "\"openai\"");
    EXPECT_EQ(env.at("ACTIVE_LLM_SERVER"), "\"openai\"");
    EXPECT_EQ(env.at("LLM_MODEL_NAME"), "\"gpt-4o\"");

    ASSERT_TRUE(store.set_active(Runtime::google, "gemini-1.5-pro").ok());
    env = env_lines(env_path());
    EXPECT_EQ(env.at("LLM_SERVICE_TYPE"), "\"google\"");
    EXPECT_EQ(env.at("ACTIVE_LLM_SERVER"), "\"google\"");
    EXPECT_EQ(env.at("LLM_MODEL_NAME"), "\"gemini-1.5-pro\"");
}

TEST_F(RuntimeStateTest, ANewStoreLoadsTheSameStateAndTheLastModelOfEachRuntime) {
    {
        RuntimeStateStore store(dir_.path());
        ASSERT_EQ(store.load(), std::nullopt);
        ASSERT_TRUE(store.set_active(Runtime::ollama, "llama3.1:8b").ok());
        ASSERT_TRUE(store.set_active(Runtime::vllm, "google/gemma-2b-it").ok());
        ASSERT_TRUE(store.set_active(Runtime::ollama, "qwen2.5:7b").ok());
        ASSERT_TRUE(store.set_active(Runtime::openai, "gpt-4o").ok());
    }
    RuntimeStateStore reopened(dir_.path());
    ASSERT_EQ(reopened.load(), std::nullopt);
    const RuntimeState s = reopened.current();
    EXPECT_EQ(s.active_runtime, std::optional<Runtime>(Runtime::openai));
    EXPECT_EQ(s.active_model, std::optional<std::string>("gpt-4o"));
    EXPECT_EQ(s.last_model, (std::map<Runtime, std::string>{{Runtime::ollama, "qwen2.5:7b"},
                                                            {Runtime::vllm, "google/gemma-2b-it"},
                                                            {Runtime::openai, "gpt-4o"}}));

    // Switching back keeps what the other runtimes last used.
    ASSERT_TRUE(reopened.set_active(Runtime::vllm, "mistralai/Mistral-7B-Instruct-v0.3").ok());
    const auto env = env_lines(env_path());
    EXPECT_EQ(env.at("LLM_MODEL_NAME"), "\"mistralai/Mistral-7B-Instruct-v0.3\"");
    EXPECT_EQ(env.at("LAST_MODEL_VLLM"), "\"mistralai/Mistral-7B-Instruct-v0.3\"");
    EXPECT_EQ(env.at("LAST_MODEL_OLLAMA"), "\"qwen2.5:7b\"");
    EXPECT_EQ(env.at("LAST_MODEL_OPENAI"), "\"gpt-4o\"");
}

class RuntimeStateDamagedTest : public RuntimeStateTest,
                                public ::testing::WithParamInterface<const char*> {};

TEST_P(RuntimeStateDamagedTest, GivesAWarningAndEmptyStateAndLeavesTheFileAlone) {
    const std::string damaged = GetParam();
    write_file(json_path(), damaged);
    RuntimeStateStore store(dir_.path());
    const auto warning = store.load();
    ASSERT_TRUE(warning.has_value());
    EXPECT_THAT(*warning, HasSubstr(json_path().string()));
    const RuntimeState s = store.current();
    EXPECT_EQ(s.active_runtime, std::nullopt);
    EXPECT_EQ(s.active_model, std::nullopt);
    EXPECT_TRUE(s.last_model.empty());
    EXPECT_EQ(read_file(json_path()), damaged);
}

INSTANTIATE_TEST_SUITE_P(RuntimeStateFiles, RuntimeStateDamagedTest,
                         ::testing::Values(R"({"active_runtime": "ollama", "active_mod)", "", "[]",
                                           R"({"active_runtime": 5, "active_model": null})",
                                           R"({"active_runtime": "ollama", "active_model": "m",
                                               "last_model": ["m"]})",
                                           // No runtime venomd knows: nothing to serve with.
                                           R"({"active_runtime": "onnx", "active_model": "m"})"));

TEST_F(RuntimeStateTest, FailedWriteChangesNothingVisible) {
    RuntimeStateStore store(dir_ / "missing-dir");
    const Result<void> result = store.set_active(Runtime::ollama, "llama3.1:8b");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 500);
    EXPECT_EQ(store.current().active_runtime, std::nullopt);
    EXPECT_EQ(store.current().active_model, std::nullopt);
}

// If the env file cannot be written the activation is reported failed and current() keeps the
// old state; a restart must then not bring the failed activation back from runtime.json.
TEST_F(RuntimeStateTest, ActivationReportedFailedIsNotActiveAfterRestart) {
    {
        RuntimeStateStore store(dir_.path());
        ASSERT_TRUE(store.set_active(Runtime::ollama, "llama3.1:8b").ok());
        fs::remove(env_path());
        fs::create_directory(env_path());  // the env file can no longer be replaced
        fs::create_directory(env_path() / "keep");
        const Result<void> result = store.set_active(Runtime::vllm, "google/gemma-2b-it");
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(store.current().active_runtime, std::optional<Runtime>(Runtime::ollama));
    }
    RuntimeStateStore reopened(dir_.path());
    // The env file still cannot be replaced, and loading says so instead of hiding it.
    const auto warning = reopened.load();
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("llm-runtime.env"), std::string::npos) << *warning;
    EXPECT_EQ(reopened.current().active_runtime, std::optional<Runtime>(Runtime::ollama));
    EXPECT_EQ(reopened.current().active_model, std::optional<std::string>("llama3.1:8b"));
}

TEST_F(RuntimeStateTest, ConcurrentActivationsLeaveFilesMatchingTheFinalState) {
    RuntimeStateStore store(dir_.path());
    auto activate_many = [&](Runtime runtime) {
        const std::string name(to_string(runtime));
        for (int i = 0; i < 20; ++i) {
            EXPECT_TRUE(store.set_active(runtime, name + "-model-" + std::to_string(i)).ok());
        }
    };
    std::thread a(activate_many, Runtime::ollama);
    std::thread b(activate_many, Runtime::vllm);
    a.join();
    b.join();

    const RuntimeState s = store.current();
    EXPECT_EQ(s.last_model.at(Runtime::ollama), "ollama-model-19");
    EXPECT_EQ(s.last_model.at(Runtime::vllm), "vllm-model-19");
    ASSERT_TRUE(s.active_runtime.has_value());
    EXPECT_EQ(s.active_model,
              std::optional<std::string>(std::string(to_string(*s.active_runtime)) + "-model-19"));

    RuntimeStateStore reopened(dir_.path());
    ASSERT_EQ(reopened.load(), std::nullopt);
    EXPECT_EQ(reopened.current().active_runtime, s.active_runtime);
    EXPECT_EQ(reopened.current().active_model, s.active_model);
    EXPECT_EQ(reopened.current().last_model, s.last_model);
    EXPECT_EQ(env_lines(env_path()).at("LLM_MODEL_NAME"), "\"" + *s.active_model + "\"");
}

}  // namespace
}  // namespace venom

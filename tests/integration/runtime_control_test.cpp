// Runtime control through the REST API, end to end: venomd runs the real service scripts
// (scripts/llm) in process mode, which start fake_llm_runtime as `ollama serve` and
// `vllm serve` on loopback ports; the cloud runtimes are the fake OpenAI and Gemini servers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "fakes/fake_gemini.hpp"
#include "fakes/fake_openai.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/free_port.hpp"
#include "support/temp_dir.hpp"
#include "venom/manifest_store.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kVllmModel = "org/tiny-chat";

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

// A stand-in for a runtime binary: fake_llm_runtime with some variables set, the way a test
// would wrap a real binary.
fs::path write_wrapper(const fs::path& dir, const std::string& name, const std::string& variables) {
    const fs::path path = dir / name;
    std::ofstream(path) << "#!/bin/sh\n"
                        << variables << " exec '" << FAKE_LLM_RUNTIME_BINARY << "' \"$@\"\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

bool alive(pid_t pid) {
    // A zombie has exited: only its parent has not read its status yet.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

class RuntimeControlTest : public ::testing::Test {
protected:
    RuntimeControlTest()
        : ollama_port_(free_loopback_port()),
          vllm_port_(free_loopback_port()),
          ollama_bin_(write_wrapper(bin_dir_.path(), "ollama",
                                    "FAKE_OLLAMA_MODELS=llama3.2:1b,qwen2.5:0.5b")),
          vllm_bin_(write_wrapper(bin_dir_.path(), "vllm", "")) {}

    ~RuntimeControlTest() override {
        for (const char* server : {"ollama", "vllm"}) {
            if (daemon_)
                daemon_->post(std::string("/api/v1/system/llm-servers/") + server + "/stop", "");
        }
        // Whatever a failed test left behind goes too, by the PIDs the scripts recorded.
        for (pid_t pid : recorded_pids()) {
            if (alive(pid)) ::kill(-pid, SIGKILL);
        }
    }

    std::vector<pid_t> recorded_pids() const {
        std::vector<pid_t> pids;
        for (const char* name : {"ollama.pid", "vllm.pid"}) {
            std::ifstream in(data_dir_.path() / "logs" / name);
            pid_t pid = 0;
            if (in >> pid && pid > 0) pids.push_back(pid);
        }
        return pids;
    }

    void start_daemon(std::function<void(Config&)> extra = {}) {
        seed_vllm_model();
        daemon_ = std::make_unique<TestDaemon>(
            [&](Config& c) {
                c.scripts_dir = VENOM_SCRIPTS_DIR;
                c.service_manager = "process";
                c.ollama_host = "http://127.0.0.1:" + std::to_string(ollama_port_);
                c.vllm_endpoint = "http://127.0.0.1:" + std::to_string(vllm_port_) + "/v1";
                c.ollama_bin = ollama_bin_.string();
                c.vllm_bin = vllm_bin_.string();
                c.runtime_ready_timeout_seconds = 20;
                c.openai_base_url = openai_.api_url();
                c.gemini_base_url = gemini_.base_url();
                if (extra) extra(c);
            },
            Daemon::Ports{}, data_dir_.path());
        daemon_->start();
    }

    // An installed Hugging Face snapshot, laid out as the Hub cache the HF provider reads.
    void seed_vllm_model() {
        const fs::path repo =
            data_dir_.path() / "models" / "huggingface" / "hub" / "models--org--tiny-chat";
        snapshot_ = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567";
        fs::create_directories(snapshot_);
        fs::create_directories(repo / "refs");
        std::ofstream(repo / "refs" / "main") << "0123456789abcdef0123456789abcdef01234567";
        std::ofstream(snapshot_ / "config.json") << R"({"max_position_embeddings": 2048})";
        FakeClock clock;
        ManifestStore manifest(data_dir_.path() / "models" / "manifest.json", clock);
        manifest.load();
        ModelMetadata m;
        m.name = kVllmModel;
        m.provider = "huggingface";
        m.display_name = "tiny-chat";
        m.runtime = "vllm";
        m.local_path = snapshot_.string();
        ASSERT_TRUE(manifest.upsert(m).ok());
    }

    HttpResult switch_server(const std::string& server, const std::string& model = "") {
        json body = {{"server_name", server}};
        if (!model.empty()) body["model"] = model;
        return daemon_->post("/api/v1/system/llm-servers/active", body.dump());
    }

    json server_status(const std::string& name) {
        json servers = daemon_->get("/api/v1/system/llm-servers").json();
        for (const auto& s : servers["servers"]) {
            if (s["name"] == name) return s;
        }
        ADD_FAILURE() << "no server " << name << " in " << servers.dump();
        return json::object();
    }

    static std::vector<std::string> step_names(const json& body) {
        std::vector<std::string> names;
        for (const auto& s : body["steps"]) names.push_back(s["step"]);
        return names;
    }

    json vllm_models() {
        auto r =
            http_request("GET", "http://127.0.0.1:" + std::to_string(vllm_port_) + "/v1/models");
        return r.status == 200 ? r.json() : json::object();
    }

    TempDir data_dir_;
    TempDir bin_dir_;
    FakeOpenAi openai_;
    FakeGemini gemini_;
    std::uint16_t ollama_port_;
    std::uint16_t vllm_port_;
    fs::path ollama_bin_;
    fs::path vllm_bin_;
    fs::path snapshot_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(RuntimeControlTest, ServerActionsStartProbeAndStopARuntime) {
    start_daemon();
    json before = server_status("ollama");
    EXPECT_EQ(before["status"], "offline");
    EXPECT_EQ(before["supports"]["start"], true);
    EXPECT_EQ(before["endpoint"], "http://127.0.0.1:" + std::to_string(ollama_port_));
    EXPECT_EQ(before["health_url"], before["endpoint"].get<std::string>() + "/api/version");

    auto started = daemon_->post("/api/v1/system/llm-servers/ollama/start", "");
    ASSERT_EQ(started.status, 200) << started.body;
    json body = started.json();
    EXPECT_EQ(body["status"], "success") << body.dump();
    EXPECT_EQ(body["action"], "start");
    EXPECT_EQ(body["exit_code"], 0);
    EXPECT_NE(body["stdout"].get<std::string>().find("started"), std::string::npos);
    ASSERT_EQ(recorded_pids().size(), 1u);
    const pid_t pid = recorded_pids().front();
    EXPECT_TRUE(alive(pid));

    json online = server_status("ollama");
    EXPECT_EQ(online["status"], "online") << online.dump();
    EXPECT_TRUE(online["latency_ms"].is_number());
    EXPECT_TRUE(online["error_message"].is_null());
    EXPECT_EQ(online["models"], json({"llama3.2:1b", "qwen2.5:0.5b"}));

    auto stopped = daemon_->post("/api/v1/system/llm-servers/ollama/stop", "");
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(stopped.json()["status"], "success");
    EXPECT_TRUE(eventually([&] { return !alive(pid); }));
    EXPECT_EQ(server_status("ollama")["status"], "offline");
    EXPECT_FALSE(fs::exists(data_dir_.path() / "logs" / "ollama.pid"));

    EXPECT_EQ(daemon_->post("/api/v1/system/llm-servers/tgi/start", "").status, 404);
    EXPECT_EQ(daemon_->post("/api/v1/system/llm-servers/ollama/reboot", "").status, 400);
}

TEST_F(RuntimeControlTest, SwitchOllamaToVllmAndBackKeepsOneRuntimeRunning) {
    start_daemon();
    auto to_ollama = switch_server("ollama", "llama3.2:1b");
    ASSERT_EQ(to_ollama.status, 200) << to_ollama.body;
    EXPECT_EQ(to_ollama.json()["active_server"], "ollama");
    EXPECT_EQ(to_ollama.json()["active_model"], "llama3.2:1b");
    EXPECT_EQ(step_names(to_ollama.json()),
              (std::vector<std::string>{"validate_model", "start_ollama", "ready", "activate"}));
    EXPECT_EQ(server_status("ollama")["status"], "online");

    auto to_vllm = switch_server("vllm", kVllmModel);
    ASSERT_EQ(to_vllm.status, 200) << to_vllm.body;
    json body = to_vllm.json();
    EXPECT_EQ(body["active_server"], "vllm");
    EXPECT_EQ(body["active_model"], kVllmModel);
    EXPECT_EQ(body["previous_server"], "ollama");
    EXPECT_EQ(step_names(body),
              (std::vector<std::string>{"validate_model", "stop_ollama", "released_ollama",
                                        "start_vllm", "ready", "activate"}));
    // vLLM serves the installed snapshot under the model's name; Ollama is gone.
    json served = vllm_models();
    ASSERT_EQ(served["data"].size(), 1u) << served.dump();
    EXPECT_EQ(served["data"][0]["id"], kVllmModel);
    EXPECT_EQ(served["data"][0]["root"], snapshot_.string());
    EXPECT_EQ(server_status("ollama")["status"], "offline");
    const std::string env = read_file(data_dir_.path() / "llm-runtime.env");
    EXPECT_NE(env.find("ACTIVE_LLM_SERVER=\"vllm\""), std::string::npos) << env;
    EXPECT_NE(env.find("VLLM_MODEL_PATH=\"" + snapshot_.string() + "\""), std::string::npos);

    // Back to Ollama without naming a model: the last one used there.
    auto back = switch_server("ollama");
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(back.json()["active_model"], "llama3.2:1b");
    EXPECT_EQ(server_status("vllm")["status"], "offline");
    EXPECT_EQ(server_status("ollama")["status"], "online");

    json active = daemon_->get("/api/v1/system/llm-servers/active").json();
    EXPECT_EQ(active["active_server"], "ollama");
    EXPECT_EQ(active["last_models"]["vllm"], kVllmModel);
    EXPECT_EQ(active["last_models"]["ollama"], "llama3.2:1b");
    EXPECT_EQ(active["last_runtime_switch"]["from_runtime"], "vllm");
    EXPECT_EQ(active["runtime_switch_gate"]["in_progress"], false);
}

TEST_F(RuntimeControlTest, AModelTheServerDoesNotHaveIsRefusedNotReplaced) {
    start_daemon();
    ASSERT_EQ(switch_server("ollama", "llama3.2:1b").status, 200);
    const std::string state_before = read_file(data_dir_.path() / "runtime.json");

    // Ollama is up, so the check happens before anything is stopped.
    auto missing = switch_server("ollama", "mistral:7b");
    EXPECT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(missing.json()["code"], "model_not_found");
    EXPECT_NE(missing.json()["detail"].get<std::string>().find("llama3.2:1b"), std::string::npos);
    EXPECT_EQ(step_names(missing.json()), std::vector<std::string>{"validate_model"});

    auto not_installed = switch_server("vllm", "org/never-installed");
    EXPECT_EQ(not_installed.status, 404);
    EXPECT_EQ(not_installed.json()["code"], "model_not_found");

    EXPECT_EQ(read_file(data_dir_.path() / "runtime.json"), state_before);
    EXPECT_EQ(server_status("ollama")["status"], "online");
    EXPECT_EQ(server_status("vllm")["status"], "offline");
}

TEST_F(RuntimeControlTest, AModelMissingOnAStoppedOllamaIsFoundOutAfterStartAndRolledBack) {
    start_daemon();
    ASSERT_EQ(switch_server("vllm", kVllmModel).status, 200);
    auto missing = switch_server("ollama", "mistral:7b");
    EXPECT_EQ(missing.status, 404) << missing.body;
    json body = missing.json();
    EXPECT_EQ(body["code"], "model_not_found");
    EXPECT_EQ(body["active_server"], "vllm");  // what is recorded, truthfully
    auto names = step_names(body);
    EXPECT_NE(std::find(names.begin(), names.end(), "rollback_start_vllm"), names.end())
        << body.dump();
    // vLLM is back with its model, Ollama stopped again.
    EXPECT_TRUE(eventually([&] { return server_status("vllm")["status"] == "online"; }));
    EXPECT_EQ(vllm_models()["data"][0]["id"], kVllmModel);
    EXPECT_EQ(server_status("ollama")["status"], "offline");
    json state = json::parse(read_file(data_dir_.path() / "runtime.json"));
    EXPECT_EQ(state["active_runtime"], "vllm");
}

TEST_F(RuntimeControlTest, AFailedStartLeavesThePreviousRuntimeActiveAndRunning) {
    vllm_bin_ = write_wrapper(bin_dir_.path(), "vllm-broken", "FAKE_RUNTIME_EXIT_AT_ONCE=1");
    start_daemon();
    ASSERT_EQ(switch_server("ollama", "llama3.2:1b").status, 200);
    auto failed = switch_server("vllm", kVllmModel);
    EXPECT_EQ(failed.status, 502) << failed.body;
    json body = failed.json();
    EXPECT_EQ(body["code"], "runtime_start_failed");
    EXPECT_EQ(body["active_server"], "ollama");
    EXPECT_EQ(body["active_model"], "llama3.2:1b");
    json state = json::parse(read_file(data_dir_.path() / "runtime.json"));
    EXPECT_EQ(state["active_runtime"], "ollama");
    EXPECT_TRUE(state["vllm_model_path"].is_null()) << state.dump();
    EXPECT_EQ(server_status("ollama")["status"], "online");  // restarted by the rollback
    EXPECT_EQ(server_status("vllm")["status"], "offline");
}

TEST_F(RuntimeControlTest, ASecondSwitchWhileOneRunsIs409) {
    // vLLM takes a while to open its port, as a real one loading weights does.
    vllm_bin_ = write_wrapper(bin_dir_.path(), "vllm-slow", "FAKE_RUNTIME_START_DELAY_MS=1500");
    start_daemon();
    auto first = std::async(std::launch::async, [&] { return switch_server("vllm", kVllmModel); });
    ASSERT_TRUE(eventually([&] {
        return daemon_->get("/api/v1/system/llm-servers/active")
                   .json()["runtime_switch_gate"]["in_progress"] == true;
    }));
    // The gate names the switch and where it comes from (issue 11, point 6).
    json gate = daemon_->get("/api/v1/system/llm-servers/active").json()["runtime_switch_gate"];
    EXPECT_EQ(gate["to_runtime"], "vllm") << gate.dump();
    EXPECT_TRUE(gate["from_runtime"].is_null()) << gate.dump();  // nothing was active
    EXPECT_TRUE(gate["switch_id"].is_string()) << gate.dump();
    EXPECT_EQ(daemon_->post("/api/v1/runtime/profile/llm_off", "").status, 409);
    auto second = switch_server("ollama", "llama3.2:1b");
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(second.json()["code"], "runtime_switch_in_progress");
    EXPECT_EQ(daemon_->post("/api/v1/system/llm-servers/ollama/start", "").status, 409);
    auto done = first.get();
    EXPECT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.json()["active_server"], "vllm");
}

// Service scripts that write each call ("ollama stop") to `log` before running the real one, so
// a test sees which scripts venomd ran.
fs::path write_recording_scripts(const fs::path& dir, const fs::path& log) {
    fs::create_directories(dir);
    for (const char* name : {"ollama", "vllm"}) {
        const fs::path path = dir / (std::string(name) + "_service.sh");
        std::ofstream(path) << "#!/bin/bash\n"
                            << "echo \"" << name << " $1\" >> '" << log.string() << "'\n"
                            << "exec bash '" << VENOM_SCRIPTS_DIR << "/" << name
                            << "_service.sh' \"$@\"\n";
        ::chmod(path.c_str(), 0755);
    }
    return dir;
}

std::vector<std::string> lines_of(const fs::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST_F(RuntimeControlTest, ASwitchDuringAPullIsRefusedAndDoesNotStopOllama) {
    // Ollama can pull qwen3:0.6b, and holds the pull after its first layer until `released`
    // exists: the test decides when the pull may end.
    const fs::path released = bin_dir_.path() / "pull-released";
    ollama_bin_ = write_wrapper(bin_dir_.path(), "ollama-pulling",
                                "FAKE_OLLAMA_MODELS=llama3.2:1b FAKE_OLLAMA_PULLS=qwen3:0.6b "
                                "FAKE_OLLAMA_PULL_GATE='" +
                                    released.string() + "'");
    const fs::path calls = bin_dir_.path() / "script-calls.log";
    const fs::path scripts = write_recording_scripts(bin_dir_.path() / "scripts", calls);
    start_daemon([&](Config& c) { c.scripts_dir = scripts; });
    ASSERT_EQ(switch_server("ollama", "llama3.2:1b").status, 200);
    const std::vector<pid_t> ollama_pids = recorded_pids();
    ASSERT_EQ(ollama_pids.size(), 1u);

    auto install = daemon_->post("/api/v1/models/registry/install",
                                 json{{"name", "qwen3:0.6b"}, {"provider", "ollama"}}.dump());
    ASSERT_EQ(install.status, 202) << install.body;
    const std::string id = install.json()["operation_id"];
    ASSERT_TRUE(eventually([&] {
        const json op = daemon_->operation(id);
        return op["status"] == "in_progress" && op["bytes_done"].get<double>() > 0;
    }));
    const std::vector<std::string> calls_before = lines_of(calls);

    // The switch would stop Ollama under the pull: refused, naming the pull, nothing run.
    auto refused = switch_server("vllm", kVllmModel);
    EXPECT_EQ(refused.status, 409) << refused.body;
    const json body = refused.json();
    EXPECT_EQ(body["code"], "runtime_busy");
    EXPECT_EQ(body["detail"], "ollama is busy: install of qwen3:0.6b (operation " + id +
                                  ") is running; try again when it ends");
    EXPECT_TRUE(body["steps"].empty()) << body.dump();
    EXPECT_EQ(body["active_server"], "ollama");
    // So is a restart of Ollama from the Services page.
    auto restart = daemon_->post("/api/v1/runtime/ollama/restart", "");
    EXPECT_EQ(restart.status, 409) << restart.body;
    EXPECT_EQ(restart.json()["code"], "runtime_busy");
    EXPECT_EQ(lines_of(calls), calls_before);  // no script ran: Ollama was not stopped
    EXPECT_EQ(recorded_pids(), ollama_pids);
    EXPECT_TRUE(alive(ollama_pids[0]));
    EXPECT_EQ(daemon_->operation(id)["status"], "in_progress");
    // A refused switch is not a switch: nothing recorded, the gate free again.
    const json active = daemon_->get("/api/v1/system/llm-servers/active").json();
    EXPECT_EQ(active["runtime_switch_gate"]["in_progress"], false);
    EXPECT_NE(active["last_runtime_switch"]["to_runtime"], "vllm") << active.dump();

    // The pull goes on to the end, then the switch goes through.
    std::ofstream(released) << "go";
    const json done = daemon_->wait_finished(id);
    EXPECT_EQ(done["status"], "completed") << done.dump();
    auto switched = switch_server("vllm", kVllmModel);
    EXPECT_EQ(switched.status, 200) << switched.body;
    EXPECT_EQ(switched.json()["active_server"], "vllm");
    const auto after = lines_of(calls);
    EXPECT_NE(std::find(after.begin(), after.end(), "ollama stop"), after.end());
    EXPECT_EQ(server_status("ollama")["status"], "offline");
}

TEST_F(RuntimeControlTest, ModelSwitchRestartsVllmWithTheNewSnapshot) {
    start_daemon();
    ASSERT_EQ(switch_server("vllm", kVllmModel).status, 200);
    // A second installed model for vLLM.
    const fs::path repo =
        data_dir_.path() / "models" / "huggingface" / "hub" / "models--org--other-chat";
    const fs::path other = repo / "snapshots" / "fedcba9876543210fedcba9876543210fedcba98";
    fs::create_directories(other);
    fs::create_directories(repo / "refs");
    std::ofstream(repo / "refs" / "main") << "fedcba9876543210fedcba9876543210fedcba98";
    std::ofstream(other / "config.json") << "{}";
    daemon_->stop();
    FakeClock clock;
    ManifestStore manifest(data_dir_.path() / "models" / "manifest.json", clock);
    manifest.load();
    ModelMetadata m;
    m.name = "org/other-chat";
    m.provider = "huggingface";
    m.runtime = "vllm";
    m.local_path = other.string();
    ASSERT_TRUE(manifest.upsert(m).ok());
    daemon_.reset();
    start_daemon();

    auto switched = daemon_->post("/api/v1/models/switch", R"({"name":"org/other-chat"})");
    ASSERT_EQ(switched.status, 200) << switched.body;
    EXPECT_EQ(switched.json()["active_model"], "org/other-chat");
    EXPECT_EQ(vllm_models()["data"][0]["root"], other.string());
    json options = daemon_->get("/api/v1/system/llm-runtime/options").json();
    EXPECT_EQ(options["active"]["active_model"], "org/other-chat");
}

// The tuning drawer's saved values reach vLLM as start-up flags through the service script
// (context_length -> --max-model-len, sampling -> --override-generation-config), a vLLM already
// serving the model is restarted when they changed, and they survive a daemon restart.
TEST_F(RuntimeControlTest, SavedTuningStartsVllmWithItsFlagsAndSurvivesARestart) {
    start_daemon();
    const std::string config_path = "/api/v1/models/org%2Ftiny-chat/config";
    auto saved = daemon_->post(
        config_path,
        json{{"runtime", "vllm"}, {"params", {{"context_length", 1024}, {"temperature", 0.25}}}}
            .dump());
    ASSERT_EQ(saved.status, 200) << saved.body;

    ASSERT_EQ(switch_server("vllm", kVllmModel).status, 200);
    EXPECT_EQ(vllm_models()["data"][0]["max_model_len"], 1024);
    const std::string log = read_file(data_dir_.path() / "logs" / "vllm.log");
    EXPECT_NE(log.find(R"(with generation config {"temperature":0.25})"), std::string::npos) << log;
    const std::string env = read_file(data_dir_.path() / "llm-runtime.env");
    EXPECT_NE(env.find("VLLM_MAX_MODEL_LEN=\"1024\""), std::string::npos) << env;

    // A new value restarts the vLLM that serves the model; the same value would not.
    ASSERT_EQ(
        daemon_->post(config_path, json{{"params", {{"context_length", 2048}}}}.dump()).status,
        200);
    auto again = switch_server("vllm", kVllmModel);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(vllm_models()["data"][0]["max_model_len"], 2048);
    auto same = switch_server("vllm", kVllmModel);
    ASSERT_EQ(same.status, 200) << same.body;
    bool kept = false;
    const json same_body = same.json();
    for (const auto& step : same_body["steps"]) {
        kept = kept || (step["step"] == "start_vllm" &&
                        step["detail"].get<std::string>().find("already serving") == 0);
    }
    EXPECT_TRUE(kept) << same.body;

    daemon_->stop();
    daemon_.reset();
    start_daemon();
    json after = daemon_->get(config_path).json();
    EXPECT_EQ(after["current_values"]["context_length"], 2048) << after.dump();
    EXPECT_EQ(after["current_values"]["temperature"],
              after["generation_schema"]["temperature"]["default"]);
}

// Issue 9, finding 14: a vLLM that venomd did not start answers on the vLLM port. The script
// leaves it alone, so activating another model used to wait for the ready timeout; now the
// script says so (exit 4) and the answer comes at once, with the reason.
TEST_F(RuntimeControlTest, AVllmNotStartedByVenomdIsReportedAtOnceNotWaitedFor) {
    const std::string port = std::to_string(vllm_port_);
    const pid_t foreign = ::fork();
    ASSERT_GE(foreign, 0);
    if (foreign == 0) {
        ::execl(FAKE_LLM_RUNTIME_BINARY, FAKE_LLM_RUNTIME_BINARY, "serve", "/srv/someone-else",
                "--host", "127.0.0.1", "--port", port.c_str(), "--served-model-name",
                "someone/else", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    struct Reap {
        pid_t pid;
        ~Reap() {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reap{foreign};
    ASSERT_TRUE(eventually(
        [&] { return http_request("GET", "http://127.0.0.1:" + port + "/health").status == 200; }));
    start_daemon([](Config& c) { c.runtime_ready_timeout_seconds = 300; });

    auto activation = std::async(std::launch::async, [&] {
        return daemon_->post("/api/v1/models/activate",
                             json{{"name", kVllmModel}, {"runtime", "vllm"}}.dump());
    });
    ASSERT_EQ(activation.wait_for(20s), std::future_status::ready);
    auto r = activation.get();
    EXPECT_EQ(r.status, 409) << r.body;
    ASSERT_NE(r.status, 0) << r.error;
    EXPECT_EQ(r.json()["code"], "runtime_not_managed");
    const std::string detail = r.json()["detail"];
    EXPECT_NE(detail.find("http://127.0.0.1:" + port), std::string::npos) << detail;
    EXPECT_NE(detail.find("not started by venomd"), std::string::npos) << detail;
    // Left alone: still serving what it served.
    EXPECT_TRUE(alive(foreign));
    EXPECT_EQ(vllm_models()["data"][0]["id"], "someone/else");
}

TEST_F(RuntimeControlTest, OptionsShowEachRuntimesStatusAndServableModels) {
    start_daemon([](Config& c) { c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey); });
    ASSERT_EQ(switch_server("ollama", "qwen2.5:0.5b").status, 200);
    auto r = daemon_->get("/api/v1/system/llm-runtime/options");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = r.json();
    EXPECT_EQ(body["active"]["active_server"], "ollama");
    EXPECT_EQ(body["active"]["active_model"], "qwen2.5:0.5b");
    std::map<std::string, json> runtimes;
    for (const auto& rt : body["runtimes"]) runtimes[rt["runtime_id"]] = rt;
    EXPECT_EQ(runtimes["ollama"]["status"], "online");
    EXPECT_EQ(runtimes["ollama"]["active"], true);
    std::vector<std::string> ollama_models;
    for (const auto& m : runtimes["ollama"]["models"]) {
        ollama_models.push_back(m["name"]);
        EXPECT_EQ(m["active"], m["name"] == "qwen2.5:0.5b");
    }
    EXPECT_NE(std::find(ollama_models.begin(), ollama_models.end(), "llama3.2:1b"),
              ollama_models.end());
    EXPECT_EQ(runtimes["vllm"]["status"], "offline");
    ASSERT_EQ(runtimes["vllm"]["models"].size(), 1u);
    EXPECT_EQ(runtimes["vllm"]["models"][0]["name"], kVllmModel);
    EXPECT_EQ(runtimes["openai"]["status"], "reachable");
    EXPECT_EQ(runtimes["openai"]["catalog_source"], "live");
    std::vector<std::string> openai_models;
    for (const auto& m : runtimes["openai"]["models"]) openai_models.push_back(m["id"]);
    // The live list, chat models only.
    EXPECT_NE(std::find(openai_models.begin(), openai_models.end(), "gpt-4.1-mini"),
              openai_models.end());
    EXPECT_EQ(std::find(openai_models.begin(), openai_models.end(), "text-embedding-3-small"),
              openai_models.end());
    EXPECT_EQ(runtimes["google"]["status"], "disabled");
}

TEST_F(RuntimeControlTest, CloudSwitchChecksKeyAndModelAndUsesTheLiveList) {
    start_daemon([](Config& c) {
        c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey);
        c.google_api_key = std::string(FakeGemini::kDefaultApiKey);
    });
    auto openai = daemon_->post("/api/v1/system/llm-runtime/active",
                                R"({"provider":"openai","model":"gpt-4.1-mini"})");
    ASSERT_EQ(openai.status, 200) << openai.body;
    EXPECT_EQ(openai.json()["active_server"], "openai");
    EXPECT_EQ(openai.json()["catalog_source"], "live");
    EXPECT_EQ(openai.json()["source_type"], "cloud-api");
    EXPECT_EQ(openai.json()["active_endpoint"], openai_.api_url());
    EXPECT_EQ(openai_.last_authorization(), "Bearer " + std::string(FakeOpenAi::kDefaultApiKey));

    auto unknown = daemon_->post("/api/v1/system/llm-runtime/active",
                                 R"({"provider":"openai","model":"gpt-9-ultra"})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.json()["code"], "unknown_model");

    auto gem = daemon_->post("/api/v1/system/llm-runtime/active",
                             R"({"provider":"gem","model":"models/gemini-2.5-flash"})");
    ASSERT_EQ(gem.status, 200) << gem.body;
    EXPECT_EQ(gem.json()["active_server"], "google");
    EXPECT_EQ(gem.json()["active_model"], "gemini-2.5-flash");
    ASSERT_TRUE(gemini_.last_api_key().has_value());
    EXPECT_FALSE(gemini_.last_api_key()->from_query);  // the header, not a URL people log

    const std::string env = read_file(data_dir_.path() / "llm-runtime.env");
    EXPECT_NE(env.find("LLM_SERVICE_TYPE=\"google\""), std::string::npos) << env;
    EXPECT_NE(env.find("LLM_MODEL_NAME=\"gemini-2.5-flash\""), std::string::npos);
    EXPECT_NE(env.find("ACTIVE_LLM_SERVER=\"google\""), std::string::npos);

    // On a cloud runtime, /models/switch picks another of its models.
    auto switched = daemon_->post("/api/v1/models/switch", R"({"name":"gemini-2.0-flash"})");
    ASSERT_EQ(switched.status, 200) << switched.body;
    EXPECT_EQ(switched.json()["active_model"], "gemini-2.0-flash");
}

TEST_F(RuntimeControlTest, CloudSwitchFallsBackToTheBuiltInListWhenTheProviderIsDown) {
    start_daemon([](Config& c) { c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey); });
    openai_.server().stop();
    auto r = daemon_->post("/api/v1/system/llm-runtime/active",
                           R"({"provider":"OpenAI","model":"gpt-4o-mini"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["catalog_source"], "fallback");
    EXPECT_EQ(r.json()["active_model"], "gpt-4o-mini");
}

TEST_F(RuntimeControlTest, ARejectedKeyIsA400NotASwitch) {
    start_daemon([](Config& c) { c.google_api_key = "AIza-wrong-key"; });
    auto r = daemon_->post("/api/v1/system/llm-runtime/active", R"({"provider":"google-gemini"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["code"], "api_key_rejected");
    EXPECT_EQ(r.body.find("AIza-wrong-key"), std::string::npos);
    EXPECT_FALSE(fs::exists(data_dir_.path() / "runtime.json"));
}

// ---- Config -> Services (issue 11, points 1 and 3) -----------------------------------------

class RuntimeServicesTest : public RuntimeControlTest {
protected:
    json service(const std::string& name) {
        json body = daemon_->get("/api/v1/runtime/status").json();
        for (const auto& s : body["services"]) {
            if (s["name"] == name) return s;
        }
        ADD_FAILURE() << "no service " << name << " in " << body.dump();
        return json::object();
    }

    pid_t recorded_pid(const std::string& name) const {
        std::ifstream in(data_dir_.path() / "logs" / (name + ".pid"));
        pid_t pid = 0;
        in >> pid;
        return pid;
    }

    json runtime_action(const std::string& service, const std::string& action) {
        auto r = daemon_->post("/api/v1/runtime/" + service + "/" + action, "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.json() : json::object();
    }

    json profile(const std::string& name) {
        auto r = daemon_->post("/api/v1/runtime/profile/" + name, "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.json() : json::object();
    }

    // A runtime that exits on SIGTERM is gone well within a second of the stop, and no step
    // needed SIGKILL (the scripts wait 10 s before it): children start with an empty signal
    // mask (process_runner), whichever panel path stops them.
    static void expect_graceful(const std::string& what, const std::string& message,
                                long long duration_ms, pid_t pid) {
        EXPECT_EQ(message.find("SIGKILL"), std::string::npos) << what << ": " << message;
        EXPECT_NE(message.find("stopped (pid " + std::to_string(pid) + ")"), std::string::npos)
            << what << ": " << message;
        EXPECT_LT(duration_ms, 1000) << what << ": " << message;
        EXPECT_FALSE(alive(pid)) << what;
    }
};

TEST_F(RuntimeServicesTest, StatusShowsRealProcessFiguresAndVersionsForEachService) {
    start_daemon();
    // "unknown" until the monitor's first background sample: wait for it, bounded.
    ASSERT_TRUE(eventually([&] { return service("ollama")["status"] != "unknown"; }));
    json before = daemon_->get("/api/v1/runtime/status").json();
    EXPECT_EQ(before["status"], "success");
    EXPECT_EQ(before["count"], 3);
    json ollama = service("ollama");
    EXPECT_EQ(ollama["status"], "stopped") << ollama.dump();
    EXPECT_TRUE(ollama["pid"].is_null());
    EXPECT_EQ(ollama["port"], ollama_port_);
    EXPECT_EQ(ollama["actionable"], true);
    EXPECT_EQ(ollama["service_type"], "llm_ollama");
    json own = service("venomd");
    EXPECT_EQ(own["status"], "running");
    EXPECT_EQ(own["pid"], ::getpid());  // the daemon runs in this test process
    EXPECT_EQ(own["port"], daemon_->daemon().port());
    EXPECT_EQ(own["actionable"], false);
    EXPECT_TRUE(own["memory_mb"].get<double>() > 0) << own.dump();

    json started = runtime_action("ollama", "start");
    EXPECT_EQ(started["success"], true) << started.dump();
    const pid_t pid = recorded_pid("ollama");
    ASSERT_GT(pid, 0);
    ollama = service("ollama");
    EXPECT_EQ(ollama["status"], "running") << ollama.dump();
    EXPECT_EQ(ollama["pid"], pid);
    EXPECT_GT(ollama["memory_mb"].get<double>(), 0);
    EXPECT_GE(ollama["cpu_percent"].get<double>(), 0);
    EXPECT_GE(ollama["uptime_seconds"].get<double>(), 0);
    EXPECT_LT(ollama["uptime_seconds"].get<double>(), 60);
    EXPECT_EQ(ollama["runtime_version"], "0.12.3");  // FakeOllama's /api/version
    EXPECT_TRUE(ollama["error_message"].is_null());
    EXPECT_TRUE(ollama["last_log"].is_string()) << ollama.dump();

    ASSERT_EQ(switch_server("vllm", kVllmModel).status, 200);
    json vllm = service("vllm");
    EXPECT_EQ(vllm["status"], "running") << vllm.dump();
    EXPECT_EQ(vllm["pid"], recorded_pid("vllm"));
    EXPECT_EQ(vllm["runtime_version"], "0.10.1");  // the fake vLLM's /version
    EXPECT_EQ(service("ollama")["status"], "stopped");
}

TEST_F(RuntimeServicesTest, EveryPanelPathStopsARuntimeGracefully) {
    start_daemon();
    // Services page: start, restart, stop.
    runtime_action("ollama", "start");
    pid_t pid = recorded_pid("ollama");
    json restarted = runtime_action("ollama", "restart");
    EXPECT_EQ(restarted["success"], true) << restarted.dump();
    expect_graceful("restart", restarted["message"], restarted["duration_ms"], pid);
    pid = recorded_pid("ollama");
    EXPECT_TRUE(alive(pid));
    json stopped = runtime_action("ollama", "stop");
    EXPECT_EQ(stopped["success"], true) << stopped.dump();
    expect_graceful("stop", stopped["message"], stopped["duration_ms"], pid);
    EXPECT_EQ(service("ollama")["status"], "stopped");

    // A switch stops the other runtime.
    ASSERT_EQ(switch_server("ollama", "llama3.2:1b").status, 200);
    pid = recorded_pid("ollama");
    auto to_vllm = switch_server("vllm", kVllmModel);
    ASSERT_EQ(to_vllm.status, 200) << to_vllm.body;
    const json switched = to_vllm.json();
    for (const auto& step : switched["steps"]) {
        if (step["step"] == "stop_ollama") {
            expect_graceful("switch", step["detail"], step["duration_ms"], pid);
        }
    }

    // Profile light: vLLM is active, so a running Ollama goes.
    runtime_action("ollama", "start");
    pid = recorded_pid("ollama");
    const pid_t vllm_pid = recorded_pid("vllm");
    json light = profile("light");
    EXPECT_EQ(light["success"], true) << light.dump();
    ASSERT_EQ(light["actions"].size(), 1u) << light.dump();
    EXPECT_EQ(light["actions"][0]["service"], "ollama");
    expect_graceful("light", light["actions"][0]["message"], light["actions"][0]["duration_ms"],
                    pid);
    EXPECT_TRUE(alive(vllm_pid));
    EXPECT_EQ(service("vllm")["status"], "running");

    // Profile llm_off: every local runtime goes.
    json off = profile("llm_off");
    EXPECT_EQ(off["success"], true) << off.dump();
    ASSERT_EQ(off["actions"].size(), 1u) << off.dump();
    expect_graceful("llm_off", off["actions"][0]["message"], off["actions"][0]["duration_ms"],
                    vllm_pid);
    EXPECT_EQ(service("vllm")["status"], "stopped");
    EXPECT_EQ(service("ollama")["status"], "stopped");

    // Profile full: the active runtime (vLLM, with its model) comes back; Ollama stays off.
    json full = profile("full");
    EXPECT_EQ(full["success"], true) << full.dump();
    EXPECT_EQ(service("vllm")["status"], "running");
    EXPECT_EQ(vllm_models()["data"][0]["id"], kVllmModel);
    EXPECT_EQ(service("ollama")["status"], "stopped");
    json again = profile("full");
    EXPECT_EQ(again["actions"].size(), 0u) << again.dump();
    EXPECT_NE(again["message"].get<std::string>().find("nothing to change"), std::string::npos);
}

TEST_F(RuntimeServicesTest, HistoryKeepsEveryActionWithFailuresAcrossARestart) {
    start_daemon();
    runtime_action("ollama", "start");
    // vLLM has no model configured yet: the script refuses, and that is recorded too.
    json refused = runtime_action("vllm", "start");
    EXPECT_EQ(refused["success"], false) << refused.dump();
    EXPECT_NE(refused["message"].get<std::string>().find("failed"), std::string::npos);
    profile("llm_off");

    json history = daemon_->get("/api/v1/runtime/history?limit=10").json();
    EXPECT_EQ(history["status"], "success");
    ASSERT_EQ(history["history"].size(), 4u) << history.dump();
    // Newest first.
    EXPECT_EQ(history["history"][0]["service"], "profile");
    EXPECT_EQ(history["history"][0]["action"], "llm_off");
    EXPECT_EQ(history["history"][1]["service"], "ollama");
    EXPECT_EQ(history["history"][1]["action"], "stop");
    EXPECT_EQ(history["history"][2]["service"], "vllm");
    EXPECT_EQ(history["history"][2]["success"], false);
    EXPECT_EQ(history["history"][3]["action"], "start");
    EXPECT_EQ(history["history"][3]["success"], true);
    for (const auto& e : history["history"]) {
        EXPECT_TRUE(e["timestamp"].is_string() && e["message"].is_string()) << e.dump();
    }
    EXPECT_EQ(daemon_->get("/api/v1/runtime/history?limit=2").json()["history"].size(), 2u);
    EXPECT_EQ(daemon_->get("/api/v1/runtime/history?limit=0").status, 400);

    daemon_->stop();
    daemon_.reset();
    start_daemon();
    json after = daemon_->get("/api/v1/runtime/history?limit=10").json();
    EXPECT_EQ(after["history"], history["history"]);
}

TEST_F(RuntimeServicesTest, UnknownServiceActionOrProfileChangesNothing) {
    start_daemon();
    auto unknown_service = daemon_->post("/api/v1/runtime/tgi/start", "");
    EXPECT_EQ(unknown_service.status, 404) << unknown_service.body;
    EXPECT_EQ(unknown_service.json()["code"], "unknown_service");
    EXPECT_EQ(unknown_service.json()["success"], false);
    auto unknown_action = daemon_->post("/api/v1/runtime/ollama/reboot", "");
    EXPECT_EQ(unknown_action.status, 400);
    EXPECT_EQ(unknown_action.json()["code"], "unknown_action");
    auto own = daemon_->post("/api/v1/runtime/venomd/stop", "");
    EXPECT_EQ(own.status, 400);
    EXPECT_EQ(own.json()["code"], "service_not_actionable");
    auto unknown_profile = daemon_->post("/api/v1/runtime/profile/turbo", "");
    EXPECT_EQ(unknown_profile.status, 400);
    EXPECT_EQ(unknown_profile.json()["code"], "unknown_profile");
    EXPECT_FALSE(unknown_profile.json()["message"].get<std::string>().empty());
    EXPECT_EQ(daemon_->get("/api/v1/runtime/history").json()["history"].size(), 0u);
    EXPECT_TRUE(recorded_pids().empty());
    EXPECT_FALSE(fs::exists(data_dir_.path() / "runtime-history.json"));
}

TEST_F(RuntimeServicesTest, StorageListsTheModelFoldersWithTheirSizes) {
    start_daemon();
    auto r = daemon_->get("/api/v1/system/storage");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = r.json();
    EXPECT_EQ(body["status"], "success");
    EXPECT_TRUE(body["refreshed_at"].is_string());
    for (const char* disk : {"disk", "disk_root"}) {
        EXPECT_GT(body[disk]["total_bytes"].get<std::uint64_t>(), 0u) << disk;
        EXPECT_GT(body[disk]["used_bytes"].get<std::uint64_t>(), 0u) << disk;
        EXPECT_LE(body[disk]["free_bytes"].get<std::uint64_t>(),
                  body[disk]["total_bytes"].get<std::uint64_t>());
    }
    json model;
    std::uint64_t sum = 0;
    for (const auto& item : body["items"]) {
        sum += item["size_bytes"].get<std::uint64_t>();
        if (item["name"] == kVllmModel) model = item;
    }
    ASSERT_FALSE(model.is_null()) << body.dump();
    EXPECT_EQ(model["kind"], "huggingface_model");
    EXPECT_EQ(model["size_bytes"],
              fs::file_size(snapshot_ / "config.json") +
                  fs::file_size(snapshot_.parent_path().parent_path() / "refs" / "main"));
    EXPECT_EQ(model["path"], snapshot_.parent_path().parent_path().string());
    EXPECT_EQ(sum, body["models_dir_bytes"].get<std::uint64_t>());
}

// Issue 11, point 6: a failed switch is the last switch, with its reason, for the panel.
TEST_F(RuntimeControlTest, AFailedSwitchIsRecordedWithItsReason) {
    vllm_bin_ = write_wrapper(bin_dir_.path(), "vllm-broken", "FAKE_RUNTIME_EXIT_AT_ONCE=1");
    start_daemon();
    ASSERT_EQ(switch_server("ollama", "llama3.2:1b").status, 200);
    json ok = daemon_->get("/api/v1/system/llm-servers/active").json()["last_runtime_switch"];
    EXPECT_EQ(ok["success"], true) << ok.dump();
    EXPECT_EQ(ok["to_runtime"], "ollama");
    const std::string ok_reason = ok["reason"];
    for (const char* word : {"error", "fail", "denied"}) {
        EXPECT_EQ(ok_reason.find(word), std::string::npos) << ok_reason;
    }

    EXPECT_EQ(switch_server("vllm", kVllmModel).status, 502);
    json last = daemon_->get("/api/v1/system/llm-servers/active").json()["last_runtime_switch"];
    EXPECT_EQ(last["success"], false) << last.dump();
    EXPECT_EQ(last["to_runtime"], "vllm");
    EXPECT_EQ(last["from_runtime"], "ollama");
    EXPECT_EQ(last["model"], kVllmModel);
    EXPECT_NE(last["reason"].get<std::string>().find("fail"), std::string::npos) << last.dump();
    EXPECT_NE(last["reason"].get<std::string>().find("did not start"), std::string::npos);
    EXPECT_NE(last["switch_id"], ok["switch_id"]);
}

// The binary, as users run it: keys come from its environment and must not show up in what it
// answers or logs; the active runtime survives a restart.
TEST(RuntimeControlProcessTest, KeysStayOutOfAnswersAndLogsAndTheStateSurvivesARestart) {
    TempDir data;
    FakeOpenAi openai;
    const std::string key(FakeOpenAi::kDefaultApiKey);
    std::map<std::string, std::string> env = {{"OPENAI_API_KEY", key},
                                              {"GOOGLE_API_KEY", "AIzaSecretGoogleKey123"},
                                              {"OPENAI_BASE_URL", openai.api_url()}};
    std::string answers;
    {
        ChildDaemon venomd(
            {"--port", "0", "--data-dir", data.path().string(), "--log-level", "debug"}, env);
        const int port = venomd.wait_for_port();
        ASSERT_GT(port, 0) << venomd.output();
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        auto switched = http_request("POST", base + "/api/v1/system/llm-runtime/active",
                                     R"({"provider":"openai","model":"gpt-4o"})",
                                     {"Content-Type: application/json"});
        ASSERT_EQ(switched.status, 200) << switched.body;
        answers += switched.body;
        for (const char* path :
             {"/api/v1/system/llm-runtime/active", "/api/v1/system/llm-servers/active",
              "/api/v1/system/llm-runtime/options", "/api/v1/system/llm-servers", "/api/v1/models",
              "/api/v1/health"}) {
            auto r = http_request("GET", base + path);
            EXPECT_EQ(r.status, 200) << path;
            answers += r.body;
        }
        venomd.signal(SIGTERM);
        EXPECT_EQ(venomd.wait_exit(), 0);
        const std::string log = venomd.output();
        EXPECT_NE(log.find("switched runtime=openai"), std::string::npos) << log;
        for (const std::string& secret : {key, std::string("AIzaSecretGoogleKey123")}) {
            EXPECT_EQ(log.find(secret), std::string::npos);
            EXPECT_EQ(log.find(secret.substr(secret.size() - 8)), std::string::npos);
            EXPECT_EQ(answers.find(secret.substr(secret.size() - 8)), std::string::npos);
        }
        EXPECT_EQ(read_file(data.path() / "llm-runtime.env").find(key), std::string::npos);
    }
    ChildDaemon again({"--port", "0", "--data-dir", data.path().string()}, env);
    const int port = again.wait_for_port();
    ASSERT_GT(port, 0) << again.output();
    auto active = http_request(
        "GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/system/llm-runtime/active");
    ASSERT_EQ(active.status, 200);
    EXPECT_EQ(active.json()["runtime"]["provider"], "openai");
    EXPECT_EQ(active.json()["runtime"]["model"], "gpt-4o");
    EXPECT_EQ(active.json()["last_models"]["openai"], "gpt-4o");
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait_exit(), 0);
}

// A runtime the daemon started must not hold the daemon's listening socket (a restart would
// fail with "Address already in use") nor inherit its blocked SIGTERM (every stop would end in
// SIGKILL).
TEST(RuntimeControlProcessTest, ARuntimeOutlivingTheDaemonLetsItRestartOnTheSamePort) {
    TempDir data, bin;
    const std::uint16_t ollama_port = free_loopback_port();
    const std::uint16_t venom_port = free_loopback_port();
    const fs::path ollama_bin =
        write_wrapper(bin.path(), "ollama", "FAKE_OLLAMA_MODELS=llama3.2:1b");
    const std::map<std::string, std::string> env = {
        {"VENOM_SERVICE_MANAGER", "process"},
        {"VENOM_SCRIPTS_DIR", VENOM_SCRIPTS_DIR},
        {"OLLAMA_HOST", "127.0.0.1:" + std::to_string(ollama_port)},
        {"OLLAMA_BIN", ollama_bin.string()}};
    const std::vector<std::string> args = {"--port", std::to_string(venom_port), "--data-dir",
                                           data.path().string()};
    const std::string base = "http://127.0.0.1:" + std::to_string(venom_port);
    pid_t runtime = 0;
    {
        ChildDaemon venomd(args, env);
        ASSERT_EQ(venomd.wait_for_port(), venom_port) << venomd.output();
        auto started = http_request("POST", base + "/api/v1/system/llm-servers/ollama/start", "",
                                    {"Content-Type: application/json"});
        ASSERT_EQ(started.status, 200) << started.body;
        std::ifstream(data.path() / "logs" / "ollama.pid") >> runtime;
        ASSERT_GT(runtime, 0);
        venomd.signal(SIGTERM);
        EXPECT_EQ(venomd.wait_exit(), 0) << venomd.output();
    }
    ASSERT_TRUE(alive(runtime));  // the runtime outlives the daemon, as it should
    const std::string status = read_file("/proc/" + std::to_string(runtime) + "/status");
    EXPECT_NE(status.find("SigBlk:\t0000000000000000"), std::string::npos) << status;

    ChildDaemon again(args, env);
    const int port = again.wait_for_port();
    EXPECT_EQ(port, venom_port) << again.output();
    if (port == venom_port) {
        auto stopped = http_request("POST", base + "/api/v1/system/llm-servers/ollama/stop", "",
                                    {"Content-Type: application/json"});
        EXPECT_EQ(stopped.status, 200) << stopped.body;
    }
    if (alive(runtime)) ::kill(-runtime, SIGKILL);
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait_exit(), 0);
}

}  // namespace
}  // namespace venom::testing

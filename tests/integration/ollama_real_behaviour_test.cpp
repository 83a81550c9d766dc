// Issue 10, points 1 and 3: venomd against Ollama as it really behaves (tests/fakes/FIDELITY.md):
// names shortened the way Ollama lists them, a silent verification phase at the end of a pull,
// unknown models as an error line in a 200 stream, embedding-only models and cloud stubs.
#include <gtest/gtest.h>

#include <fstream>

#include "fakes/fake_ollama.hpp"
#include "fakes/fake_ollama_library.hpp"
#include "integration/daemon_harness.hpp"
#include "providers/ollama/client.hpp"
#include "support/eventually.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class OllamaRealBehaviourTest : public ::testing::Test {
protected:
    void SetUp() override {
        daemon_ = make_daemon(std::nullopt);
        daemon_->start();
    }

    std::unique_ptr<TestDaemon> make_daemon(std::optional<std::filesystem::path> dir) {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        ports.clock = &clock_;
        return std::make_unique<TestDaemon>(
            [this](Config& c) {
                c.ollama_host = ollama_.base_url();
                c.ollama_library_url = library_.base_url();
                c.hf_endpoint = "http://127.0.0.1:9";
                c.pull_stall_timeout_seconds = 1;
                c.ollama_inventory_interval_seconds = 1;
                c.upstream_timeout_seconds = 5;
            },
            std::move(ports), std::move(dir));
    }

    HttpResult install(const std::string& name) {
        return daemon_->post("/api/v1/models/registry/install",
                             json{{"name", name}, {"provider", "ollama"}}.dump());
    }
    json install_and_wait(const std::string& name) {
        auto r = install(name);
        EXPECT_EQ(r.status, 202) << r.body;
        if (r.status != 202) return json::object();
        return daemon_->wait_finished(r.json()["operation_id"].get<std::string>(), 15s);
    }
    HttpResult activate(const std::string& name) {
        return daemon_->post("/api/v1/models/activate",
                             json{{"name", name}, {"runtime", "ollama"}}.dump());
    }
    // GET /models rows whose name contains `part`.
    std::vector<json> rows(const std::string& part) {
        std::vector<json> out;
        const json listing = daemon_->get("/api/v1/models").json();
        for (const auto& m : listing["models"]) {
            if (m["name"].get<std::string>().find(part) != std::string::npos) out.push_back(m);
        }
        return out;
    }
    json manifest() {
        std::ifstream in(daemon_->data_dir() / "models" / "manifest.json");
        return json::parse(in);
    }
    std::size_t manifest_entries(const std::string& part) {
        std::size_t n = 0;
        const json doc = manifest();
        for (const auto& m : doc["models"]) {
            n += m["name"].get<std::string>().find(part) != std::string::npos;
        }
        return n;
    }

    FakeClock clock_{std::chrono::system_clock::now()};
    FakeOllama ollama_;
    FakeOllamaLibrary library_;
    std::unique_ptr<TestDaemon> daemon_;
};

// Point 1: "library/qwen3", "registry.ollama.ai/library/qwen3:latest" and "qwen3" are one model.
TEST_F(OllamaRealBehaviourTest, EverySpellingOfANameIsOneModel) {
    ollama_.script_pull("qwen3", PullScript{});
    json op = install_and_wait("library/qwen3");
    ASSERT_EQ(op["status"], "completed") << op.dump();
    EXPECT_EQ(op["model_name"], "qwen3:latest");
    ASSERT_TRUE(ollama_.has_model("qwen3:latest"));
    EXPECT_EQ(ollama_.models().front().name, "qwen3:latest");  // as Ollama lists it

    for (const char* again : {"qwen3", "registry.ollama.ai/library/qwen3:latest", "qwen3:latest",
                              "library/qwen3:latest", "Library/QWEN3"}) {
        auto r = install(again);
        EXPECT_EQ(r.status, 409) << again << " " << r.body;
        EXPECT_EQ(r.json()["code"], "already_installed") << again;
    }
    EXPECT_EQ(ollama_.pull_count("qwen3"), 1u);
    EXPECT_EQ(manifest_entries("qwen3"), 1u) << manifest().dump();
    // The install refreshed the inventory from /api/tags: the same model, still one row.
    auto listed = rows("qwen3");
    ASSERT_EQ(listed.size(), 1u) << daemon_->get("/api/v1/models").body;
    EXPECT_EQ(listed[0]["name"], "qwen3:latest");
    EXPECT_EQ(listed[0]["source"], "manifest");
    EXPECT_EQ(daemon_->get("/api/v1/models/library%2Fqwen3/capabilities").status, 200);
    // Ollama compares names ignoring case (Name.EqualFold).
    EXPECT_EQ(daemon_->get("/api/v1/models/QWEN3/capabilities").status, 200);

    // Activation with any spelling.
    auto r = activate("registry.ollama.ai/library/qwen3");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["runtime"]["model"], "qwen3:latest");
    EXPECT_EQ(ollama_.loaded(), std::vector<std::string>{"qwen3:latest"});
    auto busy = daemon_->del("/api/v1/models/registry/library%2Fqwen3");
    EXPECT_EQ(busy.status, 409) << busy.body;  // the active model, under another spelling

    // Another model becomes active; removal by any spelling removes the one entry.
    ollama_.add_model(FakeOllamaModel::llama3());
    ASSERT_EQ(activate("library/llama3").status, 200);
    auto removed = daemon_->del("/api/v1/models/registry/registry.ollama.ai%2Flibrary%2Fqwen3");
    ASSERT_EQ(removed.status, 202) << removed.body;
    EXPECT_EQ(daemon_->wait_finished(removed.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(ollama_.has_model("qwen3"));
    EXPECT_EQ(manifest_entries("qwen3"), 0u);
    EXPECT_TRUE(eventually([&] { return rows("qwen3").empty(); }));
}

TEST_F(OllamaRealBehaviourTest, HubAndPrivateRegistryNamesAreKeptWhole) {
    for (const auto& [requested, listed] : std::vector<std::pair<std::string, std::string>>{
             {"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
              "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"},
             {"localhost:5000/team/tiny", "localhost:5000/team/tiny:latest"}}) {
        ollama_.script_pull(requested, PullScript{});
        json op = install_and_wait(requested);
        ASSERT_EQ(op["status"], "completed") << requested << " " << op.dump();
        EXPECT_EQ(op["model_name"], listed);
        auto found = rows(listed);
        ASSERT_EQ(found.size(), 1u) << daemon_->get("/api/v1/models").body;
        EXPECT_EQ(found[0]["source"], "manifest");
        EXPECT_EQ(install(requested).status, 409);
    }
    EXPECT_TRUE(ollama_.has_model("localhost:5000/team/tiny:latest"));
}

TEST_F(OllamaRealBehaviourTest, OldManifestNamesAreMigratedAtLoad) {
    daemon_->stop();
    json old = {{"models", json::array()}};
    auto entry = [](const std::string& name, const std::string& installed_at) {
        return json{{"name", name},        {"provider", "ollama"},  {"display_name", name},
                    {"runtime", "ollama"}, {"status", "installed"}, {"installed_at", installed_at}};
    };
    old["models"].push_back(entry("library/qwen3", "2026-01-01T00:00:00Z"));
    old["models"].push_back(entry("qwen3", "2026-02-01T00:00:00Z"));
    old["models"].push_back(
        entry("registry.ollama.ai/library/llama3:latest", "2026-03-01T00:00:00Z"));
    {
        std::ofstream out(daemon_->data_dir() / "models" / "manifest.json");
        out << old.dump(2);
        std::ofstream state(daemon_->data_dir() / "runtime.json");
        state << json{{"active_runtime", "ollama"},
                      {"active_model", "library/qwen3"},
                      {"last_model", {{"ollama", "library/qwen3"}}}}
                     .dump();
    }
    FakeOllamaModel qwen = FakeOllamaModel::llama3();
    qwen.name = "qwen3:latest";
    ollama_.add_model(qwen);
    ollama_.add_model(FakeOllamaModel::llama3());

    auto first = std::move(daemon_);
    const std::size_t tags_before = ollama_.server().request_count("/api/tags");
    daemon_ = make_daemon(first->data_dir());
    daemon_->start();
    json names = json::array();
    const json migrated = manifest();
    for (const auto& m : migrated["models"]) names.push_back(m["name"]);
    EXPECT_EQ(names, json({"qwen3:latest", "llama3:latest"})) << manifest().dump();
    // Two inventory refreshes started since: the first one has been read.
    EXPECT_TRUE(eventually(
        [&] { return ollama_.server().request_count("/api/tags") > tags_before + 1; }, 5s));
    for (const char* name : {"qwen3", "llama3"}) {
        auto found = rows(name);
        ASSERT_EQ(found.size(), 1u) << name << " " << daemon_->get("/api/v1/models").body;
        EXPECT_EQ(found[0]["source"], "manifest");
    }
    EXPECT_EQ(rows("qwen3")[0]["name"], "qwen3:latest");
    EXPECT_EQ(rows("qwen3")[0]["active"], true);
    std::ifstream state(daemon_->data_dir() / "runtime.json");
    EXPECT_EQ(json::parse(state)["active_model"], "qwen3:latest");
}

// Point 3: after "verifying sha256 digest" Ollama is silent while it hashes; that is no stall.
TEST_F(OllamaRealBehaviourTest, SilentVerificationIsNotAStallAndIsShown) {
    PullScript script;
    script.tick_delay = 5ms;
    script.verify_silence = 2500ms;  // the stall timeout here is 1 s
    ollama_.script_pull("big", script);
    auto r = install("big");
    ASSERT_EQ(r.status, 202) << r.body;
    const std::string id = r.json()["operation_id"];
    ASSERT_TRUE(eventually(
        [&] {
            return daemon_->operation(id)["message"].get<std::string>().rfind(
                       "verifying sha256 digest", 0) == 0;
        },
        5s))
        << daemon_->operation(id).dump();
    json op = daemon_->wait_finished(id, 15s);
    EXPECT_EQ(op["status"], "completed") << op.dump();
}

TEST_F(OllamaRealBehaviourTest, UnknownModelIsModelNotFound) {
    json op = install_and_wait("nosuchmodel");  // unscripted: the real 200 stream + error line
    EXPECT_EQ(op["status"], "failed");
    const std::string error = op["error"];
    EXPECT_NE(error.find("is not in the Ollama registry"), std::string::npos) << error;
    EXPECT_NE(error.find("file does not exist"), std::string::npos) << error;
    EXPECT_TRUE(rows("nosuchmodel").empty());
}

TEST_F(OllamaRealBehaviourTest, EmbeddingModelsAreRefusedWithA400) {
    ollama_.add_model(FakeOllamaModel::embedding());
    auto r = activate("embeddinggemma");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["code"], "model_not_chat_capable") << r.body;
    EXPECT_NE(r.json()["detail"].get<std::string>().find("embedding"), std::string::npos);
    EXPECT_TRUE(ollama_.loaded().empty());
}

TEST_F(OllamaRealBehaviourTest, CloudStubsAreRemoteAndCapabilitiesAreAsReported) {
    ollama_.add_model(FakeOllamaModel::cloud_stub());
    ASSERT_TRUE(eventually([&] { return !rows("gpt-oss").empty(); }));
    json row = rows("gpt-oss")[0];
    EXPECT_EQ(row["name"], "gpt-oss:120b-cloud");
    EXPECT_EQ(row["status"], "remote");
    EXPECT_EQ(row["remote_host"], "https://ollama.com:443");
    EXPECT_TRUE(row["size_gb"].is_null());

    PullScript script;
    script.model = FakeOllamaModel::qwen_tools();
    script.model->capabilities = {"completion", "vision", "thinking", "tools"};
    ollama_.script_pull("qwen2.5:7b", script);
    ASSERT_EQ(install_and_wait("qwen2.5:7b")["status"], "completed");
    json caps = daemon_->get("/api/v1/models/qwen2.5%3A7b/capabilities").json()["capabilities"];
    EXPECT_EQ(caps["features"], json({"completion", "vision", "thinking", "tools"}));
    EXPECT_EQ(caps["supports_function_calling"], true);
}

// The stall rule at the client, with a stall timeout much shorter than Ollama's silence.
TEST(OllamaPullVerificationTest, TheSilenceIsBoundedByTheBytesToHash) {
    FakeOllama ollama;
    providers::OllamaClient::Timeouts timeouts;
    timeouts.pull_stall = 200ms;
    providers::OllamaClient client(ollama.base_url(), timeouts);
    auto pull = [&](const std::string& name) {
        std::string last;
        auto r = client.pull(
            name, [&](const providers::PullProgress& p) { last = p.status; }, [] { return false; });
        return std::make_pair(r, last);
    };

    PullScript big;  // 4.66 GB pulled: hashing may take ~93 s at the assumed 50 MB/s
    big.tick_delay = 5ms;
    big.verify_silence = 1000ms;
    ollama.script_pull("big", big);
    auto [ok, last] = pull("big");
    EXPECT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(last, "success");

    PullScript tiny = big;  // 1 kB to hash cannot take a second: that silence is a stall
    tiny.layers = {{std::string(64, 'a'), 1000, false}};
    ollama.script_pull("tiny", tiny);
    auto [stalled, at] = pull("tiny");
    ASSERT_FALSE(stalled.ok());
    EXPECT_EQ(stalled.error().http_status, 504);
    EXPECT_NE(stalled.error().message.find("while Ollama verified"), std::string::npos)
        << stalled.error().message;
    EXPECT_EQ(at, "verifying sha256 digest");

    auto missing = client.pull(
        "nosuch", [](const providers::PullProgress&) {}, [] { return false; });
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().http_status, 404);
    EXPECT_EQ(missing.error().code, "model_not_found");
}

}  // namespace
}  // namespace venom::testing

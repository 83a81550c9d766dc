// The Ollama provider end to end through venomd's REST API, against a fake Ollama server and a
// fake ollama.com library that speak the real protocols (tests/fakes/fake_ollama*.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>

#include "fakes/fake_ollama.hpp"
#include "fakes/fake_ollama_library.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class OllamaProviderTest : public ::testing::Test {
protected:
    void SetUp() override {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        ports.clock = &clock_;
        daemon_ = std::make_unique<TestDaemon>(
            [this](Config& c) {
                c.ollama_host = ollama_.base_url();
                c.ollama_library_url = library_.base_url();
                c.hf_endpoint = "http://127.0.0.1:9";  // no Hub here: tests never leave loopback
                c.pull_stall_timeout_seconds = 1;
                c.ollama_inventory_interval_seconds = 1;
                c.upstream_timeout_seconds = 5;
            },
            std::move(ports));
        daemon_->start();
    }

    std::string install(const std::string& name, long expect = 202) {
        auto r = daemon_->post("/api/v1/models/registry/install",
                               json{{"name", name}, {"provider", "ollama"}}.dump());
        EXPECT_EQ(r.status, expect) << r.body;
        return r.status == 202 ? r.json()["operation_id"].get<std::string>() : "";
    }
    json operation(const std::string& id) { return daemon_->operation(id); }
    json wait_finished(const std::string& id) { return daemon_->wait_finished(id, 15s); }
    bool listed(const std::string& name) {
        const json models = daemon_->get("/api/v1/models").json();
        for (const auto& m : models["models"]) {
            if (m["name"] == name) return true;
        }
        return false;
    }

    FakeClock clock_{std::chrono::system_clock::now()};
    FakeOllama ollama_;
    FakeOllamaLibrary library_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(OllamaProviderTest, InstallReportsRealProgressAndRecordsTheModel) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);
    const std::string id = install("llama3");  // recorded as Ollama stores it

    std::vector<double> progress;
    std::vector<double> latencies_ms;
    std::set<std::string> messages;
    json op;
    // Poll as fast as a client can while the pull streams (~1 s), bounded at 15 s.
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto start = std::chrono::steady_clock::now();
        auto r = daemon_->get("/api/v1/models/operations/" + id);
        latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
        ASSERT_EQ(r.status, 200);
        op = r.json()["operation"];
        if (op["status"] == "in_progress") {
            progress.push_back(op["progress"].get<double>());
            messages.insert(op["message"].get<std::string>());
        }
        if (op["completed_at"].is_string()) break;
    }
    EXPECT_EQ(op["status"], "completed") << op.dump();
    EXPECT_EQ(op["model_name"], "llama3:latest");
    EXPECT_EQ(op["progress"], 100.0);
    EXPECT_GT(op["bytes_total"].get<uint64_t>(), 4'000'000'000u);
    EXPECT_TRUE(std::any_of(progress.begin(), progress.end(), [](double p) {
        return p > 0.0 && p < 100.0;
    })) << "no progress strictly between 0 and 100 was observed";
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()) || progress.size() < 2);
    EXPECT_TRUE(std::any_of(messages.begin(), messages.end(),
                            [](const std::string& m) { return m.rfind("downloading ", 0) == 0; }));

    std::sort(latencies_ms.begin(), latencies_ms.end());
    const double p50 = latencies_ms[latencies_ms.size() / 2];
    const double p99 = latencies_ms[latencies_ms.size() * 99 / 100];
    std::printf(
        "[ latency ] GET /operations/{id} during a pull: n=%zu p50=%.2f ms p99=%.2f ms "
        "max=%.2f ms\n",
        latencies_ms.size(), p50, p99, latencies_ms.back());

    json models = daemon_->get("/api/v1/models").json();
    auto it = std::find_if(models["models"].begin(), models["models"].end(),
                           [](const json& m) { return m["name"] == "llama3:latest"; });
    ASSERT_NE(it, models["models"].end());
    EXPECT_EQ((*it)["source"], "manifest");
    EXPECT_EQ((*it)["runtime"], "ollama");
    EXPECT_GT((*it)["size_gb"].get<double>(), 4.0);
    EXPECT_TRUE((*it)["installed_at"].is_string());

    for (const char* path : {"/api/v1/models/llama3:latest/capabilities",
                             "/api/v1/models/llama3%3Alatest/capabilities"}) {
        json caps = daemon_->get(path).json()["capabilities"];
        EXPECT_EQ(caps["supports_system_role"], true) << path;
        EXPECT_EQ(caps["max_context_length"], 8192) << path;
        EXPECT_EQ(caps["quantization"], FakeOllamaModel::llama3().quantization_level) << path;
        EXPECT_TRUE(caps["prompt_template"].is_string()) << path;
    }
}

TEST_F(OllamaProviderTest, GemmaTemplateMeansNoSystemRole) {
    PullScript script;
    script.model = FakeOllamaModel::gemma2();
    ollama_.script_pull("gemma2:latest", script);
    json op = wait_finished(install("gemma2"));
    ASSERT_EQ(op["status"], "completed") << op.dump();
    json caps = daemon_->get("/api/v1/models/gemma2%3Alatest/capabilities").json()["capabilities"];
    EXPECT_EQ(caps["supports_system_role"], false);
    EXPECT_EQ(caps["allowed_roles"], json({"user", "assistant"}));
}

TEST_F(OllamaProviderTest, ToolsCapabilityMeansFunctionCalling) {
    PullScript script;
    script.model = FakeOllamaModel::qwen_tools();
    ollama_.script_pull("qwen2.5:7b", script);
    ASSERT_EQ(wait_finished(install("qwen2.5:7b"))["status"], "completed");
    json caps = daemon_->get("/api/v1/models/qwen2.5%3A7b/capabilities").json()["capabilities"];
    EXPECT_EQ(caps["supports_function_calling"], true);
}

TEST_F(OllamaProviderTest, FailedPullsFailTheOperationAndLeaveNoEntry) {
    struct Case {
        const char* name;
        PullScript script;
        const char* error_part;
    };
    std::vector<Case> cases;
    cases.push_back({"unknown:latest", PullScript{}, "file does not exist"});  // unscripted
    {
        PullScript s;
        s.error_after_layer = PullErrorLine{1, "max retries exceeded: connection reset"};
        cases.push_back({"midstream:latest", s, "max retries exceeded"});
    }
    {
        PullScript s;
        s.status_before_stream = PullHttpError{400, "invalid model name"};
        cases.push_back({"before:latest", s, "invalid model name"});
    }
    {
        PullScript s;
        s.end_without_success = true;
        cases.push_back({"nosuccess:latest", s, "without success"});
    }
    {
        PullScript s;
        s.reset_after_layer = 1;
        cases.push_back({"reset:latest", s, ""});
    }
    for (auto& c : cases) {
        if (std::string(c.name) != "unknown:latest") ollama_.script_pull(c.name, c.script);
        json op = wait_finished(install(c.name));
        EXPECT_EQ(op["status"], "failed") << c.name << " " << op.dump();
        ASSERT_TRUE(op["error"].is_string()) << c.name;
        EXPECT_NE(op["error"].get<std::string>().find(c.error_part), std::string::npos)
            << c.name << ": " << op["error"];
        EXPECT_LT(op["progress"].get<double>(), 100.0);
        EXPECT_FALSE(listed(c.name)) << c.name;
    }
}

TEST_F(OllamaProviderTest, StalledPullFailsWithAClearMessage) {
    PullScript script;
    script.stall_after_layer = 1;
    ollama_.script_pull("stuck:latest", script);
    json op = wait_finished(install("stuck"));
    EXPECT_EQ(op["status"], "failed");
    EXPECT_NE(op["error"].get<std::string>().find("stalled"), std::string::npos) << op.dump();
    EXPECT_FALSE(listed("stuck:latest"));
}

TEST_F(OllamaProviderTest, CancelAbortsThePull) {
    PullScript script;
    script.stall_after_layer = 1;  // keeps the pull open until venomd hangs up
    ollama_.script_pull("big:latest", script);
    const std::string id = install("big");
    ASSERT_TRUE(eventually([&] { return operation(id)["bytes_done"].get<uint64_t>() > 0; }));
    EXPECT_EQ(daemon_->del("/api/v1/models/operations/" + id).status, 200);
    json op = wait_finished(id);
    EXPECT_EQ(op["status"], "cancelled");
    EXPECT_FALSE(listed("big:latest"));
}

TEST_F(OllamaProviderTest, ConcurrentInstallsOfOneModelGiveOnePullAnd409) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ollama_.script_pull("llama3:latest", script);
    const std::string id = install("llama3:latest");
    auto second = daemon_->post("/api/v1/models/registry/install",
                                R"({"name":"llama3","provider":"ollama"})");
    EXPECT_EQ(second.status, 409);
    EXPECT_NE(second.body.find(id), std::string::npos);
    EXPECT_EQ(wait_finished(id)["status"], "completed");
    EXPECT_EQ(ollama_.pull_count("llama3:latest"), 1u);
}

TEST_F(OllamaProviderTest, OllamaNameRulesAreChecked) {
    for (const char* body : {R"({"name":"a/b/c/d","provider":"ollama"})",
                             R"({"name":"llama3","provider":"ollama","runtime":"vllm"})"}) {
        auto r = daemon_->post("/api/v1/models/registry/install", body);
        EXPECT_EQ(r.status, 400) << body;
    }
    EXPECT_EQ(ollama_.pull_requests().size(), 0u);
}

TEST_F(OllamaProviderTest, ModelsPulledOutsideVenomdAreListedAndRemovable) {
    FakeOllamaModel phi = FakeOllamaModel::llama3();
    phi.name = "phi3:mini";
    ollama_.add_model(phi);
    ASSERT_TRUE(eventually([&] { return listed("phi3:mini"); }))
        << daemon_->get("/api/v1/models").body;
    json models = daemon_->get("/api/v1/models").json();
    for (const auto& m : models["models"]) {
        if (m["name"] == "phi3:mini") {
            EXPECT_EQ(m["source"], "ollama");
        }
    }

    ollama_.set_loaded({"phi3:mini"});
    auto r = daemon_->del("/api/v1/models/registry/phi3%3Amini");
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(wait_finished(r.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(ollama_.has_model("phi3:mini"));
    ASSERT_EQ(ollama_.delete_requests().size(), 1u);
    EXPECT_EQ(ollama_.delete_requests()[0]["model"], "phi3:mini");
    // It was unloaded first: a generate with keep_alive 0 for it.
    bool unloaded = false;
    for (const auto& g : ollama_.generate_requests()) {
        unloaded = unloaded || (g["model"] == "phi3:mini" && g["keep_alive"] == 0);
    }
    EXPECT_TRUE(unloaded);
    ASSERT_TRUE(eventually([&] { return !listed("phi3:mini"); }));
    EXPECT_EQ(daemon_->del("/api/v1/models/registry/nothing%3Alatest").status, 404);
}

TEST_F(OllamaProviderTest, ActivateLoadsOneModelAndRemembersIt) {
    ollama_.add_model(FakeOllamaModel::llama3());
    ollama_.add_model(FakeOllamaModel::gemma2());
    ollama_.set_loaded({"gemma2:latest"});
    auto r =
        daemon_->post("/api/v1/models/activate", R"({"name":"llama3:latest","runtime":"ollama"})");
    ASSERT_EQ(r.status, 200) << r.body;
    json body = r.json();
    EXPECT_EQ(body["runtime"]["provider"], "ollama");
    EXPECT_EQ(body["runtime"]["model"], "llama3:latest");
    EXPECT_EQ(body["runtime"]["endpoint"], ollama_.base_url());
    EXPECT_EQ(ollama_.loaded(), std::vector<std::string>{"llama3:latest"});

    std::ifstream state(daemon_->data_dir() / "runtime.json");
    json runtime = json::parse(state);
    EXPECT_EQ(runtime["active_runtime"], "ollama");
    EXPECT_EQ(runtime["active_model"], "llama3:latest");
    EXPECT_EQ(runtime["last_model"]["ollama"], "llama3:latest");

    // Imported into the manifest, and shown active.
    json models = daemon_->get("/api/v1/models").json();
    EXPECT_EQ(models["active"]["model"], "llama3:latest");
    bool active_from_manifest = false;
    for (const auto& m : models["models"]) {
        active_from_manifest =
            active_from_manifest ||
            (m["name"] == "llama3:latest" && m["active"] == true && m["source"] == "manifest");
    }
    EXPECT_TRUE(active_from_manifest) << models.dump();
}

// The tuning drawer's saved values go with the request that loads the model, under Ollama's
// own option names (api/types.go Options/Runner), and num_ctx is what the model is loaded with.
TEST_F(OllamaProviderTest, SavedTuningGoesWithTheLoadRequestAsOllamaOptions) {
    ollama_.add_model(FakeOllamaModel::llama3());
    const std::string activate = R"({"name":"llama3:latest","runtime":"ollama"})";
    ASSERT_EQ(daemon_->post("/api/v1/models/activate", activate).status, 200);
    auto saved =
        daemon_->post("/api/v1/models/llama3%3Alatest/config", json{{"runtime", "ollama"},
                                                                    {"params",
                                                                     {{"temperature", 0.25},
                                                                      {"top_p", 0.5},
                                                                      {"top_k", 10},
                                                                      {"max_tokens", 256},
                                                                      {"repeat_penalty", 1.25},
                                                                      {"context_length", 2048}}}}
                                                                   .dump());
    ASSERT_EQ(saved.status, 200) << saved.body;

    ASSERT_EQ(daemon_->post("/api/v1/models/activate", activate).status, 200);
    json load;
    for (const auto& g : ollama_.generate_requests()) {
        if (g.value("model", "") == "llama3:latest" && g.value("keep_alive", 0) == -1) load = g;
    }
    ASSERT_TRUE(load.contains("options")) << load.dump();
    EXPECT_EQ(load["options"], json({{"temperature", 0.25},
                                     {"top_p", 0.5},
                                     {"top_k", 10},
                                     {"num_predict", 256},
                                     {"repeat_penalty", 1.25},
                                     {"num_ctx", 2048}}));
    auto ps = http_request("GET", ollama_.base_url() + "/api/ps");
    ASSERT_EQ(ps.status, 200);
    ASSERT_EQ(ps.json()["models"].size(), 1u) << ps.body;
    EXPECT_EQ(ps.json()["models"][0]["context_length"], 2048);
}

TEST_F(OllamaProviderTest, ActivateRefusesWhatOllamaDoesNotHave) {
    auto missing =
        daemon_->post("/api/v1/models/activate", R"({"name":"nothing:latest","runtime":"ollama"})");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json()["code"], "model_not_found");
    EXPECT_EQ(daemon_->post("/api/v1/models/activate", R"({"name":"x"})").status, 422);
    EXPECT_EQ(
        daemon_->post("/api/v1/models/activate", R"({"name":"x","runtime":"lmstudio"})").status,
        400);
    EXPECT_FALSE(std::filesystem::exists(daemon_->data_dir() / "runtime.json"));
}

TEST_F(OllamaProviderTest, CatalogTrendingAndSearchComeFromTheLibrary) {
    std::vector<LibraryCard> cards = {
        {"llama3.1", "Meta's Llama 3.1", {"tools"}, {"8b", "70b"}, "108.3M", 93, "1 month ago", ""},
        {"gemma2", "Google Gemma 2", {}, {"2b", "9b"}, "12.5K", 94, "2 months ago", ""},
        {"qwen2.5-coder", "Qwen coder", {"tools"}, {"7b"}, "9.1M", 199, "3 weeks ago", ""},
    };
    library_.set_cards(cards);
    library_.set_popular_order({"qwen2.5-coder", "llama3.1", "gemma2"});

    json catalog = daemon_->get("/api/v1/models/providers?provider=ollama&limit=10").json();
    EXPECT_EQ(catalog["success"], true);
    EXPECT_EQ(catalog["stale"], false);
    ASSERT_EQ(catalog["count"], 3);
    EXPECT_EQ(catalog["models"][0]["model_name"], "llama3.1");
    EXPECT_EQ(catalog["models"][0]["runtime"], "ollama");
    EXPECT_EQ(catalog["models"][0]["downloads"], 108300000);
    EXPECT_EQ(catalog["models"][0]["tags"], json({"tools", "8b", "70b"}));

    json trending = daemon_->get("/api/v1/models/trending?provider=ollama&limit=2").json();
    EXPECT_EQ(trending["provider"], "ollama");
    ASSERT_EQ(trending["count"], 2);
    EXPECT_EQ(trending["models"][0]["model_name"], "qwen2.5-coder");

    json found = daemon_->get("/api/v1/models/search?query=gemma&provider=ollama").json();
    EXPECT_EQ(found["success"], true);
    ASSERT_EQ(found["count"], 1);
    EXPECT_EQ(found["models"][0]["model_name"], "gemma2");

    // Without a provider the catalog merges every provider this build has; the Hub is down
    // here, so the answer is marked stale with its error but still has Ollama's models.
    json merged = daemon_->get("/api/v1/models/providers").json();
    EXPECT_EQ(merged["count"], 3);
    EXPECT_EQ(merged["stale"], true);
    EXPECT_EQ(daemon_->get("/api/v1/models/trending").status, 422);
    EXPECT_EQ(daemon_->get("/api/v1/models/search?query=g&provider=ollama").status, 400);
    EXPECT_EQ(daemon_->get("/api/v1/models/trending?provider=docker").status, 400);
}

TEST_F(OllamaProviderTest, CachedAnswersMakeNoUpstreamCallAndGoStaleWhenTheSiteFails) {
    auto library_requests = [&] { return library_.server().requests().size(); };
    json first = daemon_->get("/api/v1/models/trending?provider=ollama&limit=5").json();
    ASSERT_FALSE(first["models"].empty());
    const std::size_t after_first = library_requests();
    json again = daemon_->get("/api/v1/models/trending?provider=ollama&limit=5").json();
    EXPECT_EQ(again["models"], first["models"]);
    EXPECT_EQ(library_requests(), after_first);  // fresh hit: no upstream call

    library_.fail_with(503);
    clock_.advance(31min);  // past VENOM_CATALOG_TTL_SECONDS
    json stale = daemon_->get("/api/v1/models/trending?provider=ollama&limit=5").json();
    EXPECT_EQ(stale["success"], true);
    EXPECT_EQ(stale["stale"], true);
    EXPECT_TRUE(stale["error"].is_string());
    EXPECT_EQ(stale["models"], first["models"]);

    // Nothing cached for this key, and the site is down: an empty stale answer, not an error.
    auto empty = daemon_->get("/api/v1/models/search?query=llama&provider=ollama");
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(empty.json()["models"], json::array());
    EXPECT_EQ(empty.json()["stale"], true);
    EXPECT_TRUE(empty.json()["error"].is_string());

    // The failure was not cached as a success: once the site is back it is used again.
    library_.recover();
    json back = daemon_->get("/api/v1/models/search?query=llama&provider=ollama").json();
    EXPECT_EQ(back["stale"], false);
    EXPECT_FALSE(back["models"].empty());
}

TEST_F(OllamaProviderTest, OllamaDownFailsTheInstallWithTheReason) {
    ollama_.server().stop();
    json op = wait_finished(install("llama3"));
    EXPECT_EQ(op["status"], "failed");
    EXPECT_NE(op["error"].get<std::string>().find("cannot reach"), std::string::npos) << op.dump();
}

}  // namespace
}  // namespace venom::testing

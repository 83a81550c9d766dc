// The Hugging Face provider end to end through venomd's REST API, against a fake Hub and a
// fake CDN on another port that speak the Hub's protocol, faults included.
#include <gtest/gtest.h>

#include <set>

#include "integration/hub_daemon_test.hpp"
#include "support/eventually.hpp"
#include "support/files.hpp"
#include "support/free_port.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t kWeights = 3 * 1024 * 1024;

class HuggingFaceProviderTest : public HubDaemonTest {
protected:
    fs::path repo_dir(const std::string& folder) {
        return daemon_->data_dir() / "models" / "huggingface" / "hub" / folder;
    }
    json manifest_entry(const std::string& name) {
        const fs::path path = daemon_->data_dir() / "models" / "manifest.json";
        if (!fs::exists(path)) return nullptr;
        json doc = json::parse(read_file(path));
        for (const auto& m : doc["models"]) {
            if (m["name"] == name) return m;
        }
        return nullptr;
    }

    std::string vllm_url_;
};

TEST_F(HuggingFaceProviderTest, InstallLandsVerifiedInTheHubCacheLayout) {
    hub_.add_repo(FakeHubRepo::transformers("org/tiny-chat", kWeights));
    start();
    json op = wait_finished(install("org/tiny-chat"));
    ASSERT_EQ(op["status"], "completed") << op.dump();
    EXPECT_EQ(op["progress"], 100.0);

    const std::string commit = hub_.commit("org/tiny-chat");
    const fs::path repo = repo_dir("models--org--tiny-chat");
    EXPECT_EQ(read_file(repo / "refs" / "main"), commit);
    const fs::path snapshot = repo / "snapshots" / commit;
    for (const char* path : {"config.json", "tokenizer.json", "tokenizer_config.json",
                             "generation_config.json", "model.safetensors"}) {
        ASSERT_TRUE(fs::is_symlink(snapshot / path)) << path;
        EXPECT_EQ(fs::read_symlink(snapshot / path),
                  fs::path("../../blobs") / hub_.file_etag("org/tiny-chat", path))
            << path;
        EXPECT_EQ(read_file(snapshot / path), hub_.file_content("org/tiny-chat", path)) << path;
    }
    EXPECT_FALSE(fs::exists(snapshot / "README.md"));  // not needed to run the model
    for (const auto& e : fs::directory_iterator(repo / "blobs")) {
        EXPECT_EQ(e.path().extension(), "") << "leftover " << e.path();
    }

    json entry = manifest_entry("org/tiny-chat");
    ASSERT_FALSE(entry.is_null());
    EXPECT_EQ(entry["provider"], "huggingface");
    EXPECT_EQ(entry["runtime"], "vllm");
    EXPECT_EQ(entry["local_path"], fs::absolute(snapshot).string());
    EXPECT_EQ(entry["sha256"], hub_.file_sha256("org/tiny-chat", "model.safetensors"));
    EXPECT_EQ(entry["revision"], commit);
    EXPECT_GT(entry["size_gb"].get<double>(), 0.0);

    json caps = daemon_->get("/api/v1/models/org%2Ftiny-chat/capabilities").json()["capabilities"];
    EXPECT_EQ(caps["max_context_length"], 8192);
    EXPECT_EQ(caps["supports_system_role"], true);
    EXPECT_EQ(caps["supports_function_calling"], true);
    EXPECT_TRUE(caps["prompt_template"].is_string());
}

TEST_F(HuggingFaceProviderTest, IncludeAndExcludeGlobsChangeWhatIsFetched) {
    hub_.add_repo(FakeHubRepo::transformers("org/tiny-chat", kWeights));
    start();
    auto r = daemon_->post("/api/v1/models/registry/install",
                           R"({"name":"org/tiny-chat","provider":"huggingface",
                               "include":["*.md"],"exclude":["generation_config.json"]})");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(wait_finished(r.json()["operation_id"])["status"], "completed");
    const fs::path snapshot =
        repo_dir("models--org--tiny-chat") / "snapshots" / hub_.commit("org/tiny-chat");
    EXPECT_TRUE(fs::exists(snapshot / "README.md"));
    EXPECT_FALSE(fs::exists(snapshot / "generation_config.json"));
    EXPECT_TRUE(fs::exists(snapshot / "model.safetensors"));

    auto bad = daemon_->post("/api/v1/models/registry/install",
                             R"({"name":"org/x","provider":"huggingface","include":"*.md"})");
    EXPECT_EQ(bad.status, 422);
    auto ollama = daemon_->post("/api/v1/models/registry/install",
                                R"({"name":"llama3","provider":"ollama","include":["*"]})");
    EXPECT_EQ(ollama.status, 400);
}

TEST_F(HuggingFaceProviderTest, ProgressIsBytesAcrossFilesWithTheCurrentFile) {
    hub_.add_repo(FakeHubRepo::transformers("org/slow", kWeights));
    hub_.set_fault("org/slow", "model.safetensors", FakeHubFault::slow(256 * 1024, 40ms));
    start();
    const std::string id = install("org/slow");
    std::vector<double> progress;
    std::set<std::string> messages;
    json op;
    ASSERT_TRUE(eventually(
        [&] {
            op = operation(id);
            if (op["status"] == "in_progress") {
                progress.push_back(op["progress"].get<double>());
                messages.insert(op["message"].get<std::string>());
            }
            return op["completed_at"].is_string();
        },
        20s));
    EXPECT_EQ(op["status"], "completed");
    EXPECT_TRUE(
        std::any_of(progress.begin(), progress.end(), [](double p) { return p > 0 && p < 100; }));
    EXPECT_TRUE(std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
        return m.find("model.safetensors") != std::string::npos;
    }));
    EXPECT_GE(op["bytes_total"].get<uint64_t>(), kWeights);
}

TEST_F(HuggingFaceProviderTest, TheTokenGoesToTheHubButNeverToTheCdn) {
    hub_.add_repo(FakeHubRepo::transformers("org/tiny-chat", kWeights));
    hub_.add_token("hf_test_token");
    start([](Config& c) { c.hf_token = "hf_test_token"; });
    ASSERT_EQ(wait_finished(install("org/tiny-chat"))["status"], "completed");
    ASSERT_FALSE(hub_.cdn().requests().empty());
    for (const auto& r : hub_.cdn().requests()) {
        EXPECT_FALSE(r.header("authorization")) << r.target;
    }
    bool hub_saw_token = false;
    for (const auto& r : hub_.hub().requests()) {
        hub_saw_token = hub_saw_token || r.header("authorization") == "Bearer hf_test_token";
    }
    EXPECT_TRUE(hub_saw_token);
}

TEST_F(HuggingFaceProviderTest, WrongBytesFailAndPublishNothing) {
    hub_.add_repo(FakeHubRepo::transformers("org/liar", kWeights));
    hub_.set_fault("org/liar", "model.safetensors", FakeHubFault::wrong_bytes().sticky());
    start();
    json op = wait_finished(install("org/liar"));
    EXPECT_EQ(op["status"], "failed");
    EXPECT_NE(op["error"].get<std::string>().find("hash"), std::string::npos) << op.dump();
    const fs::path repo = repo_dir("models--org--liar");
    EXPECT_FALSE(fs::exists(repo / "snapshots"));
    EXPECT_FALSE(fs::exists(repo / "blobs" / hub_.file_sha256("org/liar", "model.safetensors")));
    EXPECT_TRUE(manifest_entry("org/liar").is_null());
}

TEST_F(HuggingFaceProviderTest, AResetMidFileResumesWithRangeAndFetchesLittleAgain) {
    hub_.add_repo(FakeHubRepo::transformers("org/flaky", kWeights));
    hub_.set_fault("org/flaky", "model.safetensors", FakeHubFault::reset_after_bytes(kWeights / 2));
    start();
    ASSERT_EQ(wait_finished(install("org/flaky"))["status"], "completed");
    const uint64_t served = hub_.bytes_served("org/flaky", "model.safetensors");
    std::printf("[ resume  ] reset at %zu of %zu bytes; served in all %llu (%.3f%% again)\n",
                kWeights / 2, kWeights, static_cast<unsigned long long>(served),
                100.0 * (static_cast<double>(served) - kWeights) / kWeights);
    EXPECT_LE(served, kWeights + kWeights / 100);
    bool ranged = false;
    for (const auto& r : hub_.cdn().requests()) ranged = ranged || r.header("range").has_value();
    EXPECT_TRUE(ranged);
}

TEST_F(HuggingFaceProviderTest, ADownloadStoppedHalfWayResumesInTheNextInstall) {
    hub_.add_repo(FakeHubRepo::transformers("org/big", kWeights));
    hub_.set_fault("org/big", "model.safetensors", FakeHubFault::stall_after_bytes(kWeights / 2));
    start([](Config& c) { c.download_attempts = 1; });
    json first = wait_finished(install("org/big"));
    ASSERT_EQ(first["status"], "failed");  // stalled, no retries allowed here
    EXPECT_TRUE(manifest_entry("org/big").is_null());

    json second = wait_finished(install("org/big"));
    ASSERT_EQ(second["status"], "completed") << second.dump();
    const uint64_t served = hub_.bytes_served("org/big", "model.safetensors");
    std::printf("[ resume  ] stopped at %zu of %zu bytes; served in all %llu (%.3f%% again)\n",
                kWeights / 2, kWeights, static_cast<unsigned long long>(served),
                100.0 * (static_cast<double>(served) - kWeights) / kWeights);
    EXPECT_LE(served, kWeights + kWeights / 100);
    const fs::path snapshot = repo_dir("models--org--big") / "snapshots" / hub_.commit("org/big");
    EXPECT_EQ(read_file(snapshot / "model.safetensors"),
              hub_.file_content("org/big", "model.safetensors"));
}

TEST_F(HuggingFaceProviderTest, AServerIgnoringRangeMakesTheFileStartOverNotAppend) {
    hub_.add_repo(FakeHubRepo::transformers("org/norange", kWeights));
    hub_.set_fault("org/norange", "model.safetensors",
                   FakeHubFault::reset_after_bytes(kWeights / 3));
    hub_.add_fault("org/norange", "model.safetensors", FakeHubFault::ignore_range());
    start();
    ASSERT_EQ(wait_finished(install("org/norange"))["status"], "completed");
    const fs::path snapshot =
        repo_dir("models--org--norange") / "snapshots" / hub_.commit("org/norange");
    EXPECT_EQ(read_file(snapshot / "model.safetensors"),
              hub_.file_content("org/norange", "model.safetensors"));
}

TEST_F(HuggingFaceProviderTest, TruncatedBodiesAnd429AreRetried) {
    hub_.add_repo(FakeHubRepo::transformers("org/bumpy", kWeights));
    hub_.set_fault("org/bumpy", "model.safetensors", FakeHubFault::truncated());
    hub_.set_fault("org/bumpy", "config.json", FakeHubFault::status(429));
    start();
    json op = wait_finished(install("org/bumpy"));
    EXPECT_EQ(op["status"], "completed") << op.dump();
}

TEST_F(HuggingFaceProviderTest, GatedRepositoriesAnswer401AtTheInstallRequest) {
    FakeHubRepo gated = FakeHubRepo::gemma("google/gemma-2b-it", kWeights);
    gated.gated = "manual";
    hub_.add_repo(gated);
    start();
    // The plan's own repository answer says "gated": no operation, no download, no extra request.
    const std::size_t before = hub_.hub().requests().size();
    auto r = post_install("google/gemma-2b-it");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json()["code"], "gated_repo");
    EXPECT_NE(r.json()["detail"].get<std::string>().find("HF_TOKEN"), std::string::npos) << r.body;
    EXPECT_EQ(hub_.hub().requests().size() - before, 1u);  // the plan's one round trip
    EXPECT_EQ(daemon_->get("/api/v1/models/operations").json()["count"], 0);
    EXPECT_TRUE(manifest_entry("google/gemma-2b-it").is_null());
    EXPECT_FALSE(fs::exists(repo_dir("models--google--gemma-2b-it") / "blobs"));
}

TEST_F(HuggingFaceProviderTest, GatedWithATokenWithoutAccessIs403AtTheInstallRequest) {
    FakeHubRepo gated = FakeHubRepo::gemma("google/gemma-2b-it", kWeights);
    gated.gated = "manual";
    hub_.add_repo(gated);
    hub_.add_token("hf_no_access");
    start([](Config& c) { c.hf_token = "hf_no_access"; });
    auto r = post_install("google/gemma-2b-it");
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.json()["code"], "gated_repo");
    EXPECT_NE(r.json()["detail"].get<std::string>().find("accept its terms"), std::string::npos)
        << r.body;
    EXPECT_EQ(daemon_->get("/api/v1/models/operations").json()["count"], 0);
}

TEST_F(HuggingFaceProviderTest, GatedWithATokenThatHasAccessInstalls) {
    FakeHubRepo gated = FakeHubRepo::gemma("google/gemma-2b-it", kWeights);
    gated.gated = "auto";
    hub_.add_repo(gated);
    hub_.add_token("hf_granted");
    hub_.grant_access("google/gemma-2b-it", "hf_granted");
    start([](Config& c) { c.hf_token = "hf_granted"; });
    json op = wait_finished(install("google/gemma-2b-it"));
    EXPECT_EQ(op["status"], "completed") << op.dump();
}

// The Hub hides private repos: an anonymous caller gets 401 RepoNotFound and a token without
// access 404, exactly as for a repo that does not exist, so "private" cannot be told apart. The
// install request is refused at once, and the detail says a token may help.
TEST_F(HuggingFaceProviderTest, PrivateRepositoriesAreRefusedAtTheInstallRequest) {
    FakeHubRepo hidden = FakeHubRepo::transformers("org/private-chat", kWeights);
    hidden.private_repo = true;
    hub_.add_repo(hidden);
    start();
    auto anonymous = post_install("org/private-chat");
    EXPECT_EQ(anonymous.status, 404) << anonymous.body;
    EXPECT_NE(anonymous.json()["detail"].get<std::string>().find("private: set HF_TOKEN"),
              std::string::npos)
        << anonymous.body;
    EXPECT_EQ(daemon_->get("/api/v1/models/operations").json()["count"], 0);
}

TEST_F(HuggingFaceProviderTest, AFailedInstallLeavesNoEmptyIncompleteFile) {
    hub_.add_repo(FakeHubRepo::transformers("org/refused", kWeights));
    // A 503 on every try: resumable, so partial downloads are kept for a resume, but a file that
    // got no byte has nothing to resume.
    hub_.set_fault("org/refused", "model.safetensors", FakeHubFault::status(503, 100));
    start();
    json op = wait_finished(install("org/refused"));
    ASSERT_EQ(op["status"], "failed") << op.dump();
    EXPECT_NE(op["message"].get<std::string>().find("failed"), std::string::npos) << op.dump();
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(repo_dir("models--org--refused"), ec);
         !ec && it != fs::recursive_directory_iterator(); ++it) {
        if (it->path().extension() == ".incomplete") {
            EXPECT_GT(fs::file_size(it->path()), 0u) << "empty leftover " << it->path();
        }
    }
    EXPECT_TRUE(manifest_entry("org/refused").is_null());
}

TEST_F(HuggingFaceProviderTest, MissingRepositoryOrQuantAnswers404AtOnce) {
    hub_.add_repo(FakeHubRepo::gguf("org/m-GGUF", {"Q4_K_M", "Q8_0"}));
    start();
    auto missing = post_install("org/does-not-exist");
    EXPECT_EQ(missing.status, 404) << missing.body;
    auto quant = post_install("org/m-GGUF:Q2_K");
    EXPECT_EQ(quant.status, 404);
    EXPECT_NE(quant.body.find("Q8_0"), std::string::npos);
    EXPECT_EQ(post_install("not-a-repo-id").status, 400);
    EXPECT_TRUE(hub_.cdn().requests().empty());
}

TEST_F(HuggingFaceProviderTest, QuotaRefusalDownloadsNothing) {
    hub_.add_repo(FakeHubRepo::transformers("org/huge", kWeights));
    start([](Config& c) { c.max_storage_gb = 0.001; });  // ~1 MiB, less than the files
    auto r = post_install("org/huge");
    EXPECT_EQ(r.status, 507) << r.body;
    EXPECT_TRUE(hub_.cdn().requests().empty());
    EXPECT_FALSE(fs::exists(repo_dir("models--org--huge")));
}

TEST_F(HuggingFaceProviderTest, GemmaTemplateMeansNoSystemRoleAndContextFromConfig) {
    hub_.add_repo(FakeHubRepo::gemma("google/gemma-2b-it", kWeights));
    start();
    ASSERT_EQ(wait_finished(install("google/gemma-2b-it"))["status"], "completed");
    auto r = daemon_->get("/api/v1/models/google%2Fgemma-2b-it/capabilities");
    ASSERT_EQ(r.status, 200);
    json caps = r.json()["capabilities"];
    EXPECT_EQ(caps["supports_system_role"], false);
    EXPECT_EQ(caps["allowed_roles"], json({"user", "assistant"}));
    EXPECT_EQ(caps["max_context_length"], 8192);
    EXPECT_EQ(caps["supports_function_calling"], false);
}

TEST_F(HuggingFaceProviderTest, GgufInstallTakesTheAskedQuantOnly) {
    hub_.add_repo(FakeHubRepo::gguf("org/m-GGUF", {"Q4_K_M", "Q8_0"}));
    start();
    ASSERT_EQ(wait_finished(install("org/m-GGUF:Q8_0"))["status"], "completed");
    const fs::path snapshot =
        repo_dir("models--org--m-GGUF") / "snapshots" / hub_.commit("org/m-GGUF");
    EXPECT_TRUE(fs::exists(snapshot / "m.Q8_0.gguf"));
    EXPECT_FALSE(fs::exists(snapshot / "m.Q4_K_M.gguf"));
    json caps = daemon_->get("/api/v1/models/org%2Fm-GGUF%3AQ8_0/capabilities").json();
    EXPECT_EQ(caps["capabilities"]["quantization"], "Q8_0");
    EXPECT_EQ(caps["capabilities"]["max_context_length"], 4096);
}

TEST_F(HuggingFaceProviderTest, AnIndexedRepoFetchesOnlyItsWeightMapNotConsolidated) {
    hub_.add_repo(FakeHubRepo::mistral("mistralai/tiny-mistral", kWeights));
    start();
    ASSERT_EQ(wait_finished(install("mistralai/tiny-mistral"))["status"], "completed");
    const fs::path snapshot = repo_dir("models--mistralai--tiny-mistral") / "snapshots" /
                              hub_.commit("mistralai/tiny-mistral");
    EXPECT_TRUE(fs::exists(snapshot / "model-00001-of-00002.safetensors"));
    EXPECT_TRUE(fs::exists(snapshot / "model-00002-of-00002.safetensors"));
    EXPECT_TRUE(fs::exists(snapshot / "model.safetensors.index.json"));
    EXPECT_TRUE(fs::exists(snapshot / "tekken.json"));
    EXPECT_FALSE(fs::exists(snapshot / "consolidated.safetensors"));  // the same weights again
    EXPECT_LT(manifest_entry("mistralai/tiny-mistral")["size_gb"].get<double>() * 1e9,
              1.5 * kWeights);
}

TEST_F(HuggingFaceProviderTest, AShardedGgufQuantInASubfolderIsOneUnit) {
    hub_.add_repo(FakeHubRepo::gguf_sharded("org/big-GGUF", {"Q4_K_M", "Q8_0"}, 2));
    start();
    ASSERT_EQ(wait_finished(install("org/big-GGUF:Q8_0"))["status"], "completed");
    const fs::path snapshot =
        repo_dir("models--org--big-GGUF") / "snapshots" / hub_.commit("org/big-GGUF");
    EXPECT_TRUE(fs::exists(snapshot / "Q8_0" / "big-Q8_0-00001-of-00002.gguf"));
    EXPECT_TRUE(fs::exists(snapshot / "Q8_0" / "big-Q8_0-00002-of-00002.gguf"));
    EXPECT_FALSE(fs::exists(snapshot / "Q4_K_M"));
    // Capabilities from shard 1, where gguf-split keeps the metadata.
    json caps = daemon_->get("/api/v1/models/org%2Fbig-GGUF%3AQ8_0/capabilities").json();
    EXPECT_EQ(caps["capabilities"]["quantization"], "Q8_0");
    EXPECT_EQ(caps["capabilities"]["max_context_length"], 4096);
}

TEST_F(HuggingFaceProviderTest, ActivateServesTheSnapshotOnVllmAndRemoveWaitsForAnother) {
    hub_.add_repo(FakeHubRepo::transformers("org/tiny-chat", kWeights));
    vllm_url_ = "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/v1";
    start([this](Config& c) {
        c.scripts_dir = VENOM_SCRIPTS_DIR;
        c.service_manager = "process";
        c.vllm_endpoint = vllm_url_;
        c.vllm_bin = FAKE_LLM_RUNTIME_BINARY;
    });
    ASSERT_EQ(wait_finished(install("org/tiny-chat"))["status"], "completed");
    const fs::path snapshot = fs::absolute(repo_dir("models--org--tiny-chat") / "snapshots" /
                                           hub_.commit("org/tiny-chat"));

    auto activated =
        daemon_->post("/api/v1/models/activate", R"({"name":"org/tiny-chat","runtime":"vllm"})");
    ASSERT_EQ(activated.status, 200) << activated.body;
    // vLLM (fake_llm_runtime through scripts/llm/vllm_service.sh) now serves the snapshot.
    auto served = http_request("GET", vllm_url_ + "/models");
    ASSERT_EQ(served.status, 200) << served.error;
    EXPECT_EQ(served.json()["data"][0]["id"], "org/tiny-chat");
    EXPECT_EQ(served.json()["data"][0]["root"], snapshot.string());
    const std::string env = read_file(daemon_->data_dir() / "llm-runtime.env");
    EXPECT_NE(env.find("VLLM_MODEL_PATH=\"" + snapshot.string() + "\""), std::string::npos) << env;
    EXPECT_NE(env.find("VLLM_SERVED_MODEL_NAME=\"org/tiny-chat\""), std::string::npos) << env;
    EXPECT_NE(env.find("ACTIVE_LLM_SERVER=\"vllm\""), std::string::npos) << env;

    auto refused = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.json()["code"], "model_active");
    EXPECT_TRUE(fs::exists(snapshot));

    auto not_installed =
        daemon_->post("/api/v1/models/activate", R"({"name":"org/other","runtime":"vllm"})");
    EXPECT_EQ(not_installed.status, 404);
    EXPECT_EQ(not_installed.json()["code"], "model_not_found");
    EXPECT_EQ(daemon_->post("/api/v1/system/llm-servers/vllm/stop", "").json()["exit_code"], 0);
}

TEST_F(HuggingFaceProviderTest, AGgufRunsOnVllmAsOneFileWithTheBaseTokenizerOrIsRefused) {
    FakeHubRepo single = FakeHubRepo::gguf("org/m-GGUF", {"Q4_K_M"});
    single.base_model = "org/m";
    hub_.add_repo(single);
    hub_.add_repo(FakeHubRepo::gguf("org/nobase-GGUF", {"Q4_K_M"}));
    FakeHubRepo split = FakeHubRepo::gguf_sharded("org/big-GGUF", {"Q8_0"}, 2);
    split.base_model = "org/big";
    hub_.add_repo(split);
    vllm_url_ = "http://127.0.0.1:" + std::to_string(free_loopback_port()) + "/v1";
    start([this](Config& c) {
        c.scripts_dir = VENOM_SCRIPTS_DIR;
        c.service_manager = "process";
        c.vllm_endpoint = vllm_url_;
        c.vllm_bin = FAKE_LLM_RUNTIME_BINARY;
    });
    for (const char* name : {"org/m-GGUF:Q4_K_M", "org/nobase-GGUF:Q4_K_M", "org/big-GGUF:Q8_0"}) {
        ASSERT_EQ(wait_finished(install(name))["status"], "completed") << name;
    }

    // Only the combination vLLM can start is offered.
    json options = daemon_->get("/api/v1/system/llm-runtime/options").json();
    std::set<std::string> offered;
    for (const auto& rt : options["runtimes"]) {
        if (rt["runtime_id"] != "vllm") continue;
        for (const auto& m : rt["models"]) offered.insert(m["name"].get<std::string>());
    }
    EXPECT_EQ(offered, std::set<std::string>{"org/m-GGUF:Q4_K_M"}) << options.dump();

    for (const auto& [name, says] :
         {std::pair{"org/big-GGUF:Q8_0", "hf.co/org/big-GGUF:Q8_0"},
          std::pair{"org/nobase-GGUF:Q4_K_M", "hf.co/org/nobase-GGUF:Q4_K_M"}}) {
        auto refused = daemon_->post("/api/v1/models/activate",
                                     json{{"name", name}, {"runtime", "vllm"}}.dump());
        EXPECT_EQ(refused.status, 400) << refused.body;
        EXPECT_EQ(refused.json()["code"], "gguf_not_servable_by_vllm") << refused.body;
        EXPECT_NE(refused.json()["detail"].get<std::string>().find(says), std::string::npos)
            << refused.body;
    }

    auto activated = daemon_->post("/api/v1/models/activate",
                                   R"({"name":"org/m-GGUF:Q4_K_M","runtime":"vllm"})");
    ASSERT_EQ(activated.status, 200) << activated.body;
    const fs::path file = fs::absolute(repo_dir("models--org--m-GGUF") / "snapshots" /
                                       hub_.commit("org/m-GGUF") / "m.Q4_K_M.gguf");
    auto served = http_request("GET", vllm_url_ + "/models");
    ASSERT_EQ(served.status, 200) << served.error;
    EXPECT_EQ(served.json()["data"][0]["root"], file.string());
    const std::string env = read_file(daemon_->data_dir() / "llm-runtime.env");
    EXPECT_NE(env.find("VLLM_MODEL_PATH=\"" + file.string() + "\""), std::string::npos) << env;
    EXPECT_NE(env.find("VLLM_TOKENIZER=\"org/m\""), std::string::npos) << env;
    EXPECT_EQ(daemon_->post("/api/v1/system/llm-servers/vllm/stop", "").json()["exit_code"], 0);
}

TEST_F(HuggingFaceProviderTest, RemoveDeletesTheRepositoryFolder) {
    hub_.add_repo(FakeHubRepo::transformers("org/tiny-chat", kWeights));
    start();
    ASSERT_EQ(wait_finished(install("org/tiny-chat"))["status"], "completed");
    auto r = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(wait_finished(r.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(fs::exists(repo_dir("models--org--tiny-chat")));
    EXPECT_TRUE(manifest_entry("org/tiny-chat").is_null());
}

TEST_F(HuggingFaceProviderTest, RemovingOneQuantKeepsTheOther) {
    hub_.add_repo(FakeHubRepo::gguf("org/m-GGUF", {"Q4_K_M", "Q8_0"}));
    start();
    ASSERT_EQ(wait_finished(install("org/m-GGUF:Q4_K_M"))["status"], "completed");
    ASSERT_EQ(wait_finished(install("org/m-GGUF:Q8_0"))["status"], "completed");
    auto r = daemon_->del("/api/v1/models/registry/org%2Fm-GGUF%3AQ4_K_M");
    ASSERT_EQ(r.status, 202);
    EXPECT_EQ(wait_finished(r.json()["operation_id"])["status"], "completed");
    const fs::path snapshot =
        repo_dir("models--org--m-GGUF") / "snapshots" / hub_.commit("org/m-GGUF");
    EXPECT_FALSE(fs::exists(snapshot / "m.Q4_K_M.gguf"));
    EXPECT_EQ(read_file(snapshot / "m.Q8_0.gguf"), hub_.file_content("org/m-GGUF", "m.Q8_0.gguf"));
}

TEST_F(HuggingFaceProviderTest, CatalogTrendingAndSearchFromTheHub) {
    for (int i = 0; i < 5; ++i) {
        FakeHubRepo r = FakeHubRepo::transformers("org/model-" + std::to_string(i), 1024);
        r.downloads = 1000 * (i + 1);
        r.likes = i;
        r.trending_score = 50 - i;
        hub_.add_repo(r);
    }
    FakeHubRepo gated = FakeHubRepo::gemma("google/gemma-2b-it", 1024);
    gated.gated = "manual";
    gated.downloads = 10;
    hub_.add_repo(gated);
    start();

    json catalog = daemon_->get("/api/v1/models/providers?provider=huggingface&limit=3").json();
    EXPECT_EQ(catalog["stale"], false);
    ASSERT_EQ(catalog["count"], 3);
    EXPECT_EQ(catalog["models"][0]["model_name"], "org/model-4");  // most downloaded first
    EXPECT_EQ(catalog["models"][0]["display_name"], "model-4");
    EXPECT_EQ(catalog["models"][0]["runtime"], "vllm");
    EXPECT_EQ(catalog["models"][0]["downloads"], 5000);

    json trending = daemon_->get("/api/v1/models/trending?provider=huggingface&limit=2").json();
    ASSERT_EQ(trending["count"], 2);
    EXPECT_EQ(trending["models"][0]["model_name"], "org/model-0");  // highest trendingScore

    json page2 =
        daemon_->get("/api/v1/models/search?query=model&provider=huggingface&limit=2&page=2")
            .json();
    ASSERT_EQ(page2["count"], 2) << page2.dump();
    EXPECT_EQ(page2["models"][0]["model_name"], "org/model-2");

    json gemma = daemon_->get("/api/v1/models/search?query=gemma&provider=huggingface").json();
    ASSERT_EQ(gemma["count"], 1);
    EXPECT_EQ(gemma["models"][0]["gated"], "manual");
}

TEST_F(HuggingFaceProviderTest, CatalogHasChatVlmsAndSearchOnlyServablePipelines) {
    FakeHubRepo vlm = FakeHubRepo::transformers("org/chat-vl", 1024);
    vlm.pipeline_tag = "image-text-to-text";
    vlm.tags = {"transformers", "safetensors", "image-text-to-text", "conversational"};
    vlm.downloads = 500;
    hub_.add_repo(vlm);
    FakeHubRepo diffusion = FakeHubRepo::transformers("org/model-diffusion", 1024);
    diffusion.pipeline_tag = "text-to-image";
    diffusion.tags = {"diffusers", "text-to-image"};
    diffusion.downloads = 900;
    hub_.add_repo(diffusion);
    FakeHubRepo llm = FakeHubRepo::transformers("org/model-chat", 1024);
    llm.downloads = 100;
    hub_.add_repo(llm);
    start();

    auto names = [](const json& answer) {
        std::vector<std::string> out;
        for (const auto& m : answer["models"]) out.push_back(m["model_name"]);
        return out;
    };
    json catalog = daemon_->get("/api/v1/models/providers?provider=huggingface&limit=10").json();
    EXPECT_EQ(names(catalog), (std::vector<std::string>{"org/chat-vl", "org/model-chat"}))
        << catalog.dump();
    json found = daemon_->get("/api/v1/models/search?query=model&provider=huggingface").json();
    EXPECT_EQ(names(found), std::vector<std::string>{"org/model-chat"}) << found.dump();
}

TEST_F(HuggingFaceProviderTest, TrendingFallsBackToDownloadsWhenTheHubRejectsTheSort) {
    for (int i = 0; i < 3; ++i) {
        FakeHubRepo r = FakeHubRepo::transformers("org/model-" + std::to_string(i), 1024);
        r.downloads = 1000 * (i + 1);
        r.trending_score = 50 - i;
        hub_.add_repo(r);
    }
    hub_.reject_sort("trendingScore");
    start();
    json trending = daemon_->get("/api/v1/models/trending?provider=huggingface&limit=3").json();
    EXPECT_EQ(trending["stale"], false);
    ASSERT_EQ(trending["count"], 3);
    EXPECT_EQ(trending["models"][0]["model_name"], "org/model-2");
}

}  // namespace
}  // namespace venom::testing

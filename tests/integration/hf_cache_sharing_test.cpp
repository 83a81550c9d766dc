// One Hub cache shared with Hugging Face's own tools (issue 10, point 4): a cache written the
// way huggingface_hub writes it is listed and adopted without downloading (every blob hashed
// first), and removal leaves nothing that other tools would take for an installed model, nor
// touches what they are writing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fakes/fake_hub.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "venom/http_client.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t kWeights = 3 * 1024 * 1024;
constexpr const char* kRepo = "org/tiny-chat";
constexpr const char* kFolder = "models--org--tiny-chat";

// An flock held by "another process" (another open file description: flock conflicts across
// them even inside one process), like huggingface_hub's filelock while it writes a blob.
class ForeignLock {
public:
    explicit ForeignLock(const fs::path& file) {
        fs::create_directories(file.parent_path());
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        EXPECT_GE(fd_, 0);
        EXPECT_EQ(::flock(fd_, LOCK_EX | LOCK_NB), 0);
    }
    ~ForeignLock() { release(); }
    void release() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// hf_hub_download() of huggingface_hub's file_download.py, for one file of the main revision:
// HEAD the resolve URL following only relative redirects (_httpx_follow_relative_redirects),
// take the commit from X-Repo-Commit and the blob name from X-Linked-Etag, else ETag, without
// W/ and quotes (_normalize_etag); write blobs/<etag>.incomplete under
// .locks/models--org--name/<etag>.lock and rename it; link snapshots/<commit>/<path> to the blob
// with a relative symlink (_create_symlink: os.path.relpath); write refs/main
// (_cache_commit_hash_for_specific_revision). Returns the etag.
std::string hf_hub_download(const FakeHub& hub, const fs::path& cache, const std::string& id,
                            const std::string& path) {
    net::HttpCall call;
    call.method = "HEAD";
    call.url = hub.resolve_url(id, path);
    call.follow_redirects = false;
    Result<net::HttpReply> reply = make_error(0, "none", "no request");
    for (int hop = 0; hop < 5; ++hop) {
        reply = net::perform(call);
        if (!reply) break;
        const auto location = reply->headers.find("location");
        if (reply->status >= 300 && reply->status < 400 && location != reply->headers.end() &&
            location->second.rfind("/", 0) == 0) {
            call.url = net::url_origin(call.url) + location->second;
            continue;
        }
        break;
    }
    EXPECT_TRUE(static_cast<bool>(reply));
    if (!reply) return "";
    const std::string commit = reply->headers.at("x-repo-commit");
    std::string etag = reply->headers.count("x-linked-etag") ? reply->headers.at("x-linked-etag")
                                                             : reply->headers.at("etag");
    if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
    etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());

    const fs::path repo =
        cache / ("models--" + id.substr(0, id.find('/')) + "--" + id.substr(id.find('/') + 1));
    const fs::path blob = repo / "blobs" / etag;
    const fs::path pointer = repo / "snapshots" / commit / path;
    {
        ForeignLock lock(cache / ".locks" / repo.filename() / (etag + ".lock"));
        write_file(fs::path(blob.string() + ".incomplete"), hub.file_content(id, path));
        fs::rename(fs::path(blob.string() + ".incomplete"), blob);
    }
    fs::create_directories(pointer.parent_path());
    fs::create_symlink(blob.lexically_relative(pointer.parent_path()), pointer);
    write_file(repo / "refs" / "main", commit);
    return etag;
}

const std::vector<std::string> kFiles = {"config.json",
                                         "generation_config.json",
                                         "tokenizer.json",
                                         "tokenizer_config.json",
                                         "special_tokens_map.json",
                                         "model.safetensors",
                                         "README.md"};

class HfCacheSharingTest : public ::testing::Test {
protected:
    void SetUp() override { hub_.add_repo(FakeHubRepo::transformers(kRepo, kWeights)); }

    // A restart keeps the data directory, so the manifest and the cache scan at start meet.
    void start() {
        daemon_.reset();
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        daemon_ = std::make_unique<TestDaemon>(
            [this](Config& c) {
                c.hf_endpoint = hub_.base_url();
                c.hf_hub_cache = hub_root();  // as HF_HUB_CACHE would
                c.download_backoff_ms = 10;
            },
            std::move(ports), data_.path());
        daemon_->start();
    }
    // What `hf download org/tiny-chat` leaves in the cache.
    void hf_download_everything() {
        for (const auto& f : kFiles) etags_[f] = hf_hub_download(hub_, hub_root(), kRepo, f);
        hub_.reset_counters();
    }
    std::string install() {
        auto r = daemon_->post("/api/v1/models/registry/install",
                               json{{"name", kRepo}, {"provider", "huggingface"}}.dump());
        EXPECT_EQ(r.status, 202) << r.body;
        return r.status == 202 ? r.json()["operation_id"].get<std::string>() : "";
    }
    json finished(const std::string& id) { return daemon_->wait_finished(id, 20s); }
    json listed(const std::string& name) {
        json found = nullptr;
        const json body = daemon_->get("/api/v1/models").json();
        for (const auto& m : body["models"]) {
            if (m["name"] == name) {
                EXPECT_TRUE(found.is_null()) << "listed twice: " << name;
                found = m;
            }
        }
        return found;
    }
    fs::path hub_root() const { return cache_.path() / "hub"; }
    fs::path repo() const { return hub_root() / kFolder; }
    fs::path snapshot() const { return repo() / "snapshots" / hub_.commit(kRepo); }

    FakeHub hub_;
    TempDir data_;
    TempDir cache_;
    std::map<std::string, std::string> etags_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(HfCacheSharingTest, ACacheHuggingFaceHubWroteIsListedThenAdoptedByHashingOnly) {
    hf_download_everything();
    EXPECT_EQ(etags_["model.safetensors"], hub_.file_sha256(kRepo, "model.safetensors"));
    EXPECT_EQ(etags_["config.json"], hub_.file_etag(kRepo, "config.json"));  // git sha1
    start();

    // Listed as present before venomd installed anything, with capabilities from its files.
    json entry = listed(kRepo);
    ASSERT_FALSE(entry.is_null()) << daemon_->get("/api/v1/models").body;
    EXPECT_EQ(entry["provider"], "huggingface");
    EXPECT_EQ(entry["status"], "installed");
    EXPECT_EQ(entry["verified"], false);
    EXPECT_GT(entry["size_gb"].get<double>(), 0.0);
    json caps = daemon_->get("/api/v1/models/org%2Ftiny-chat/capabilities").json();
    EXPECT_EQ(caps["capabilities"]["max_context_length"], 8192) << caps.dump();

    // The install adopts: it hashes every blob, and the message says so while it does.
    ForeignLock held(hub_root() / ".locks" / kFolder / (etags_["model.safetensors"] + ".lock"));
    const std::string op = install();
    std::string seen;
    EXPECT_TRUE(eventually([&] {
        seen = daemon_->operation(op).value("message", "");
        return seen.find("hashing model.safetensors") != std::string::npos;
    })) << seen;
    held.release();
    json done = finished(op);
    ASSERT_EQ(done["status"], "completed") << done.dump();
    for (const auto& f : kFiles) EXPECT_EQ(hub_.bytes_served(kRepo, f), 0u) << f;

    // The blobs stay the ones HF wrote; the model is now a manifest entry, listed once.
    EXPECT_EQ(fs::read_symlink(snapshot() / "model.safetensors"),
              fs::path("../../blobs") / etags_["model.safetensors"]);
    EXPECT_EQ(read_file(repo() / "refs" / "main"), hub_.commit(kRepo));
    entry = listed(kRepo);
    ASSERT_FALSE(entry.is_null());
    EXPECT_EQ(entry["source"], "manifest");
    EXPECT_FALSE(entry.contains("verified"));
}

TEST_F(HfCacheSharingTest, OnlySnapshotsWithWeightsAreListedAndAnInstallIsNotListedTwice) {
    // What a removal by an older tool, or `hf download org/x config.json`, leaves: no model.
    hf_hub_download(hub_, hub_root(), kRepo, "config.json");
    hub_.add_repo(FakeHubRepo::gguf("org/m-GGUF", {"Q4_K_M", "Q8_0"}));
    start();
    EXPECT_TRUE(listed(kRepo).is_null());

    // Installed as org/m-GGUF:Q4_K_M, its snapshot is also the repo org/m-GGUF of the cache:
    // one row, the manifest's, also after a restart (which scans the cache before serving).
    auto r = daemon_->post("/api/v1/models/registry/install",
                           json{{"name", "org/m-GGUF:Q4_K_M"}, {"provider", "huggingface"}}.dump());
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(finished(r.json()["operation_id"])["status"], "completed");
    start();
    const json body = daemon_->get("/api/v1/models").json();
    std::vector<std::string> names;
    for (const auto& m : body["models"]) names.push_back(m["name"]);
    EXPECT_EQ(names, std::vector<std::string>{"org/m-GGUF:Q4_K_M"}) << body.dump();
}

TEST_F(HfCacheSharingTest, ACorruptedBlobInTheCacheIsDownloadedAgainNotAdopted) {
    hf_download_everything();
    const fs::path weights = repo() / "blobs" / etags_["model.safetensors"];
    std::string bytes = read_file(weights);
    bytes[bytes.size() / 2] ^= 0x5a;  // same size, other content: a bit flip on disk
    fs::remove(weights);
    write_file(weights, bytes);
    start();

    json done = finished(install());
    ASSERT_EQ(done["status"], "completed") << done.dump();
    EXPECT_EQ(hub_.bytes_served(kRepo, "model.safetensors"), kWeights);
    EXPECT_EQ(hub_.bytes_served(kRepo, "config.json"), 0u);
    EXPECT_EQ(read_file(snapshot() / "model.safetensors"),
              hub_.file_content(kRepo, "model.safetensors"));
}

TEST_F(HfCacheSharingTest, RemovalLeavesNoHollowSnapshotAndSparesWhatOthersUseOrWrite) {
    // Another tool's older revision shares the config blob and has refs/pr/1; another process
    // is writing a blob (.incomplete, lock held) and holds the lock of an orphan blob.
    const std::string old_commit(40, 'a');
    const fs::path old_snapshot = repo() / "snapshots" / old_commit;
    hf_download_everything();
    fs::create_directories(old_snapshot);
    fs::create_symlink(fs::path("../../blobs") / etags_["config.json"],
                       old_snapshot / "config.json");
    const std::string other_weights = FakeHub::sha256_hex("old weights");
    write_file(repo() / "blobs" / other_weights, "old weights");
    fs::create_symlink(fs::path("../../blobs") / other_weights, old_snapshot / "model.safetensors");
    write_file(repo() / "refs" / "pr" / "1", old_commit);
    const std::string writing = FakeHub::sha256_hex("in flight");
    write_file(repo() / "blobs" / (writing + ".incomplete"), "in fl");
    ForeignLock writer(hub_root() / ".locks" / kFolder / (writing + ".lock"));
    start();
    ASSERT_EQ(finished(install())["status"], "completed");
    // The orphan: unlinked once venomd's snapshot goes, but its lock is held by someone.
    const std::string busy = etags_["tokenizer.json"];
    ForeignLock busy_lock(hub_root() / ".locks" / kFolder / (busy + ".lock"));

    auto r = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(finished(r.json()["operation_id"])["status"], "completed");

    // No snapshot without weights (README.md was HF's, still linked), no ref to it.
    EXPECT_FALSE(fs::exists(snapshot()));
    EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
    EXPECT_EQ(read_file(repo() / "refs" / "pr" / "1"), old_commit);
    // Blobs: the shared one and the older revision's stay; venomd's own go, unless locked.
    EXPECT_TRUE(fs::exists(old_snapshot / "config.json"));
    EXPECT_TRUE(fs::exists(old_snapshot / "model.safetensors"));
    EXPECT_FALSE(fs::exists(repo() / "blobs" / etags_["model.safetensors"]));
    EXPECT_FALSE(fs::exists(repo() / "blobs" / etags_["README.md"]));
    EXPECT_TRUE(fs::exists(repo() / "blobs" / busy));
    // What another process is writing is not touched, nor its lock.
    EXPECT_EQ(read_file(repo() / "blobs" / (writing + ".incomplete")), "in fl");
    EXPECT_TRUE(fs::exists(hub_root() / ".locks" / kFolder / (writing + ".lock")));
    // refs/main is gone: nothing for other tools (or GET /models) to take for installed.
    EXPECT_TRUE(eventually([&] { return listed(kRepo).is_null(); }));
}

// An entry from before the manifest listed files owned its snapshot, not the repo folder that
// other tools share.
TEST_F(HfCacheSharingTest, RemovingAnEntryWithoutAFileListSparesOtherRevisions) {
    hf_download_everything();
    const std::string old_commit(40, 'b');
    const fs::path old_snapshot = repo() / "snapshots" / old_commit;
    fs::create_directories(old_snapshot);
    fs::create_symlink(fs::path("../../blobs") / etags_["model.safetensors"],
                       old_snapshot / "model.safetensors");
    write_file(repo() / "refs" / "v1", old_commit);
    const std::string writing = FakeHub::sha256_hex("in flight");
    write_file(repo() / "blobs" / (writing + ".incomplete"), "in fl");
    const json legacy = {{"name", kRepo},
                         {"provider", "huggingface"},
                         {"display_name", "tiny-chat"},
                         {"status", "installed"},
                         {"runtime", "vllm"},
                         {"local_path", fs::absolute(snapshot()).string()}};
    write_file(data_.path() / "models" / "manifest.json",
               json{{"models", json::array({legacy})}}.dump());
    start();

    auto r = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(finished(r.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(fs::exists(snapshot()));
    EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
    EXPECT_FALSE(fs::exists(repo() / "blobs" / etags_["config.json"]));
    EXPECT_EQ(read_file(old_snapshot / "model.safetensors"),
              hub_.file_content(kRepo, "model.safetensors"));
    EXPECT_EQ(read_file(repo() / "refs" / "v1"), old_commit);
    EXPECT_EQ(read_file(repo() / "blobs" / (writing + ".incomplete")), "in fl");
}

TEST_F(HfCacheSharingTest, RemovalOfTheLastSnapshotKeepsAnotherProcesssIncompleteFile) {
    start();
    ASSERT_EQ(finished(install())["status"], "completed");
    const std::string writing = FakeHub::sha256_hex("in flight");
    write_file(repo() / "blobs" / (writing + ".incomplete"), "in fl");
    ForeignLock writer(hub_root() / ".locks" / kFolder / (writing + ".lock"));

    auto r = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(finished(r.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(fs::exists(snapshot()));
    EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
    EXPECT_EQ(read_file(repo() / "blobs" / (writing + ".incomplete")), "in fl");
    std::size_t blobs = 0;
    for (const auto& e : fs::directory_iterator(repo() / "blobs")) blobs += e.exists() ? 1 : 0;
    EXPECT_EQ(blobs, 1u);  // only the .incomplete file
    EXPECT_TRUE(eventually([&] { return listed(kRepo).is_null(); }));
}

// Files another tool put in the cache are read, never trusted: odd shapes cost the defaults,
// not the daemon (it scans the cache at start and every 30 s).
TEST_F(HfCacheSharingTest, ARepoWithOddFilesIsListedAndNeverStopsTheDaemon) {
    hf_download_everything();
    for (const char* name : {"tokenizer_config.json", "config.json"}) fs::remove(snapshot() / name);
    write_file(snapshot() / "tokenizer_config.json",
               R"({"chat_template": ["x", {"name": null, "template": 7}]})");
    write_file(snapshot() / "config.json",
               R"({"quantization_config": {"quant_method": null, "bits": 1e300}})");
    start();
    json found = listed(kRepo);
    ASSERT_FALSE(found.is_null());
    EXPECT_EQ(found["verified"], false);
    auto caps = daemon_->get("/api/v1/models/org%2Ftiny-chat/capabilities");
    EXPECT_EQ(caps.status, 200) << caps.body;
}

// Whose a partial download is cannot be told in a shared cache, and hf download resumes it.
TEST_F(HfCacheSharingTest, AnotherToolsOldPartialDownloadIsKept) {
    hf_download_everything();
    const fs::path partial = repo() / "blobs" / (FakeHub::sha256_hex("half") + ".incomplete");
    write_file(partial, "half");
    fs::last_write_time(partial, fs::file_time_type::clock::now() - std::chrono::hours(24 * 30));
    start();
    EXPECT_EQ(read_file(partial), "half");
}

TEST_F(HfCacheSharingTest, DeletingARepoFoundInTheCacheRemovesItsSnapshot) {
    hf_download_everything();
    start();
    ASSERT_FALSE(listed(kRepo).is_null());
    auto r = daemon_->del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(finished(r.json()["operation_id"])["status"], "completed");
    EXPECT_FALSE(fs::exists(snapshot()));
    EXPECT_FALSE(fs::exists(repo() / "refs" / "main"));
    EXPECT_FALSE(fs::exists(repo() / "blobs" / etags_["model.safetensors"]));
    EXPECT_TRUE(eventually([&] { return listed(kRepo).is_null(); }));
}

}  // namespace
}  // namespace venom::testing

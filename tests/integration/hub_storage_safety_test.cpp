// What a lying Hub, a full disk or a kill -9 must not do to the data dir and what is next to it
// (issue 9, findings 2, 3, 4, 10, 11 and 15): ids that name paths outside the cache, a blob id
// that names a local file, listings that grow after the quota check, leftovers of failed
// installs, manifest entries whose files are gone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "fakes/fake_hub.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/files.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// Every path under `dir` (not following links) with its content or link target.
std::map<std::string, std::string> tree(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string rel = fs::relative(it->path(), dir).string();
        std::error_code e;
        if (it->is_symlink(e)) {
            out[rel] = "-> " + fs::read_symlink(it->path(), e).string();
        } else if (it->is_regular_file(e)) {
            out[rel] = read_file(it->path());
        } else {
            out[rel] = "<dir>";
        }
    }
    return out;
}

uint64_t bytes_under(const fs::path& dir) {
    uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (it->is_regular_file(e) && !it->is_symlink(e)) total += it->file_size(e);
    }
    return total;
}

// "../" repeated until `prefix` + name reaches `length`: a path from blobs/ or snapshots/ that
// climbs to the directory holding the data dir, then into sentinel/.
std::string climbing(std::size_t length) {
    // data/models/huggingface/hub/models--org--name/{blobs,snapshots}: six levels up is the
    // directory holding data/.
    std::string id = "../../../../../../sentinel/";
    while (id.size() < length) id += 'a';
    return id;
}

class HubStorageSafetyTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(data_);
        fs::create_directories(sentinel_);
        std::ofstream(sentinel_ / "secret.txt") << R"({"chat_template": "TOP-SECRET {{ x }}"})";
        before_ = tree(sentinel_);
    }

    void start(std::function<void(Config&)> extra = {}) {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        daemon_ = std::make_unique<TestDaemon>(
            [this, extra](Config& c) {
                c.hf_endpoint = hub_.base_url();
                c.download_backoff_ms = 10;
                c.download_attempts = 2;
                c.pull_stall_timeout_seconds = 2;
                c.usage_interval_seconds = 1;
                if (extra) extra(c);
            },
            std::move(ports), data_);
        daemon_->start();
    }
    void restart(std::function<void(Config&)> extra = {}) {
        daemon_.reset();
        start(std::move(extra));
    }

    HttpResult post_install(const std::string& name) {
        return daemon_->post("/api/v1/models/registry/install",
                             json{{"name", name}, {"provider", "huggingface"}}.dump());
    }
    // The install fails, at once (the Hub's answer is refused before an operation starts) or as
    // a failed operation; either way the error names `field`.
    void expect_install_fails_naming(const std::string& name, const std::string& field) {
        auto r = post_install(name);
        std::string error;
        if (r.status == 202) {
            json op = daemon_->wait_finished(r.json()["operation_id"], 30s);
            EXPECT_EQ(op["status"], "failed") << op.dump();
            error = op.dump();
        } else {
            EXPECT_EQ(r.status, 502) << r.body;
            EXPECT_EQ(r.json()["code"], "upstream_error") << r.body;
            error = r.body;
        }
        EXPECT_NE(error.find(field), std::string::npos) << error;
    }
    // Nothing outside the data dir was created, changed or deleted.
    void expect_nothing_outside() {
        EXPECT_EQ(tree(sentinel_), before_);
        std::set<std::string> top;
        for (const auto& entry : fs::directory_iterator(dir_.path())) {
            top.insert(entry.path().filename().string());
        }
        EXPECT_EQ(top, (std::set<std::string>{"data", "sentinel"}));
    }
    fs::path hub_dir() { return data_ / "models" / "huggingface" / "hub"; }
    fs::path repo_dir(const std::string& folder) { return hub_dir() / folder; }

    TempDir dir_;
    fs::path data_ = dir_ / "data";
    fs::path sentinel_ = dir_ / "sentinel";
    std::map<std::string, std::string> before_;
    FakeHub hub_;
    std::unique_ptr<TestDaemon> daemon_;
};

// Finding 2: a commit id of "../" makes snapshots/<sha> a directory outside the data dir.
TEST_F(HubStorageSafetyTest, ACommitIdThatClimbsOutOfTheCacheFailsTheInstall) {
    auto repo = FakeHubRepo::transformers("org/evil-sha", 64 * 1024);
    repo.sha = climbing(40);
    ASSERT_EQ(repo.sha.size(), 40u);
    hub_.add_repo(repo);
    // Every blob is already in the cache (an earlier install, or HF's tools), so nothing needs
    // downloading (curl would squash the "../" of a resolve URL) and the install goes straight
    // to linking snapshots/<sha>.
    const fs::path blobs = repo_dir("models--org--evil-sha") / "blobs";
    fs::create_directories(blobs);
    for (const auto& file : repo.files) {
        std::ofstream(blobs / hub_.file_etag("org/evil-sha", file.path), std::ios::binary)
            << file.content;
    }
    start();
    expect_install_fails_naming("org/evil-sha", "sha");
    expect_nothing_outside();
    EXPECT_FALSE(
        fs::exists(sentinel_ / repo.sha.substr(std::string("../../../../../../sentinel/").size())));
}

// Finding 3: a blobId naming a local file with its size made venomd adopt that file, and the
// unauthenticated capabilities route served it.
TEST_F(HubStorageSafetyTest, ABlobIdNamingALocalFileIsNeitherAdoptedNorServed) {
    hub_.add_repo(FakeHubRepo::transformers("org/evil-blob", 64 * 1024));
    const auto secret_size = fs::file_size(sentinel_ / "secret.txt");
    hub_.set_listing_patch("org/evil-blob", [secret_size](nlohmann::ordered_json& info, int) {
        for (auto& sibling : info["siblings"]) {
            if (sibling["rfilename"] == "tokenizer_config.json") {
                sibling["blobId"] = "../../../../../../sentinel/secret.txt";
                sibling["size"] = secret_size;
            }
        }
    });
    start();
    expect_install_fails_naming("org/evil-blob", "blobId");
    auto caps = daemon_->get("/api/v1/models/org%2Fevil-blob/capabilities");
    EXPECT_EQ(caps.body.find("TOP-SECRET"), std::string::npos) << caps.body;
    EXPECT_EQ(caps.status, 404) << caps.body;
    expect_nothing_outside();
}

// Finding 4: an LFS sha256 with "../" and a transfer that is cut wrote the partial file
// outside the data dir.
TEST_F(HubStorageSafetyTest, AnLfsHashThatClimbsOutWritesNoPartialFileOutside) {
    hub_.add_repo(FakeHubRepo::transformers("org/evil-lfs", 256 * 1024));
    hub_.set_fault("org/evil-lfs", "model.safetensors", FakeHubFault::truncated().sticky());
    hub_.set_listing_patch("org/evil-lfs", [](nlohmann::ordered_json& info, int) {
        for (auto& sibling : info["siblings"]) {
            if (sibling["rfilename"] == "model.safetensors") {
                sibling["lfs"]["sha256"] = climbing(64);
            }
        }
    });
    start();
    expect_install_fails_naming("org/evil-lfs", "sha256");
    expect_nothing_outside();
}

// Finding 2: a file name with ".." is refused before it becomes a snapshot link.
TEST_F(HubStorageSafetyTest, AFileNameThatClimbsOutFailsTheInstall) {
    hub_.add_repo(FakeHubRepo::transformers("org/evil-name", 64 * 1024));
    hub_.set_listing_patch("org/evil-name", [](nlohmann::ordered_json& info, int) {
        for (auto& sibling : info["siblings"]) {
            if (sibling["rfilename"] == "config.json") {
                sibling["rfilename"] = "../../../../../../../sentinel/config.json";
            }
        }
    });
    start();
    expect_install_fails_naming("org/evil-name", "rfilename");
    expect_nothing_outside();
}

// Finding 3: a blob already in the cache with the right size but other bytes is fetched again.
TEST_F(HubStorageSafetyTest, AnExistingBlobIsHashedBeforeItIsTrusted) {
    hub_.add_repo(FakeHubRepo::transformers("org/tampered", 64 * 1024));
    const std::string etag = hub_.file_etag("org/tampered", "config.json");
    const std::string real = hub_.file_content("org/tampered", "config.json");
    const fs::path blob = repo_dir("models--org--tampered") / "blobs" / etag;
    fs::create_directories(blob.parent_path());
    std::ofstream(blob) << std::string(real.size(), 'x');
    start();
    auto r = post_install("org/tampered");
    ASSERT_EQ(r.status, 202) << r.body;
    json op = daemon_->wait_finished(r.json()["operation_id"], 30s);
    ASSERT_EQ(op["status"], "completed") << op.dump();
    EXPECT_EQ(read_file(blob), real);
}

// Finding 10: the Hub lists 64 KB when the quota is checked and more at install time.
TEST_F(HubStorageSafetyTest, AListingThatGrowsAfterTheQuotaCheckIsNotDownloaded) {
    constexpr std::size_t kReal = 3 * 1024 * 1024;
    hub_.add_repo(FakeHubRepo::transformers("org/grows", kReal));
    hub_.set_listing_patch("org/grows", [](nlohmann::ordered_json& info, int answer) {
        if (answer > 1) return;  // the first listing lies small, later ones tell the truth
        for (auto& sibling : info["siblings"]) {
            if (sibling["rfilename"] == "model.safetensors") {
                sibling["size"] = 64 * 1024;
                sibling["lfs"]["size"] = 64 * 1024;
            }
        }
    });
    const double quota_gb = 1.0 / 1024;  // 1 MiB
    start([&](Config& c) { c.max_storage_gb = quota_gb; });
    auto r = post_install("org/grows");
    if (r.status == 202) {
        json op = daemon_->wait_finished(r.json()["operation_id"], 30s);
        EXPECT_EQ(op["status"], "failed") << op.dump();
    } else {
        EXPECT_EQ(r.status, 507) << r.body;
    }
    EXPECT_LE(bytes_under(data_ / "models"), static_cast<uint64_t>(quota_gb * 1024 * 1024 * 1024));
}

// Finding 10: two installs that fit one at a time but not together.
TEST_F(HubStorageSafetyTest, ASecondInstallCountsWhatTheFirstHasReserved) {
    constexpr std::size_t kWeights = 600 * 1024;
    hub_.add_repo(FakeHubRepo::transformers("org/first", kWeights));
    hub_.add_repo(FakeHubRepo::transformers("org/second", kWeights));
    hub_.set_fault("org/first", "model.safetensors", FakeHubFault::slow(16 * 1024, 20ms).sticky());
    start([](Config& c) { c.max_storage_gb = 1.0 / 1024; });
    auto first = post_install("org/first");
    ASSERT_EQ(first.status, 202) << first.body;
    const std::string id = first.json()["operation_id"];
    auto second = post_install("org/second");
    EXPECT_EQ(second.status, 507) << second.body;
    EXPECT_EQ(second.json().value("code", ""), "storage_quota_exceeded") << second.body;
    json op = daemon_->wait_finished(id, 60s);
    EXPECT_EQ(op["status"], "completed") << op.dump();
}

// Finding 10: a finished install counts at once, not at the next background sample.
TEST_F(HubStorageSafetyTest, AFinishedInstallCountsForTheNextOneAtOnce) {
    constexpr std::size_t kWeights = 600 * 1024;
    hub_.add_repo(FakeHubRepo::transformers("org/done", kWeights));
    hub_.add_repo(FakeHubRepo::transformers("org/next", kWeights));
    start([](Config& c) {
        c.max_storage_gb = 1.0 / 1024;
        c.usage_interval_seconds = 3600;  // no background sample during the test
    });
    auto first = post_install("org/done");
    ASSERT_EQ(first.status, 202) << first.body;
    ASSERT_EQ(daemon_->wait_finished(first.json()["operation_id"], 30s)["status"], "completed");
    auto second = post_install("org/next");
    EXPECT_EQ(second.status, 507) << second.body;
}

// Finding 11: a failure that will not pass by retrying leaves nothing of the install.
TEST_F(HubStorageSafetyTest, AFailedInstallLeavesNoBlobsBehind) {
    hub_.add_repo(FakeHubRepo::transformers("org/gone", 256 * 1024));
    hub_.set_fault("org/gone", "model.safetensors",
                   FakeHubFault::status(404, FakeHubFault::always).at_content());
    start();
    auto r = post_install("org/gone");
    ASSERT_EQ(r.status, 202) << r.body;
    json op = daemon_->wait_finished(r.json()["operation_id"], 30s);
    ASSERT_EQ(op["status"], "failed") << op.dump();
    EXPECT_FALSE(fs::exists(repo_dir("models--org--gone"))) << json(tree(hub_dir())).dump();
}

// Finding 11: partial files kept for a resume can be deleted with DELETE, which used to say 404.
TEST_F(HubStorageSafetyTest, DeleteCleansWhatAFailedInstallKeptForAResume) {
    hub_.add_repo(FakeHubRepo::transformers("org/cut", 256 * 1024));
    hub_.set_fault("org/cut", "model.safetensors", FakeHubFault::truncated().sticky());
    start();
    auto r = post_install("org/cut");
    ASSERT_EQ(r.status, 202) << r.body;
    json op = daemon_->wait_finished(r.json()["operation_id"], 30s);
    ASSERT_EQ(op["status"], "failed") << op.dump();
    const fs::path partial = repo_dir("models--org--cut") / "blobs" /
                             (hub_.file_etag("org/cut", "model.safetensors") + ".incomplete");
    EXPECT_TRUE(fs::exists(partial)) << "a network failure keeps the partial file for a resume";

    auto removal = daemon_->del("/api/v1/models/registry/org%2Fcut");
    ASSERT_EQ(removal.status, 202) << removal.body;
    json done = daemon_->wait_finished(removal.json()["operation_id"], 30s);
    EXPECT_EQ(done["status"], "completed") << done.dump();
    EXPECT_FALSE(fs::exists(repo_dir("models--org--cut"))) << json(tree(hub_dir())).dump();
    EXPECT_EQ(daemon_->del("/api/v1/models/registry/org%2Fcut").status, 404);
}

// Finding 11: at start, partial files past their age go, unless someone holds their lock
// (Hugging Face's own tools share the cache and take the same lock while they write).
TEST_F(HubStorageSafetyTest, StartCollectsOldPartialsButNotOnesBeingWritten) {
    const fs::path blobs = repo_dir("models--org--old") / "blobs";
    fs::create_directories(blobs);
    const std::string mine(64, 'a'), theirs(64, 'b');
    std::ofstream(blobs / (mine + ".incomplete")) << "abandoned";
    std::ofstream(blobs / (theirs + ".incomplete")) << "being written";
    const fs::path lock = hub_dir() / ".locks" / "models--org--old" / (theirs + ".lock");
    fs::create_directories(lock.parent_path());
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    start([](Config& c) { c.partial_max_age_hours = 0; });
    EXPECT_FALSE(fs::exists(blobs / (mine + ".incomplete")));
    EXPECT_TRUE(fs::exists(blobs / (theirs + ".incomplete")));
    ::close(fd);
}

// Finding 15: kill -9 between "files removed" and "manifest written".
TEST_F(HubStorageSafetyTest, AnEntryWhoseFilesAreGoneIsShownBrokenAndCanBeReinstalled) {
    hub_.add_repo(FakeHubRepo::transformers("org/lost", 64 * 1024));
    start();
    auto r = post_install("org/lost");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(daemon_->wait_finished(r.json()["operation_id"], 30s)["status"], "completed");
    daemon_.reset();
    fs::remove_all(repo_dir("models--org--lost"));  // what the removal did before the kill

    start();
    json health = daemon_->get("/api/v1/health").json();
    ASSERT_TRUE(health.contains("warnings")) << health.dump();
    EXPECT_NE(health["warnings"].dump().find("org/lost"), std::string::npos) << health.dump();
    json models = daemon_->get("/api/v1/models").json();
    bool seen = false;
    for (const auto& m : models["models"]) {
        if (m["name"] != "org/lost") continue;
        seen = true;
        EXPECT_EQ(m["status"], "broken") << m.dump();
        EXPECT_EQ(m.value("files_missing", false), true) << m.dump();
    }
    EXPECT_TRUE(seen) << models.dump();
    EXPECT_EQ(
        daemon_->get("/api/v1/models/org%2Flost/capabilities").json().value("files_missing", false),
        true);

    auto again = post_install("org/lost");
    ASSERT_EQ(again.status, 202) << again.body;
    ASSERT_EQ(daemon_->wait_finished(again.json()["operation_id"], 30s)["status"], "completed");
    health = daemon_->get("/api/v1/health").json();
    EXPECT_FALSE(health.contains("warnings")) << health.dump();
    const json after = daemon_->get("/api/v1/models").json();
    for (const auto& m : after["models"]) {
        if (m["name"] == "org/lost") {
            EXPECT_EQ(m["status"], "installed") << m.dump();
        }
    }
}

}  // namespace
}  // namespace venom::testing

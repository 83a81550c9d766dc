// The cache venomd writes is the one Hugging Face's own tools read: the real @huggingface/hub
// npm package's scanCacheDir() (huggingface.js packages/hub/src/lib/cache-management.ts, the
// port of huggingface_hub's scan_cache_dir) finds the repo, its revision, refs, files and
// sizes, and after a removal neither the repo nor a dangling ref.
//
// Needs node and npm (scripts/install-deps.sh installs them): skipped without them, except in
// CI (CI=true), where a missing tool fails the test so it cannot go quietly unrun.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "fakes/fake_hub.hpp"
#include "integration/daemon_harness.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// The version the assertions were written against (ESM: import { scanCacheDir }).
constexpr const char* kPackage = "@huggingface/hub@2.17.5";

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

// For the shell; the paths are the test's own temp and build folders (no quote in them).
std::string quoted(const fs::path& p) {
    std::string out = "'";
    out += p.string();
    out += '\'';
    return out;
}

// Prints what scanCacheDir() found, with paths and Dates reduced to what the test compares.
constexpr const char* kScript = R"(import { scanCacheDir } from "@huggingface/hub";
const info = await scanCacheDir(process.argv[2]);
console.log(JSON.stringify({
  size: info.size,
  warnings: info.warnings.map((w) => String(w.message ?? w)),
  repos: info.repos.map((r) => ({
    id: r.id, size: r.size, filesCount: r.filesCount,
    revisions: r.revisions.map((v) => ({
      commitOid: v.commitOid, refs: v.refs, size: v.size,
      files: v.files.map((f) => ({ path: f.path, blob: f.blob.path, size: f.blob.size })),
    })),
  })),
}));
)";

class HfCacheNpmScanTest : public ::testing::Test {
protected:
    // Installs the package once per build directory; "" when it is there, else why not.
    static std::string install_package(const fs::path& dir) {
        if (std::system("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1") != 0) {
            return "node and npm are not installed (apt-get install nodejs npm, or run "
                   "scripts/install-deps.sh)";
        }
        fs::create_directories(dir);
        if (!fs::exists(dir / "node_modules" / "@huggingface" / "hub" / "package.json")) {
            const std::string cmd = "cd " + quoted(dir) + " && npm install --no-audit --no-fund " +
                                    "--loglevel=error " + kPackage + " >npm.log 2>&1";
            if (std::system(cmd.c_str()) != 0) {
                return "npm install " + std::string(kPackage) +
                       " failed: " + read_file(dir / "npm.log");
            }
        }
        std::ofstream(dir / "scan.mjs") << kScript;
        return "";
    }

    json scan(const fs::path& dir, const fs::path& cache) {
        const std::string cmd = "node " + quoted(dir / "scan.mjs") + " " + quoted(cache) + " >" +
                                quoted(out_ / "scan.json") + " 2>" + quoted(out_ / "scan.err");
        EXPECT_EQ(std::system(cmd.c_str()), 0) << read_file(out_ / "scan.err");
        try {
            return json::parse(read_file(out_ / "scan.json"));
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what() << ": " << read_file(out_ / "scan.err");
            return json::object();
        }
    }

    TempDir out_;
};

TEST_F(HfCacheNpmScanTest, HuggingFaceJsScanCacheDirReadsWhatVenomdInstalled) {
    const fs::path npm_dir = VENOM_NPM_DIR;
    if (const std::string missing = install_package(npm_dir); !missing.empty()) {
        if (in_ci()) FAIL() << "CI must run this test: " << missing;
        GTEST_SKIP() << "@huggingface/hub cache-scanner check skipped: " << missing;
    }

    FakeHub hub;
    const std::string id = "org/tiny-chat";
    hub.add_repo(FakeHubRepo::transformers(id, 1024 * 1024));
    TempDir cache;
    TestDaemon daemon([&](Config& c) {
        c.hf_endpoint = hub.base_url();
        c.hf_hub_cache = cache.path();
    });
    daemon.start();
    auto r = daemon.post("/api/v1/models/registry/install",
                         json{{"name", id}, {"provider", "huggingface"}}.dump());
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(daemon.wait_finished(r.json()["operation_id"], 20s)["status"], "completed");
    const json entry = [&] {
        const json listed = daemon.get("/api/v1/models").json();
        for (const auto& m : listed["models"]) {
            if (m["name"] == id) return m;
        }
        return json();
    }();
    ASSERT_FALSE(entry.is_null());

    const json info = scan(npm_dir, cache.path());
    EXPECT_EQ(info["warnings"], json::array()) << info.dump();
    ASSERT_EQ(info["repos"].size(), 1u) << info.dump();
    const json& repo = info["repos"][0];
    EXPECT_EQ(repo["id"]["name"], id);
    EXPECT_EQ(repo["id"]["type"], "model");
    ASSERT_EQ(repo["revisions"].size(), 1u);
    const json& revision = repo["revisions"][0];
    EXPECT_EQ(revision["commitOid"], hub.commit(id));
    EXPECT_EQ(revision["refs"], json::array({"main"}));

    const fs::path blobs = fs::canonical(cache.path()) / "models--org--tiny-chat" / "blobs";
    std::set<std::string> files;
    uint64_t total = 0;
    for (const auto& f : revision["files"]) {
        const std::string name = fs::path(f["path"].get<std::string>()).filename().string();
        files.insert(name);
        EXPECT_EQ(f["size"], hub.file_content(id, name).size()) << name;
        EXPECT_EQ(f["blob"], (blobs / hub.file_etag(id, name)).string()) << name;
        total += f["size"].get<uint64_t>();
    }
    const std::set<std::string> expected = {"config.json",       "generation_config.json",
                                            "model.safetensors", "special_tokens_map.json",
                                            "tokenizer.json",    "tokenizer_config.json"};
    EXPECT_EQ(files, expected);
    EXPECT_EQ(revision["size"], total);
    EXPECT_EQ(repo["size"], total);  // one blob per file
    EXPECT_EQ(info["size"], total);

    auto removed = daemon.del("/api/v1/models/registry/org%2Ftiny-chat");
    ASSERT_EQ(removed.status, 202) << removed.body;
    ASSERT_EQ(daemon.wait_finished(removed.json()["operation_id"], 20s)["status"], "completed");
    const json after = scan(npm_dir, cache.path());
    EXPECT_EQ(after["warnings"], json::array()) << after.dump();  // no ref to a lost commit
    EXPECT_EQ(after["repos"], json::array()) << after.dump();
}

}  // namespace
}  // namespace venom::testing

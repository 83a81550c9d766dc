// A disk that fills up during an install (issue 9, finding 11): on a 20 MB tmpfs as the data
// dir, the install fails cleanly, the space it used comes back, and DELETE works. Needs root to
// mount (CI runs as root); skipped otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>

#include "fakes/fake_hub.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"

namespace venom::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

uint64_t free_bytes(const fs::path& dir) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return 0;
    return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

class EnospcTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs (CI runs as root)";
        fs::create_directories(data_);
        if (::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=20m") != 0) {
            GTEST_SKIP() << "cannot mount a tmpfs on " << data_ << ": " << std::strerror(errno);
        }
        mounted_ = true;
    }
    void TearDown() override {
        daemon_.reset();
        if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
    }

    TempDir dir_;
    fs::path data_ = dir_ / "data";
    bool mounted_ = false;
    FakeHub hub_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(EnospcTest, ADiskFullInstallFailsCleanlyAndItsSpaceComesBack) {
    hub_.add_repo(FakeHubRepo::transformers("org/too-big", 12 * 1024 * 1024));
    // Slow enough that the disk can be filled while the weights stream.
    hub_.set_fault("org/too-big", "model.safetensors",
                   FakeHubFault::slow(128 * 1024, 10ms).sticky());
    Daemon::Ports ports;
    ports.gpu_probe = [] { return std::nullopt; };
    daemon_ = std::make_unique<TestDaemon>(
        [this](Config& c) {
            c.hf_endpoint = hub_.base_url();
            c.download_backoff_ms = 10;
            c.download_attempts = 2;
        },
        std::move(ports), data_);
    daemon_->start();
    const uint64_t free_before = free_bytes(data_);

    auto r = daemon_->post("/api/v1/models/registry/install",
                           json{{"name", "org/too-big"}, {"provider", "huggingface"}}.dump());
    ASSERT_EQ(r.status, 202) << r.body;
    const std::string id = r.json()["operation_id"];
    ASSERT_TRUE(eventually(
        [&] { return daemon_->operation(id).value("bytes_done", uint64_t{0}) > 256 * 1024; }, 20s));

    // Another writer takes the rest of the disk.
    const fs::path filler = data_ / "filler";
    {
        std::ofstream out(filler, std::ios::binary);
        const std::string chunk(64 * 1024, 'f');
        while (out.write(chunk.data(), chunk.size()) && out.flush()) {
        }
    }
    json op = daemon_->wait_finished(id, 60s);
    EXPECT_EQ(op["status"], "failed") << op.dump();
    fs::remove(filler);

    // What the install wrote is gone: the free space is back, within a small margin for the
    // operation history.
    EXPECT_GE(free_bytes(data_) + 256 * 1024, free_before)
        << "before " << free_before << " after " << free_bytes(data_);
    const fs::path repo = data_ / "models" / "huggingface" / "hub" / "models--org--too-big";
    EXPECT_FALSE(fs::exists(repo));

    auto removal = daemon_->del("/api/v1/models/registry/org%2Ftoo-big");
    ASSERT_EQ(removal.status, 202) << removal.body;
    EXPECT_EQ(daemon_->wait_finished(removal.json()["operation_id"], 20s)["status"], "completed");
}

}  // namespace
}  // namespace venom::testing

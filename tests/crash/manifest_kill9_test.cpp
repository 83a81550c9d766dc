// kill -9 of a process that rewrites the manifest in a loop must never leave a manifest that
// does not parse, nor lose a write that had completed (DESIGN.md "Data on disk").
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "support/temp_dir.hpp"
#include "venom/manifest_store.hpp"

namespace venom {
namespace {

constexpr int kRounds = 300;

TEST(ManifestKill9Test, KilledWriterAlwaysLeavesAParsableManifest) {
    testing::TempDir dir;
    std::mt19937 rng(12345);
    std::size_t confirmed = 0;  // models the writer reported durable so far
    for (int round = 0; round < kRounds; ++round) {
        int out[2];
        ASSERT_EQ(::pipe(out), 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::close(out[1]);
            ::execl(MANIFEST_WRITER_BINARY, MANIFEST_WRITER_BINARY, dir.path().c_str(), nullptr);
            ::_exit(127);
        }
        ::close(out[1]);
        FILE* lines = ::fdopen(out[0], "r");
        // Let it complete 0 to 3 writes, then kill it wherever it is in the next one.
        const int writes_before_kill = std::uniform_int_distribution<int>(0, 3)(rng);
        std::size_t reported = 0;
        for (int i = 0; i < writes_before_kill; ++i) {
            if (std::fscanf(lines, "%zu", &reported) != 1) break;
        }
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        std::fclose(lines);
        ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited by itself with status "
                                         << WEXITSTATUS(status) << " in round " << round;
        confirmed = std::max(confirmed, reported);

        FakeClock clock;
        ManifestStore store(dir / "manifest.json", clock);
        auto report = store.load();
        ASSERT_FALSE(report.warning) << "round " << round << ": " << *report.warning;
        ASSERT_GE(store.size(), confirmed) << "a completed write was lost in round " << round;
    }
}

}  // namespace
}  // namespace venom

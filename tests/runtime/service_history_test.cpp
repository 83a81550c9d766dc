#include "runtime/service_history.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace venom::runtime {
namespace {

using venom::testing::TempDir;

TEST(ServiceHistoryTest, KeepsTheNewestEntriesWithinItsLimitAcrossAReload) {
    TempDir dir;
    FakeClock clock;
    const auto path = dir.path() / "runtime-history.json";
    {
        ServiceHistory history({path, 3}, clock);
        history.load();
        for (int i = 0; i < 5; ++i) {
            history.record("ollama", "start", i % 2 == 0, "run " + std::to_string(i));
            clock.advance(std::chrono::seconds(1));
        }
        auto latest = history.latest(10);
        ASSERT_EQ(latest.size(), 3u);
        EXPECT_EQ(latest[0].message, "run 4");
        EXPECT_EQ(latest[2].message, "run 2");
    }
    ServiceHistory again({path, 3}, clock);
    again.load();
    auto latest = again.latest(2);
    ASSERT_EQ(latest.size(), 2u);
    EXPECT_EQ(latest[0].message, "run 4");
    EXPECT_TRUE(latest[0].success);
    EXPECT_EQ(latest[1].message, "run 3");
    EXPECT_FALSE(latest[1].success);
    EXPECT_EQ(latest[1].service, "ollama");
    EXPECT_FALSE(latest[1].timestamp.empty());
}

TEST(ServiceHistoryTest, AnUnreadableFileStartsAnEmptyLog) {
    TempDir dir;
    FakeClock clock;
    const auto path = dir.path() / "runtime-history.json";
    std::ofstream(path) << "{not json";
    ServiceHistory history({path, 10}, clock);
    history.load();
    EXPECT_TRUE(history.latest(10).empty());
    history.record("vllm", "stop", true, "vllm: stopped");
    EXPECT_EQ(history.latest(10).size(), 1u);
}

}  // namespace
}  // namespace venom::runtime

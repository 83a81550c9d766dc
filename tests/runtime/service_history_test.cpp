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

TEST(ServiceHistoryTest, WrongTypesInAHandEditedFileReadAsEmptyNotAsACrash) {
    TempDir dir;
    FakeClock clock;
    const auto path = dir.path() / "runtime-history.json";
    std::ofstream(path) << R"({"history": [{"service": "ollama", "action": 3, "success": "yes",
                                            "message": null, "timestamp": []}]})";
    ServiceHistory history({path, 10}, clock);
    history.load();
    auto latest = history.latest(10);
    ASSERT_EQ(latest.size(), 1u);
    EXPECT_EQ(latest[0].service, "ollama");
    EXPECT_EQ(latest[0].action, "");
    EXPECT_FALSE(latest[0].success);
}

TEST(ServiceHistoryTest, ScriptOutputWithBadBytesOrOfAnySizeIsStillRecorded) {
    TempDir dir;
    FakeClock clock;
    const auto path = dir.path() / "runtime-history.json";
    const std::string huge = "start failed\n" + std::string(1 << 20, 'x') + "\nlast log line";
    {
        ServiceHistory history({path, 10}, clock);
        history.load();
        history.record("vllm", "start", false, "bad byte \xff in a log line");
        history.record("vllm", "start", false, huge);
    }
    ServiceHistory reloaded({path, 10}, clock);
    reloaded.load();
    auto latest = reloaded.latest(10);
    ASSERT_EQ(latest.size(), 2u);  // both reached the file
    EXPECT_LE(latest[0].message.size(), ServiceHistory::kMaxMessage + 16);
    EXPECT_EQ(latest[0].message.rfind("start failed", 0), 0u);
    EXPECT_EQ(latest[0].message.substr(latest[0].message.size() - 13), "last log line");
    EXPECT_NE(latest[1].message.find("bad byte"), std::string::npos);
}

}  // namespace
}  // namespace venom::runtime

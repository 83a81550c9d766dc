// DeadlineTimer (include/venom/deadline_timer.hpp): callbacks run at their time, in time
// order, a passed time at once, and the ones not yet due never run after it is destroyed.
#include "venom/deadline_timer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "support/eventually.hpp"

namespace venom {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

TEST(DeadlineTimerTest, RunsCallbacksInTimeOrderAndNotBefore) {
    std::mutex mutex;
    std::vector<int> ran;
    std::atomic<int> count{0};
    {
        DeadlineTimer timer;
        const auto now = steady::now();
        const auto later = now + 200ms;
        auto record = [&](int n, steady::time_point due) {
            return [&, n, due] {
                EXPECT_GE(steady::now(), due);
                std::lock_guard lock(mutex);
                ran.push_back(n);
                ++count;
            };
        };
        timer.at(later, record(3, later));
        timer.at(now + 100ms, record(2, now + 100ms));
        timer.at(now - 1s, record(1, now - 1s));  // already passed: at once
        ASSERT_TRUE(venom::testing::eventually([&] { return count.load() == 3; }));
    }
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(DeadlineTimerTest, CallbacksNotYetDueNeverRunOnceItIsGone) {
    std::atomic<bool> ran{false};
    {
        DeadlineTimer timer;
        timer.at(steady::now() + 1h, [&ran] { ran = true; });
    }
    EXPECT_FALSE(ran.load());
}

}  // namespace
}  // namespace venom

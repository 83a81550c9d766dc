#include "venom/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "support/eventually.hpp"
#include "support/gate.hpp"

namespace venom {
namespace {

TEST(BlockingPoolTest, RunsTasksOffTheCallingThread) {
    BlockingPool pool(2, 10);
    std::atomic<int> ran{0};
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> other_thread{true};
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(pool.post([&] {
            other_thread = other_thread && std::this_thread::get_id() != caller;
            ++ran;
        }));
    }
    ASSERT_TRUE(testing::eventually([&] { return ran == 5; }));
    EXPECT_TRUE(other_thread);
}

TEST(BlockingPoolTest, RefusesWorkBeyondTheQueueBound) {
    BlockingPool pool(1, 2);
    testing::Gate gate;
    std::atomic<bool> started{false};
    ASSERT_TRUE(pool.post([&] {
        started = true;
        gate.wait();
    }));
    ASSERT_TRUE(testing::eventually([&] { return started.load(); }));
    EXPECT_TRUE(pool.post([] {}));
    EXPECT_TRUE(pool.post([] {}));
    EXPECT_FALSE(pool.post([] {}));  // two already waiting
    gate.open();
}

TEST(BlockingPoolTest, StopFinishesQueuedTasksAndRefusesNewOnes) {
    std::atomic<int> ran{0};
    BlockingPool pool(1, 10);
    for (int i = 0; i < 3; ++i) pool.post([&] { ++ran; });
    pool.stop();
    EXPECT_EQ(ran, 3);
    EXPECT_FALSE(pool.post([] {}));
}

}  // namespace
}  // namespace venom

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
    testing::Gate gate;  // outlives the pool: its worker may still be leaving wait() at the end
    BlockingPool pool(1, 2);
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

TEST(BlockingPoolTest, StopCancelsQueuedTasksAndAsksRunningOnesToGiveUp) {
    // Issue 9, finding 12: a shutdown answers what waits instead of running it, and the task
    // in flight (an upstream call) sees that it should give up.
    BlockingPool pool(1, 10);
    std::atomic<bool> started{false};
    std::atomic<bool> running_saw_cancel{false};
    ASSERT_TRUE(pool.post([&] {
        started = true;
        running_saw_cancel = testing::eventually(
            [] { return BlockingPool::current_task_cancelled(); }, std::chrono::seconds(10));
    }));
    ASSERT_TRUE(testing::eventually([&] { return started.load(); }));
    std::atomic<int> ran{0}, cancelled{0};
    for (int i = 0; i < 3; ++i) pool.post([&] { ++ran; }, [&] { ++cancelled; });
    pool.stop();
    EXPECT_TRUE(running_saw_cancel);
    EXPECT_EQ(ran, 0);
    EXPECT_EQ(cancelled, 3);
    EXPECT_FALSE(pool.post([] {}));
    EXPECT_FALSE(BlockingPool::current_task_cancelled());  // not a pool thread
}

TEST(BlockingPoolTest, ATaskThatThrowsLeavesTheWorkerServing) {
    BlockingPool pool(1, 10);
    ASSERT_TRUE(pool.post([] { throw std::runtime_error("type_error"); }));
    ASSERT_TRUE(pool.post([] { throw 42; }));
    std::atomic<bool> ran{false};
    ASSERT_TRUE(pool.post([&] { ran = true; }));
    EXPECT_TRUE(testing::eventually([&] { return ran.load(); }));
}

}  // namespace
}  // namespace venom

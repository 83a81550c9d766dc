#include "venom/runtime_locks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/eventually.hpp"
#include "support/gate.hpp"
#include "venom/operation_queue.hpp"

namespace venom {
namespace {

using testing::eventually;
using testing::Gate;

TEST(RuntimeLocksTest, ARefusalNamesTheRuntimeAndWhatHoldsIt) {
    RuntimeLocks locks;
    auto pull = locks.try_acquire({Runtime::ollama}, "install of llama3:latest (operation op-7)");
    ASSERT_TRUE(pull.ok());
    EXPECT_EQ(locks.holder(Runtime::ollama), "install of llama3:latest (operation op-7)");

    auto refused = locks.try_acquire({Runtime::ollama}, "restart of ollama");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 409);
    EXPECT_EQ(refused.error().code, "runtime_busy");
    EXPECT_EQ(refused.error().message,
              "ollama is busy: install of llama3:latest (operation op-7) is running; try again "
              "when it ends");
    // The refused caller changed nothing.
    EXPECT_EQ(locks.holder(Runtime::ollama), "install of llama3:latest (operation op-7)");
}

TEST(RuntimeLocksTest, SeveralRuntimesAreTakenAllOrNone) {
    RuntimeLocks locks;
    auto download = locks.try_acquire({Runtime::vllm}, "install of org/model (operation op-1)");
    ASSERT_TRUE(download.ok());

    auto switching = locks.try_acquire({Runtime::ollama, Runtime::vllm}, "switch to ollama");
    ASSERT_FALSE(switching.ok());
    EXPECT_NE(switching.error().message.find("vllm is busy: install of org/model"),
              std::string::npos)
        << switching.error().message;
    EXPECT_EQ(locks.holder(Runtime::ollama), std::nullopt);  // not half taken

    download->release();
    auto again = locks.try_acquire({Runtime::ollama, Runtime::vllm}, "switch to ollama");
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->holds(Runtime::ollama));
    EXPECT_TRUE(again->holds(Runtime::vllm));
    EXPECT_FALSE(again->holds(Runtime::openai));
    EXPECT_EQ(locks.holder(Runtime::vllm), "switch to ollama");
    // Cloud runtimes are locks of their own, untouched by a local switch.
    EXPECT_TRUE(locks.try_acquire({Runtime::openai, Runtime::google}, "other").ok());
}

TEST(RuntimeLocksTest, AHoldIsNotReentrant) {
    RuntimeLocks locks;
    auto hold = locks.try_acquire({Runtime::ollama}, "switch to ollama");
    ASSERT_TRUE(hold.ok());
    // Code that already holds a runtime passes its Hold on instead of taking the lock again.
    EXPECT_FALSE(locks.try_acquire({Runtime::ollama}, "activation of llama3:latest").ok());
}

TEST(RuntimeLocksTest, AHoldFreesItsRuntimesOnceAndTellsTheListeners) {
    RuntimeLocks locks;
    std::atomic<int> releases{0};
    const auto id = locks.add_release_listener([&] { ++releases; });
    {
        auto first = locks.try_acquire({Runtime::ollama, Runtime::vllm}, "switch to vllm");
        ASSERT_TRUE(first.ok());
        RuntimeLocks::Hold moved = std::move(*first);
        EXPECT_TRUE(first->empty());  // the moved-from hold owns nothing
        EXPECT_TRUE(moved.holds(Runtime::vllm));
        first->release();
        EXPECT_EQ(releases.load(), 0);
        EXPECT_EQ(locks.holder(Runtime::ollama), "switch to vllm");
    }
    EXPECT_EQ(releases.load(), 1);
    EXPECT_EQ(locks.holder(Runtime::ollama), std::nullopt);
    EXPECT_EQ(locks.holder(Runtime::vllm), std::nullopt);

    locks.remove_release_listener(id);
    auto other = locks.try_acquire({Runtime::ollama}, "start of ollama");
    ASSERT_TRUE(other.ok());
    other->release();
    other->release();
    EXPECT_EQ(releases.load(), 1);
}

TEST(RuntimeLocksTest, ConcurrentTakersNeverShareARuntime) {
    RuntimeLocks locks;
    std::array<std::atomic<int>, kAllRuntimes.size()> inside{};
    std::atomic<bool> overlap{false};
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    const std::vector<std::vector<Runtime>> wants = {{Runtime::ollama},
                                                     {Runtime::vllm},
                                                     {Runtime::ollama, Runtime::vllm},
                                                     {Runtime::vllm, Runtime::ollama}};
    for (std::size_t t = 0; t < wants.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                auto hold = locks.try_acquire(wants[t], "worker " + std::to_string(t));
                if (!hold) continue;
                ++taken;
                for (Runtime r : wants[t]) {
                    if (++inside[static_cast<std::size_t>(r)] != 1) overlap = true;
                }
                for (Runtime r : wants[t]) --inside[static_cast<std::size_t>(r)];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_FALSE(overlap.load());
    EXPECT_GT(taken.load(), 0);
    for (Runtime r : kAllRuntimes) EXPECT_EQ(locks.holder(r), std::nullopt);
}

// The queue and a switch share the locks: an install holds its runtime while it runs, and an
// operation queued while a switch holds its runtime starts as soon as the switch ends.
class QueueWithRuntimeLocksTest : public ::testing::Test {
protected:
    // Declared before the queue, so they outlive it: its worker may still be leaving wait().
    Gate gate_;
    std::atomic<bool> at_gate_{false};
    std::atomic<bool> ran_{false};
    FakeClock clock_;
    RuntimeLocks locks_;
    OperationQueue queue_{{1, 500, {}}, clock_, locks_};

    static OperationRequest install(const std::string& model, Runtime runtime) {
        return {model, "ollama", runtime, OperationType::install, "Queued"};
    }
    bool reaches(const std::string& id, OperationStatus status) {
        return eventually([&] { return queue_.get(id)->status == status; });
    }
};

TEST_F(QueueWithRuntimeLocksTest, ARunningInstallHoldsItsRuntimeAgainstASwitch) {
    queue_.start();
    auto id = queue_.submit(install("llama3:latest", Runtime::ollama),
                            [&](OperationContext& ctx) -> Result<std::string> {
                                at_gate_ = true;
                                if (!gate_.wait([&] { return ctx.cancelled(); })) {
                                    return make_error(499, "cancelled", "stopped");
                                }
                                return std::string("installed");
                            });
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(eventually([&] { return at_gate_.load(); }));

    auto refused = locks_.try_acquire({Runtime::ollama, Runtime::vllm}, "switch to vllm");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "runtime_busy");
    EXPECT_EQ(refused.error().message, "ollama is busy: install of llama3:latest (operation " +
                                           *id + ") is running; try again when it ends");
    EXPECT_EQ(locks_.holder(Runtime::vllm), std::nullopt);  // all or none

    gate_.open();
    ASSERT_TRUE(reaches(*id, OperationStatus::completed));
    EXPECT_TRUE(eventually([&] { return !locks_.holder(Runtime::ollama); }));
    EXPECT_TRUE(locks_.try_acquire({Runtime::ollama, Runtime::vllm}, "switch to vllm").ok());
}

TEST_F(QueueWithRuntimeLocksTest, AnOperationQueuedDuringASwitchStartsWhenTheSwitchEnds) {
    auto switching = locks_.try_acquire({Runtime::ollama}, "switch to ollama");
    ASSERT_TRUE(switching.ok());
    queue_.start();
    auto waiting = queue_.submit(install("llama3:latest", Runtime::ollama),
                                 [&](OperationContext&) -> Result<std::string> {
                                     ran_ = true;
                                     return std::string("installed");
                                 });
    // Submitted after it, on a free runtime: once it has run, the one worker has passed over
    // the first, which stays pending behind the switch.
    auto other = queue_.submit(
        install("org/model", Runtime::vllm),
        [](OperationContext&) -> Result<std::string> { return std::string("installed"); });
    ASSERT_TRUE(waiting.ok() && other.ok());
    ASSERT_TRUE(reaches(*other, OperationStatus::completed));
    EXPECT_EQ(queue_.get(*waiting)->status, OperationStatus::pending);
    EXPECT_FALSE(ran_.load());

    // Nothing else wakes the worker now: only the release does.
    switching->release();
    ASSERT_TRUE(reaches(*waiting, OperationStatus::completed));
    EXPECT_TRUE(ran_.load());
}

}  // namespace
}  // namespace venom

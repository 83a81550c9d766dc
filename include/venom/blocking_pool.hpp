#pragma once
// A small, bounded pool of threads for blocking work that a request needs (upstream HTTP calls,
// disk reads), so it never runs on an I/O thread (DESIGN.md "Blocking work").

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace venom {

class BlockingPool {
public:
    BlockingPool(std::size_t threads, std::size_t max_queued);
    ~BlockingPool();  // stop()
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Queues `task`; false when `max_queued` tasks are already waiting or the pool stopped,
    // so a flood of requests is refused instead of piling up. `on_cancel` runs instead of
    // `task` when the pool stops before the task started (so whoever waits for it gets an
    // answer). A task that throws is logged; so is a throwing `on_cancel`. Thread-safe.
    bool post(std::function<void()> task, std::function<void()> on_cancel = {});
    // Stops taking tasks, runs `on_cancel` of the queued ones instead of running them, asks the
    // running ones to give up (see current_task_cancelled()), and joins. Idempotent.
    void stop();

    // True on a thread of a pool that is stopping: long blocking calls made by its tasks (upstream
    // transfers) poll it and give up, so a shutdown does not wait for them. False on any other
    // thread. Thread-safe.
    static bool current_task_cancelled();

private:
    struct Task {
        std::function<void()> run;
        std::function<void()> on_cancel;
    };
    void loop();

    std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Task> tasks_;
    bool stopping_ = false;
    std::atomic<bool> cancel_running_{false};
    std::vector<std::thread> threads_;
};

}  // namespace venom

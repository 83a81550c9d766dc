#pragma once
// A small, bounded pool of threads for blocking work that a request needs (upstream HTTP calls,
// disk reads), so it never runs on an I/O thread (DESIGN.md "Blocking work").

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
    ~BlockingPool();  // runs what is queued, then joins
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Queues `task`; false when `max_queued` tasks are already waiting or the pool stopped,
    // so a flood of requests is refused instead of piling up. Thread-safe.
    bool post(std::function<void()> task);
    // Stops taking tasks, finishes the queued ones, joins. Idempotent.
    void stop();

private:
    void loop();

    std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace venom

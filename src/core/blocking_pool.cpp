#include "venom/blocking_pool.hpp"

#include <exception>

#include "venom/logging.hpp"

namespace venom {
namespace {

// The cancel flag of the pool whose thread this is; null on other threads.
thread_local const std::atomic<bool>* current_cancel = nullptr;

void run_guarded(const std::function<void()>& fn, const char* what) {
    if (!fn) return;
    // Nothing may escape a worker thread (std::terminate); the callers' own wrappers answer the
    // request, this is the last line.
    try {
        fn();
    } catch (const std::exception& e) {
        logger("pool")->error("{} threw error=\"{}\"", what, e.what());
    } catch (...) {
        logger("pool")->error("{} threw a non-standard exception", what);
    }
}

}  // namespace

BlockingPool::BlockingPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
        threads_.emplace_back([this] { loop(); });
    }
}

BlockingPool::~BlockingPool() {
    stop();
}

bool BlockingPool::post(std::function<void()> task, std::function<void()> on_cancel) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || tasks_.size() >= max_queued_) return false;
        tasks_.push_back(Task{std::move(task), std::move(on_cancel)});
    }
    cv_.notify_one();
    return true;
}

void BlockingPool::stop() {
    std::deque<Task> cancelled;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        cancelled.swap(tasks_);
    }
    cancel_running_ = true;
    cv_.notify_all();
    for (auto& task : cancelled) run_guarded(task.on_cancel, "cancel callback");
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

bool BlockingPool::current_task_cancelled() {
    return current_cancel != nullptr && current_cancel->load();
}

void BlockingPool::loop() {
    current_cancel = &cancel_running_;
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
            if (stopping_) return;  // stop() took what was queued
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        run_guarded(task.run, "task");
    }
}

}  // namespace venom

#include "venom/periodic_task.hpp"

namespace venom {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)) {}

PeriodicTask::~PeriodicTask() {
    stop();
}

void PeriodicTask::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stop_) {
            triggered_ = false;
            lock.unlock();
            task_();
            lock.lock();
            // A schedule, not synchronisation: stop() and trigger() wake it at once.
            cv_.wait_for(lock, interval_, [&] { return stop_ || triggered_; });
        }
    });
}

void PeriodicTask::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PeriodicTask::trigger() {
    {
        std::lock_guard lock(mutex_);
        triggered_ = true;
    }
    cv_.notify_all();
}

}  // namespace venom

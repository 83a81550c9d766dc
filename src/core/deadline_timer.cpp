#include "venom/deadline_timer.hpp"

#include <exception>

#include "venom/logging.hpp"

namespace venom {

DeadlineTimer::~DeadlineTimer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DeadlineTimer::at(std::chrono::steady_clock::time_point when, std::function<void()> callback) {
    std::unique_lock lock(mutex_);
    const bool earliest = due_.empty() || when < due_.begin()->first;
    due_.emplace(when, std::move(callback));
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    lock.unlock();
    if (earliest) cv_.notify_all();
}

void DeadlineTimer::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (due_.empty()) {
            cv_.wait(lock);
            continue;
        }
        if (std::chrono::steady_clock::now() < due_.begin()->first) {
            cv_.wait_until(lock, due_.begin()->first);
            continue;
        }
        auto callback = std::move(due_.begin()->second);
        due_.erase(due_.begin());
        lock.unlock();
        try {
            callback();
        } catch (const std::exception& e) {
            logger("timer")->error("a deadline callback threw: {}", e.what());
        }
        lock.lock();
    }
}

}  // namespace venom

#pragma once
// Runs a function now and then every interval on its own thread until stopped; stop() wakes it
// at once. For background refreshes (usage figures, the Ollama inventory).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace venom {

class PeriodicTask {
public:
    PeriodicTask(std::chrono::milliseconds interval, std::function<void()> task);
    ~PeriodicTask();  // stop()
    PeriodicTask(const PeriodicTask&) = delete;
    PeriodicTask& operator=(const PeriodicTask&) = delete;

    void start();  // idempotent
    void stop();   // idempotent; waits for a run in progress
    // Runs the task soon instead of at the next interval (e.g. after an install).
    void trigger();

private:
    std::chrono::milliseconds interval_;
    std::function<void()> task_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool triggered_ = false;
    std::thread thread_;
};

}  // namespace venom

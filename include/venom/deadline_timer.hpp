#pragma once
// Running short callbacks at given times, on one thread of its own, started with the first
// one: for work that must end at a deadline whether or not what it waits for has answered
// (news translations waiting behind other work on the translation workers).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace venom {

class DeadlineTimer {
public:
    DeadlineTimer() = default;
    ~DeadlineTimer();  // joins the thread; callbacks not yet due never run
    DeadlineTimer(const DeadlineTimer&) = delete;
    DeadlineTimer& operator=(const DeadlineTimer&) = delete;

    // Runs `callback` on the timer's thread at `when` (at once when it has passed). Callbacks
    // must be short and must not throw (a throwing one is logged). Thread-safe.
    void at(std::chrono::steady_clock::time_point when, std::function<void()> callback);

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable cv_;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace venom

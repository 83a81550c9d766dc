#pragma once
// A gate that test work waits behind until the test opens it, so a test decides exactly when
// an operation proceeds instead of guessing with sleeps.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace venom::testing {

class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    // Waits until open or `give_up()` is true (checked every few ms), at most `bound`.
    // Returns true when the gate opened.
    bool wait(
        const std::function<bool()>& give_up = [] { return false; },
        std::chrono::milliseconds bound = std::chrono::milliseconds(10000)) {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        std::unique_lock lock(mutex_);
        while (!open_) {
            if (give_up() || std::chrono::steady_clock::now() >= deadline) return false;
            cv_.wait_for(lock, std::chrono::milliseconds(2));
        }
        return true;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

}  // namespace venom::testing

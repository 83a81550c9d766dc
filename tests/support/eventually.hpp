#pragma once
// Waiting in tests without sleeping for a fixed time: poll a condition until it holds or a
// bound passes, and let the assertion say which.

#include <chrono>
#include <thread>

namespace venom::testing {

template <typename Predicate>
bool eventually(Predicate predicate,
                std::chrono::milliseconds bound = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval, bounded
    }
    return true;
}

}  // namespace venom::testing

#pragma once
// The handler deadline (DESIGN.md convention 11): a request whose handler has not answered in
// time gets 504 handler_timeout and its connection is free again; the late answer is dropped.
// At shutdown every request still waiting gets 503 shutting_down instead of a dropped
// connection (issue 9, findings 5 and 12). One thread, started with the first watched request.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "api/answer_once.hpp"

namespace venom::api {

class HandlerWatchdog {
public:
    HandlerWatchdog() = default;
    ~HandlerWatchdog();  // joins the thread; what is still watched is left unanswered
    HandlerWatchdog(const HandlerWatchdog&) = delete;
    HandlerWatchdog& operator=(const HandlerWatchdog&) = delete;

    // Answers `answer` with 504 handler_timeout after `timeout` unless it was answered before.
    // Returns an id for forget(). After shut_down() it answers 503 shutting_down at once.
    // Thread-safe.
    std::uint64_t watch(std::shared_ptr<AnswerOnce> answer, std::chrono::milliseconds timeout);
    // Stops watching (the request was answered). Unknown ids are ignored. Thread-safe.
    void forget(std::uint64_t id);
    // Answers every watched request with 503 shutting_down, now and for later watch() calls.
    // Idempotent; thread-safe.
    void shut_down();
    // True once shut_down() was called. Thread-safe.
    bool shutting_down() const;
    // Requests watched now (for tests and health figures). Thread-safe.
    std::size_t watched() const;

private:
    using steady = std::chrono::steady_clock;
    struct Entry {
        // Strong: a handler that dropped its Respond without calling it still gets its 504.
        std::shared_ptr<AnswerOnce> answer;
        steady::time_point deadline;
        std::chrono::milliseconds timeout;
    };
    void loop();

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::uint64_t, Entry> entries_;
    std::set<std::pair<steady::time_point, std::uint64_t>> by_deadline_;
    std::uint64_t next_id_ = 1;
    bool shutting_down_ = false;
    bool stop_thread_ = false;
    std::thread thread_;
};

}  // namespace venom::api

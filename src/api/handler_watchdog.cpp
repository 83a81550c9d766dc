#include "api/handler_watchdog.hpp"

#include <vector>

#include "api/json_response.hpp"
#include "api/request_id.hpp"
#include "venom/logging.hpp"

namespace venom::api {
namespace {

HttpResponse shutting_down_response() {
    return error_response(503, "shutting_down", "venomd is shutting down; retry when it is back");
}

}  // namespace

HandlerWatchdog::~HandlerWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_thread_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t HandlerWatchdog::watch(std::shared_ptr<AnswerOnce> answer,
                                     std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (shutting_down_) {
        lock.unlock();
        answer->answer(shutting_down_response());
        return 0;
    }
    const std::uint64_t id = next_id_++;
    const auto deadline = steady::now() + timeout;
    entries_.emplace(id, Entry{answer, deadline, timeout});
    const bool earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
    by_deadline_.emplace(deadline, id);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    lock.unlock();
    if (earliest) cv_.notify_all();
    return id;
}

void HandlerWatchdog::forget(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    by_deadline_.erase({it->second.deadline, id});
    entries_.erase(it);
}

bool HandlerWatchdog::shutting_down() const {
    std::lock_guard lock(mutex_);
    return shutting_down_;
}

void HandlerWatchdog::shut_down() {
    std::vector<std::shared_ptr<AnswerOnce>> waiting;
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
        for (auto& [id, entry] : entries_) {
            waiting.push_back(std::move(entry.answer));
        }
        entries_.clear();
        by_deadline_.clear();
    }
    cv_.notify_all();
    for (auto& answer : waiting) answer->answer(shutting_down_response());
    if (!waiting.empty()) {
        logger("api")->info("answered waiting requests at shutdown count={}", waiting.size());
    }
}

std::size_t HandlerWatchdog::watched() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void HandlerWatchdog::loop() {
    std::unique_lock lock(mutex_);
    while (!stop_thread_) {
        if (by_deadline_.empty()) {
            cv_.wait(lock);
            continue;
        }
        const auto [deadline, id] = *by_deadline_.begin();
        if (steady::now() < deadline) {
            cv_.wait_until(lock, deadline);
            continue;
        }
        by_deadline_.erase(by_deadline_.begin());
        auto it = entries_.find(id);
        if (it == entries_.end()) continue;
        auto answer = std::move(it->second.answer);
        const auto timeout = it->second.timeout;
        entries_.erase(it);
        if (answer->answered()) continue;
        lock.unlock();
        const std::string request_id = new_request_id();
        const std::string limit = timeout.count() % 1000 == 0
                                      ? std::to_string(timeout.count() / 1000) + " s"
                                      : std::to_string(timeout.count()) + " ms";
        HttpResponse response =
            error_response(make_error(504, "handler_timeout",
                                      "No answer within " + limit +
                                          "; the work may still finish in the background"),
                           request_id);
        if (answer->answer(std::move(response))) {
            logger("api")->warn("handler deadline passed request_id={} timeout_ms={}", request_id,
                                timeout.count());
        }
        lock.lock();
    }
}

}  // namespace venom::api

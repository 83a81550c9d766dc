#pragma once
// Cache for answers fetched from upstreams (catalogs, trending, news): a fresh entry is served
// without an upstream call; one refresh per key is in flight at a time and later callers join
// it; when the upstream fails the last good value is served marked stale with the error, and a
// failure is never cached as a success (DESIGN.md convention 6, issue 3 point 3).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venom/blocking_pool.hpp"
#include "venom/clock.hpp"
#include "venom/logging.hpp"
#include "venom/result.hpp"

namespace venom {

template <typename T>
class TtlCache {
public:
    struct Answer {
        T value{};  // the fresh value, the last good one, or empty when there never was one
        bool stale = false;
        std::optional<std::string> error;
    };
    using Fetch = std::function<Result<T>()>;
    using Done = std::function<void(Answer)>;

    TtlCache(const Clock& clock, std::chrono::seconds ttl, BlockingPool& pool)
        : clock_(clock), ttl_(ttl), pool_(pool) {}

    // Calls `done` exactly once: at once on a fresh hit, otherwise from a pool thread after
    // the refresh (the one in flight for `key`, or a new one running `fetch`). A `fetch` that
    // throws is a failed refresh (500 internal_error); a refresh still queued when the pool
    // stops fails with 503 shutting_down. Thread-safe.
    void get(const std::string& key, Fetch fetch, Done done) {
        std::unique_lock lock(mutex_);
        Entry& entry = entries_[key];
        if (entry.value && clock_.now() - entry.fetched_at < ttl_) {
            hits_.fetch_add(1, std::memory_order_relaxed);
            Answer answer{*entry.value, false, std::nullopt};
            lock.unlock();
            return done(std::move(answer));
        }
        misses_.fetch_add(1, std::memory_order_relaxed);
        entry.waiters.push_back(std::move(done));
        if (entry.waiters.size() > 1) return;  // a refresh is in flight: join it
        lock.unlock();
        const bool queued =
            pool_.post([this, key, fetch = std::move(fetch)] { finish(key, guarded(fetch)); },
                       [this, key] {
                           finish(key, make_error(503, "shutting_down", "venomd is shutting down"));
                       });
        if (!queued) finish(key, make_error(503, "busy", "too many upstream requests queued"));
    }

    // Answers served fresh from the cache, and the others (a refresh ran or was joined), since
    // start. Thread-safe.
    std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
    struct Entry {
        std::optional<T> value;  // last good value
        TimePoint fetched_at{};
        std::vector<Done> waiters;
    };

    // A fetch that throws fails its waiters like any other failure and leaves no refresh in
    // flight, so the next call fetches again (issue 9, finding 5: the key stayed "in flight"
    // until restart).
    static Result<T> guarded(const Fetch& fetch) {
        try {
            return fetch();
        } catch (const std::exception& e) {
            logger("cache")->error("fetch threw error=\"{}\"", e.what());
        } catch (...) {
            logger("cache")->error("fetch threw a non-standard exception");
        }
        return make_error(500, "internal_error", "the upstream answer could not be read");
    }

    void finish(const std::string& key, Result<T> fetched) {
        std::vector<Done> waiters;
        Answer answer;
        {
            std::lock_guard lock(mutex_);
            Entry& entry = entries_[key];
            if (fetched.ok()) {
                entry.value = std::move(fetched.value());
                entry.fetched_at = clock_.now();
                answer = Answer{*entry.value, false, std::nullopt};
            } else {
                answer.stale = true;
                answer.error = fetched.error().message;
                if (entry.value) answer.value = *entry.value;
            }
            waiters.swap(entry.waiters);
        }
        for (auto& done : waiters) {
            try {
                done(answer);
            } catch (const std::exception& e) {  // one waiter must not starve the others
                logger("cache")->error("waiter threw error=\"{}\"", e.what());
            }
        }
    }

    const Clock& clock_;
    std::chrono::seconds ttl_;
    BlockingPool& pool_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

}  // namespace venom

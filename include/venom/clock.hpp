#pragma once
// Time as a port (DESIGN.md "Injectable ports"): production uses the system clock, tests a
// FakeClock they advance by hand, so TTLs and timestamps are tested without sleeping.

#include <atomic>
#include <chrono>
#include <string>

namespace venom {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    // Thread-safe.
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(TimePoint start = TimePoint{std::chrono::seconds{1'800'000'000}})
        : now_(start.time_since_epoch().count()) {}
    TimePoint now() const override { return TimePoint{TimePoint::duration{now_.load()}}; }
    void advance(std::chrono::nanoseconds by) {
        now_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
    }

private:
    std::atomic<TimePoint::rep> now_;
};

// RFC 3339 UTC with milliseconds, e.g. "2026-11-28T03:51:52.123Z".
std::string format_rfc3339(TimePoint t);

// The UTC calendar month of `t`, "2026-12" (news months, governance usage windows).
std::string format_utc_month(TimePoint t);

}  // namespace venom

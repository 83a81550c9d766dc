#pragma once
// Latencies in fixed memory: logarithmic buckets 2 % wide from 1 µs to about 20 minutes (1 050
// counters, 8 KiB), so a percentile is within 1 % of the true order statistic however many calls
// were recorded, and memory never grows with traffic. The exact minimum and maximum are kept so a
// percentile never leaves the range of what was seen. Also keeps the cumulative counts of the
// Prometheus histogram's `le` bounds. Not thread-safe: its owner locks.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace venom::governance {

class LatencyHistogram {
public:
    // The `le` bounds of the Prometheus histogram, in seconds (ascending; +Inf is implicit).
    static const std::vector<double>& prometheus_bounds();

    void record(std::chrono::microseconds latency);

    std::uint64_t count() const { return count_; }
    double sum_seconds() const { return static_cast<double>(sum_us_) / 1e6; }

    // The nearest-rank percentile (`p` in (0, 100]) in milliseconds: the smallest recorded
    // latency with at least p % of the samples at or below it, to within one bucket (2 %);
    // nullopt before the first sample.
    std::optional<double> percentile_ms(double p) const;

    // Samples at or below each of prometheus_bounds(), cumulative (the Prometheus form).
    std::vector<std::uint64_t> cumulative_prometheus_counts() const;

private:
    static constexpr std::size_t kBuckets = 1050;
    static std::size_t bucket_of(std::int64_t us);

    std::array<std::uint64_t, kBuckets> buckets_{};
    std::vector<std::uint64_t> prometheus_{std::vector<std::uint64_t>(prometheus_bounds().size())};
    std::uint64_t count_ = 0;
    std::int64_t sum_us_ = 0;
    std::int64_t min_us_ = 0;
    std::int64_t max_us_ = 0;
};

}  // namespace venom::governance

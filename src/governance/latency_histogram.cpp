#include "governance/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace venom::governance {

namespace {
const double kLogBase = std::log(1.02);
}

const std::vector<double>& LatencyHistogram::prometheus_bounds() {
    // Prometheus client libraries' defaults, stretched to a minute: runtime calls take seconds.
    static const std::vector<double> bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                            1,     2.5,  5,     10,   30,  60};
    return bounds;
}

std::size_t LatencyHistogram::bucket_of(std::int64_t us) {
    if (us <= 1) return 0;
    const auto index = static_cast<std::size_t>(std::log(static_cast<double>(us)) / kLogBase);
    return std::min(index, kBuckets - 1);
}

void LatencyHistogram::record(std::chrono::microseconds latency) {
    const std::int64_t us = std::max<std::int64_t>(latency.count(), 0);
    ++buckets_[bucket_of(us)];
    min_us_ = count_ == 0 ? us : std::min(min_us_, us);
    max_us_ = count_ == 0 ? us : std::max(max_us_, us);
    ++count_;
    sum_us_ += us;
    const double seconds = static_cast<double>(us) / 1e6;
    const auto& bounds = prometheus_bounds();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (seconds <= bounds[i]) ++prometheus_[i];
    }
}

std::optional<double> LatencyHistogram::percentile_ms(double p) const {
    if (count_ == 0) return std::nullopt;
    p = std::clamp(p, 0.0, 100.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen < rank) continue;
        // The bucket's geometric middle, inside what was really seen.
        const double middle = std::exp((static_cast<double>(i) + 0.5) * kLogBase);
        const double us =
            std::clamp(middle, static_cast<double>(min_us_), static_cast<double>(max_us_));
        return us / 1000.0;
    }
    return static_cast<double>(max_us_) / 1000.0;
}

std::vector<std::uint64_t> LatencyHistogram::cumulative_prometheus_counts() const {
    return prometheus_;
}

}  // namespace venom::governance

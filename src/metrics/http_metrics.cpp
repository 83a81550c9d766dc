#include "metrics/http_metrics.hpp"

#include <algorithm>

namespace venom::metrics {

HttpMetrics::HttpMetrics(std::vector<std::pair<std::string, std::string>> routes)
    : routes_(routes.size() + 1) {
    for (std::size_t i = 0; i < routes.size(); ++i) {
        routes_[i].method = std::move(routes[i].first);
        routes_[i].pattern = std::move(routes[i].second);
    }
    routes_.back().pattern = "unmatched";
}

void HttpMetrics::record(std::size_t route, int status,
                         std::chrono::steady_clock::duration latency) {
    Route& r = routes_[std::min(route, routes_.size() - 1)];
    const auto* s = std::find(kStatuses.begin(), kStatuses.end(), status);
    r.statuses[static_cast<std::size_t>(s - kStatuses.begin())].fetch_add(
        1, std::memory_order_relaxed);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count();
    const double seconds = static_cast<double>(ns) / 1e9;
    const auto* b = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
    r.buckets[static_cast<std::size_t>(b - kBounds.begin())].fetch_add(1,
                                                                       std::memory_order_relaxed);
    r.count.fetch_add(1, std::memory_order_relaxed);
    r.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)),
                       std::memory_order_relaxed);
}

std::vector<HttpMetrics::RouteSnapshot> HttpMetrics::snapshot() const {
    std::vector<RouteSnapshot> out;
    for (const Route& r : routes_) {
        const std::uint64_t count = r.count.load(std::memory_order_relaxed);
        if (count == 0) continue;
        RouteSnapshot s;
        s.method = r.method;
        s.pattern = r.pattern;
        for (std::size_t i = 0; i < r.statuses.size(); ++i) {
            const std::uint64_t n = r.statuses[i].load(std::memory_order_relaxed);
            if (n == 0) continue;
            s.by_status.emplace_back(i < kStatuses.size() ? std::to_string(kStatuses[i]) : "other",
                                     n);
        }
        std::uint64_t running = 0;
        for (std::size_t i = 0; i < kBounds.size(); ++i) {
            running += r.buckets[i].load(std::memory_order_relaxed);
            s.cumulative.push_back(running);
        }
        // The total is the buckets' sum, so +Inf and _count agree with the bounds below them.
        s.count = running + r.buckets[kBounds.size()].load(std::memory_order_relaxed);
        s.sum_seconds = static_cast<double>(r.sum_ns.load(std::memory_order_relaxed)) / 1e9;
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace venom::metrics

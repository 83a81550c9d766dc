#pragma once
// HTTP requests counted per route template, never per raw path, so the label set stays the
// route table's size however many model names clients send (issue 13, point 4): requests by
// status code and a latency histogram per route. Lock-free: one atomic increment per counter,
// so the cheap endpoints pay almost nothing (bench/http_bench.sh measures it).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace venom::metrics {

class HttpMetrics {
public:
    // The status codes counted by their own label; the rest count as "other".
    static constexpr std::array<int, 27> kStatuses{200, 201, 202, 204, 206, 301, 302, 304, 400,
                                                   401, 403, 404, 405, 408, 409, 413, 415, 422,
                                                   429, 431, 499, 500, 501, 502, 503, 504, 507};
    // Latency bounds of the Prometheus histogram, in seconds.
    static constexpr std::array<double, 15> kBounds{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    // `routes`: (method, pattern) of each route, in the router's order. A last slot,
    // unmatched(), counts requests no route took (404, 405, refused Host or Origin).
    explicit HttpMetrics(std::vector<std::pair<std::string, std::string>> routes);

    std::size_t unmatched() const { return routes_.size() - 1; }

    // Thread-safe, lock-free.
    void record(std::size_t route, int status, std::chrono::steady_clock::duration latency);

    struct RouteSnapshot {
        std::string method;   // "" for the unmatched slot
        std::string pattern;  // "/api/v1/models/{name}/capabilities", or "unmatched"
        std::vector<std::pair<std::string, std::uint64_t>> by_status;  // "200" -> n, non-zero
        std::vector<std::uint64_t> cumulative;  // per kBounds, Prometheus' cumulative form
        std::uint64_t count = 0;
        double sum_seconds = 0;
    };
    // Routes with at least one request. Thread-safe (a scrape may see a request half counted).
    std::vector<RouteSnapshot> snapshot() const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::array<std::atomic<std::uint64_t>, kStatuses.size() + 1> statuses{};  // + other
        std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};     // + above
        std::atomic<std::uint64_t> count{0};
        std::atomic<std::uint64_t> sum_ns{0};
    };
    std::vector<Route> routes_;
};

}  // namespace venom::metrics

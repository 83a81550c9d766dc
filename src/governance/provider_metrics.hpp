#pragma once
// What one provider's calls did (issue 13, point 4): requests, failures by error code, latency
// percentiles from a fixed-memory histogram, tokens and cost; and the health score derived from
// them against the provider's service-level targets (docs/ARCHITECTURE.md, "Governance", gives
// the formula). Not thread-safe: the Governor locks.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "governance/latency_histogram.hpp"

namespace venom::governance {

struct SloTarget {
    double availability = 0.99;  // share of successful calls, 0..1
    double latency_p99_ms = 2000;
    double error_rate = 0.01;     // 0..1
    double cost_budget_usd = 50;  // 0: no budget target
};

// venom-python.md §4.3: cloud providers 0.99 / 2000 ms / 1 % / $50; local runtimes 0.95 /
// 3000 ms / 5 % / no budget; the Hub 0.98 / 5000 ms / 2 % / no budget.
SloTarget slo_target_for(const std::string& provider);

struct Health {
    std::string status;  // healthy (score >= 80), degraded (>= 50), critical, unknown (no calls)
    double score = 0;    // 0..100
    std::vector<std::string> breaches;
};

struct ProviderMetrics {
    std::uint64_t total = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::map<std::string, std::uint64_t> errors_by_code;  // "timeout", "http_429", ...
    LatencyHistogram latency;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    std::uint64_t estimated_usage_calls = 0;  // calls whose tokens were estimated
    double cost_usd = 0;

    void record(bool ok, const std::string& error_code, std::chrono::microseconds latency,
                std::int64_t tokens_in, std::int64_t tokens_out, bool estimated, double cost);
    Health health(const SloTarget& target) const;
};

}  // namespace venom::governance

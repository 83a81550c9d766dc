#include "governance/provider_metrics.hpp"

#include <cstdio>

#include "venom/runtime.hpp"

namespace venom::governance {

SloTarget slo_target_for(const std::string& provider) {
    if (const std::optional<Runtime> runtime = parse_runtime(provider)) {
        if (!is_local(*runtime)) return {0.99, 2000, 0.01, 50};
        return {0.95, 3000, 0.05, 0};
    }
    if (provider == "huggingface") return {0.98, 5000, 0.02, 0};
    return {};
}

void ProviderMetrics::record(bool ok, const std::string& error_code,
                             std::chrono::microseconds call_latency, std::int64_t in,
                             std::int64_t out, bool estimated, double cost) {
    ++total;
    if (ok) {
        ++succeeded;
    } else {
        ++failed;
        ++errors_by_code[error_code];
    }
    latency.record(call_latency);
    tokens_in += in;
    tokens_out += out;
    if (estimated) ++estimated_usage_calls;
    cost_usd += cost;
}

namespace {
std::string format(const char* pattern, double a, double b) {
    char text[96];
    std::snprintf(text, sizeof text, pattern, a, b);
    return text;
}
}  // namespace

Health ProviderMetrics::health(const SloTarget& target) const {
    Health health;
    if (total == 0) {
        health.status = "unknown";
        return health;
    }
    // Start at 100 and take off for each target missed (venom-python.md §4.3).
    double score = 100;
    const double availability = static_cast<double>(succeeded) / static_cast<double>(total);
    const double error_rate = static_cast<double>(failed) / static_cast<double>(total);
    if (availability < target.availability) {
        score -= 30;
        health.breaches.push_back(format("availability_%.1f%%_below_%.1f%%", availability * 100,
                                         target.availability * 100));
    }
    if (auto p99 = latency.percentile_ms(99); p99 && *p99 > target.latency_p99_ms) {
        score -= 25;
        health.breaches.push_back(
            format("latency_p99_%.0fms_above_%.0fms", *p99, target.latency_p99_ms));
    }
    if (error_rate > target.error_rate) {
        score -= 25;
        health.breaches.push_back(
            format("error_rate_%.1f%%_above_%.1f%%", error_rate * 100, target.error_rate * 100));
    }
    if (target.cost_budget_usd > 0 && cost_usd > target.cost_budget_usd) {
        score -= 20;
        health.breaches.push_back(
            format("cost_$%.2f_above_$%.2f", cost_usd, target.cost_budget_usd));
    }
    health.score = score < 0 ? 0 : score;
    health.status = health.score >= 80 ? "healthy" : health.score >= 50 ? "degraded" : "critical";
    return health;
}

}  // namespace venom::governance

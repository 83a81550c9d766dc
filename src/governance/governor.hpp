#pragma once
// Governance of every call venomd makes to a model runtime (issue 13): before the call, the cost
// hard limits and the rate limits of its scopes (`global` and `provider:<name>`) admit it or
// refuse it, and a refused call is never made; after it, the tokens the upstream reports (or an
// estimate, marked as such) and their cost from the price table are added to the scopes' usage
// and the provider's metrics. Limits and usage persist in <data>/governance.json, written durably
// like the manifest. Usage is counted per calendar month (UTC) and starts again at zero when a new
// month begins; rate limits are token buckets refilled continuously (a minute's allowance at
// most), kept in memory only.
//
// Thread-safe: one mutex guards the state; the file is written outside it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "governance/price_table.hpp"
#include "governance/provider_metrics.hpp"
#include "venom/clock.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom::governance {

// The providers governance knows: the Hub and the four runtimes.
const std::vector<std::string>& known_providers();
bool is_known_provider(const std::string& name);
bool is_cloud_provider(const std::string& name);  // openai, google

struct CostLimit {
    double soft_usd = 0;
    double hard_usd = 0;
};
struct RateLimit {
    std::int64_t requests_per_minute = 0;
    std::int64_t tokens_per_minute = 0;
};
struct ScopeUsage {
    double cost_usd = 0;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    std::uint64_t requests = 0;
};
struct RateUse {  // what the bucket has given out of its minute's allowance
    double requests = 0;
    double tokens = 0;
};
struct FallbackEvent {
    TimePoint at;
    std::string from;
    std::string to;
    std::string reason_code;  // FALLBACK_TIMEOUT, FALLBACK_RATE_LIMIT, ...
    std::string message;
};
struct GovernanceWarning {
    TimePoint at;
    std::string scope;
    std::string message;
};

// What a call is expected to use, known before it is made.
struct CallEstimate {
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
};

// What a call did, after it.
struct CallOutcome {
    std::string provider;
    std::string model;
    bool ok = false;
    std::string error_code;  // when !ok: "timeout", "http_429", "unreachable", ...
    std::chrono::microseconds latency{0};
    // From the upstream's usage fields; nullopt: not reported (the estimate counts instead).
    std::optional<std::int64_t> tokens_in;
    std::optional<std::int64_t> tokens_out;
    CallEstimate estimate;
};

struct GovernanceSnapshot {
    std::string window;                            // the usage window, "2026-12"
    std::map<std::string, CostLimit> cost_limits;  // scope -> limit
    std::map<std::string, RateLimit> rate_limits;
    std::map<std::string, ScopeUsage> usage;
    std::map<std::string, RateUse> rate_use;
    std::vector<FallbackEvent> recent_fallbacks;     // oldest first
    std::vector<GovernanceWarning> warnings;         // oldest first
    std::map<std::string, std::uint64_t> refusals;   // reason code -> count
    std::map<std::string, std::uint64_t> fallbacks;  // reason code -> count
    std::vector<std::string> fallback_order;
    bool fallback_from_local = false;
};

class Governor {
public:
    struct Options {
        std::filesystem::path file;  // <data>/governance.json; empty: nothing persisted
        PriceTable prices;
        std::vector<Runtime> fallback_order{kAllRuntimes.begin(), kAllRuntimes.end()};
        bool fallback_from_local = false;  // local runtimes fall back only when this is set
        std::optional<std::string> openai_api_key;  // only their presence and last 4 are used
        std::optional<std::string> google_api_key;
    };
    // Defaults (venom-python.md §4.1): global cost soft $10 / hard $50; a cloud provider's
    // scope soft $5 / hard $25 until set; global rate 100 requests and 100 000 tokens a minute.
    static constexpr CostLimit kGlobalCost{10, 50};
    static constexpr CostLimit kProviderCost{5, 25};
    static constexpr RateLimit kGlobalRate{100, 100000};
    static constexpr std::size_t kKeptFallbacks = 100;
    static constexpr std::size_t kKeptWarnings = 50;

    Governor(Options options, const Clock& clock);

    // Reads governance.json. A missing file: the defaults. A damaged one: the defaults, the file
    // copied to governance.json.corrupt, and the warning returned.
    std::optional<std::string> load();

    // Before a call of `model` on `provider`: admits it (and takes its share of the rate
    // buckets) or refuses it without side effects on usage: 402 budget_hard_limit_exceeded /
    // provider_budget_exceeded when the estimated cost would pass a hard limit, 429
    // rate_limit_requests_exceeded / rate_limit_tokens_exceeded (with retry_after_seconds) when
    // a bucket is empty. Never blocks on I/O.
    Result<CallEstimate> admit(const std::string& provider, const std::string& model,
                               std::int64_t tokens_in, std::int64_t tokens_out);

    // After an admitted call: usage, cost, metrics; a soft limit crossed is recorded as a
    // warning. Writes governance.json (durably; concurrent callers share one write). BLOCKING.
    void record(const CallOutcome& outcome);

    void record_fallback(const std::string& from, const std::string& to,
                         const std::string& reason_code, const std::string& message);

    // POST /governance/limits. `scope`: "global", a provider name or "provider:<name>". A value
    // not given keeps the current one. 400 unknown_scope, 400 soft_above_hard; 500 storage_error
    // (nothing changed). BLOCKING (writes the file).
    Result<CostLimit> set_cost_limit(const std::string& scope, std::optional<double> soft,
                                     std::optional<double> hard);
    Result<RateLimit> set_rate_limit(const std::string& scope, std::optional<std::int64_t> rpm,
                                     std::optional<std::int64_t> tpm);
    // Usage of one scope, or of all (nullopt) back to zero. BLOCKING.
    Result<void> reset_usage(const std::optional<std::string>& scope);

    GovernanceSnapshot snapshot() const;
    ProviderMetrics metrics(const std::string& provider) const;  // zero when never called
    std::map<std::string, ProviderMetrics> all_metrics() const;

    // "configured" or "missing_credentials", and "***" plus the key's last 4 characters when it
    // is long enough that they give nothing away (never more).
    std::string credential_status(const std::string& provider) const;
    std::optional<std::string> key_hint(const std::string& provider) const;

    const std::vector<Runtime>& fallback_order() const { return options_.fallback_order; }
    bool fallback_from_local() const { return options_.fallback_from_local; }
    const PriceTable& prices() const { return options_.prices; }

    // "global" -> "global"; "openai" or "provider:openai" -> "provider:openai"; else nullopt.
    static std::optional<std::string> scope_key(const std::string& scope);

private:
    const std::optional<std::string>* key_of(const std::string& provider) const;
    struct Bucket {
        double requests = 0;
        double tokens = 0;
        TimePoint refilled{};
        bool started = false;
    };
    void roll_window_locked();
    CostLimit cost_limit_locked(const std::string& scope) const;
    static Bucket refilled(const Bucket& bucket, const RateLimit& limit, TimePoint now);
    Bucket& refill_locked(const std::string& scope, const RateLimit& limit);
    std::string serialize_locked() const;
    void persist();
    // Runs `change` under the state lock and writes the file; `undo` when the write fails.
    Result<void> change_durably(const std::function<Result<void>()>& change,
                                const std::function<void()>& undo);

    Options options_;
    const Clock& clock_;
    mutable std::mutex mutex_;  // guards what follows
    std::string window_;
    std::map<std::string, CostLimit> cost_limits_;
    std::map<std::string, RateLimit> rate_limits_;
    std::map<std::string, ScopeUsage> usage_;
    std::map<std::string, Bucket> buckets_;
    std::vector<FallbackEvent> fallbacks_;
    std::vector<GovernanceWarning> warnings_;
    std::map<std::string, std::uint64_t> refusals_;
    std::map<std::string, std::uint64_t> fallback_counts_;
    std::map<std::string, ProviderMetrics> metrics_;

    std::mutex write_mutex_;  // one writer of the file at a time
    std::atomic<bool> dirty_{false};
};

}  // namespace venom::governance

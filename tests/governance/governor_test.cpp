// The governor's rules without HTTP (issue 13): budgets and rate buckets refuse before a call,
// usage comes from what the upstream reported (or the estimate), the month window, persistence,
// prices by the longest model prefix, and percentiles from the fixed-memory histogram.
#include "governance/governor.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "governance/latency_histogram.hpp"
#include "governance/price_table.hpp"
#include "support/temp_dir.hpp"

namespace venom::governance {
namespace {

using namespace std::chrono_literals;
using venom::testing::TempDir;

PriceTable prices() {
    auto table = PriceTable::parse(R"({"providers": {
        "openai": {"default": {"input": 10, "output": 30},
                   "models": {"gpt-4o": {"input": 2.5, "output": 10},
                              "gpt-4o-mini": {"input": 0.15, "output": 0.6}}},
        "ollama": {"default": {"input": 0, "output": 0}}}})");
    EXPECT_TRUE(table.ok());
    return table.value();
}

Governor::Options options(const std::filesystem::path& file = {}) {
    Governor::Options o;
    o.file = file;
    o.prices = prices();
    return o;
}

CallOutcome success(const std::string& provider, const std::string& model, CallEstimate estimate,
                    std::optional<std::int64_t> in, std::optional<std::int64_t> out) {
    CallOutcome o;
    o.provider = provider;
    o.model = model;
    o.ok = true;
    o.latency = 100ms;
    o.tokens_in = in;
    o.tokens_out = out;
    o.estimate = estimate;
    return o;
}

TEST(PriceTableTest, TheLongestModelPrefixWinsAndUnknownProvidersAreFree) {
    const PriceTable table = prices();
    EXPECT_DOUBLE_EQ(table.price("openai", "gpt-4o-mini-2024-07-18").input_per_million, 0.15);
    EXPECT_DOUBLE_EQ(table.price("openai", "gpt-4o-2024-08-06").input_per_million, 2.5);
    EXPECT_DOUBLE_EQ(table.price("openai", "o3").output_per_million, 30);  // the default
    EXPECT_DOUBLE_EQ(table.cost_usd("openai", "gpt-4o", 1'000'000, 1'000'000), 12.5);
    EXPECT_DOUBLE_EQ(table.cost_usd("vllm", "anything", 1'000'000, 1'000'000), 0);
}

TEST(PriceTableTest, AMalformedTableIsRefusedWithTheReason) {
    EXPECT_FALSE(PriceTable::parse("[]").ok());
    auto negative = PriceTable::parse(R"({"providers": {"openai": {"default": {"input": -1}}}})");
    ASSERT_FALSE(negative.ok());
    EXPECT_NE(negative.error().message.find("providers.openai.default.input"), std::string::npos);
    EXPECT_FALSE(PriceTable::parse(R"({"providers": {"openai": {"models": []}}})").ok());
}

TEST(PriceTableTest, TheShippedTableParses) {
    auto table = PriceTable::load(std::filesystem::path(VENOM_SOURCE_DIR) / "config/pricing.json");
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_GT(table->price("openai", "gpt-4o-mini").input_per_million, 0);
    EXPECT_GT(table->price("google", "gemini-2.5-flash").output_per_million, 0);
    EXPECT_EQ(table->cost_usd("ollama", "llama3", 1000, 1000), 0);
}

TEST(LatencyHistogramTest, PercentilesOfAKnownDistributionAreWithinTwoPercent) {
    LatencyHistogram h;
    EXPECT_FALSE(h.percentile_ms(50).has_value());
    // 90 calls of 50 ms, 9 of 200 ms, one of 1 s.
    for (int i = 0; i < 90; ++i) h.record(50ms);
    for (int i = 0; i < 9; ++i) h.record(200ms);
    h.record(1000ms);
    EXPECT_NEAR(*h.percentile_ms(50), 50, 1);
    EXPECT_NEAR(*h.percentile_ms(90), 50, 1);
    EXPECT_NEAR(*h.percentile_ms(95), 200, 4);
    EXPECT_NEAR(*h.percentile_ms(99), 200, 4);
    EXPECT_NEAR(*h.percentile_ms(100), 1000, 20);
    EXPECT_EQ(h.count(), 100u);
    EXPECT_NEAR(h.sum_seconds(), 90 * 0.05 + 9 * 0.2 + 1, 1e-9);
    // Prometheus' cumulative buckets: 90 at <= 0.05 s, 99 at <= 0.25 s, 100 at <= 1 s.
    const auto& bounds = LatencyHistogram::prometheus_bounds();
    const auto counts = h.cumulative_prometheus_counts();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (bounds[i] == 0.05) {
            EXPECT_EQ(counts[i], 90u);
        }
        if (bounds[i] == 0.25) {
            EXPECT_EQ(counts[i], 99u);
        }
        if (bounds[i] == 1) {
            EXPECT_EQ(counts[i], 100u);
        }
    }
}

TEST(LatencyHistogramTest, MemoryDoesNotGrowWithTraffic) {
    LatencyHistogram h;
    for (int i = 0; i < 200000; ++i) h.record(std::chrono::microseconds(i * 25));  // 0..5 s
    EXPECT_EQ(h.count(), 200000u);
    EXPECT_LE(sizeof(LatencyHistogram), 9000u);  // the buckets, a fixed array
    EXPECT_NEAR(*h.percentile_ms(50), 2500, 60);
}

TEST(GovernorTest, AHardLimitRefusesBeforeTheCallAndNothingIsCharged) {
    FakeClock clock;
    Governor governor(options(), clock);
    ASSERT_TRUE(governor.set_cost_limit("openai", 0.5, 1.0).ok());
    // gpt-4o: 100k in + 100k out = 0.25 + 1.0 = $1.25 > $1 hard.
    auto refused = governor.admit("openai", "gpt-4o", 100'000, 100'000);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 402);
    EXPECT_EQ(refused.error().code, "provider_budget_exceeded");
    EXPECT_EQ(governor.snapshot().usage.count("provider:openai"), 0u);
    EXPECT_EQ(governor.snapshot().refusals.at("provider_budget_exceeded"), 1u);
    // A local runtime costs nothing: never refused by a budget.
    EXPECT_TRUE(governor.admit("ollama", "llama3", 10'000, 10'000).ok());
}

TEST(GovernorTest, UsageComesFromTheReportedTokensElseTheEstimateAndSoftLimitsWarn) {
    FakeClock clock;
    Governor governor(options(), clock);
    ASSERT_TRUE(governor.set_cost_limit("openai", 0.002, 20).ok());
    auto admitted = governor.admit("openai", "gpt-4o-mini", 1000, 1000);
    ASSERT_TRUE(admitted.ok());
    governor.record(success("openai", "gpt-4o-mini", *admitted, 4000, 1000));
    auto s = governor.snapshot();
    const ScopeUsage& u = s.usage.at("provider:openai");
    EXPECT_EQ(u.tokens_in, 4000);
    EXPECT_EQ(u.tokens_out, 1000);
    EXPECT_NEAR(u.cost_usd, (4000 * 0.15 + 1000 * 0.6) / 1e6, 1e-12);
    EXPECT_TRUE(s.warnings.empty());
    // No usage fields: the estimate counts, and the metrics say it was estimated.
    admitted = governor.admit("openai", "gpt-4o-mini", 3000, 2000);
    governor.record(success("openai", "gpt-4o-mini", *admitted, std::nullopt, std::nullopt));
    s = governor.snapshot();
    EXPECT_EQ(s.usage.at("global").tokens_in, 7000);
    EXPECT_EQ(governor.metrics("openai").estimated_usage_calls, 1u);
    ASSERT_EQ(s.warnings.size(), 1u);  // $0.0012 + $0.00165 crossed the $0.002 soft limit once
    EXPECT_EQ(s.warnings[0].scope, "provider:openai");
}

TEST(GovernorTest, TheRequestBucketRefusesWithRetryAfterAndRefillsWithTime) {
    FakeClock clock;
    Governor governor(options(), clock);
    ASSERT_TRUE(governor.set_rate_limit("global", 2, 100000).ok());
    EXPECT_TRUE(governor.admit("ollama", "m", 10, 10).ok());
    EXPECT_TRUE(governor.admit("ollama", "m", 10, 10).ok());
    auto refused = governor.admit("ollama", "m", 10, 10);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 429);
    EXPECT_EQ(refused.error().code, "rate_limit_requests_exceeded");
    ASSERT_TRUE(refused.error().retry_after_seconds.has_value());
    EXPECT_EQ(*refused.error().retry_after_seconds, 30);  // 2 a minute: one every 30 s
    clock.advance(29s);
    EXPECT_FALSE(governor.admit("ollama", "m", 10, 10).ok());
    clock.advance(2s);
    EXPECT_TRUE(governor.admit("ollama", "m", 10, 10).ok());
}

TEST(GovernorTest, TheTokenBucketCountsWhatTheCallReallyUsed) {
    FakeClock clock;
    Governor governor(options(), clock);
    ASSERT_TRUE(governor.set_rate_limit("openai", 100, 1000).ok());
    auto admitted = governor.admit("openai", "gpt-4o-mini", 100, 100);
    ASSERT_TRUE(admitted.ok());
    // It used 900, not the 200 estimated: 100 left this minute.
    governor.record(success("openai", "gpt-4o-mini", *admitted, 600, 300));
    auto refused = governor.admit("openai", "gpt-4o-mini", 100, 100);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "rate_limit_tokens_exceeded");
    EXPECT_TRUE(governor.admit("openai", "gpt-4o-mini", 50, 50).ok());
}

TEST(GovernorTest, UsageStartsAgainInANewMonthButLimitsStay) {
    FakeClock clock;  // 2027-01-15
    Governor governor(options(), clock);
    ASSERT_TRUE(governor.set_cost_limit("global", 1, 2).ok());
    ASSERT_TRUE(governor.set_rate_limit("global", 100, 10'000'000).ok());
    auto admitted = governor.admit("openai", "gpt-4o", 100'000, 100'000);
    ASSERT_TRUE(admitted.ok());
    governor.record(success("openai", "gpt-4o", *admitted, 100'000, 100'000));
    EXPECT_NEAR(governor.snapshot().usage.at("global").cost_usd, 1.25, 1e-9);
    EXPECT_FALSE(governor.admit("openai", "gpt-4o", 100'000, 100'000).ok());  // 2.50 > 2
    clock.advance(std::chrono::hours(24 * 31));
    const auto s = governor.snapshot();
    EXPECT_TRUE(s.usage.empty());
    EXPECT_DOUBLE_EQ(s.cost_limits.at("global").hard_usd, 2);
    EXPECT_TRUE(governor.admit("openai", "gpt-4o", 100'000, 100'000).ok());
}

TEST(GovernorTest, LimitsUsageAndFallbacksSurviveARestart) {
    TempDir dir;
    const auto file = dir.path() / "governance.json";
    FakeClock clock;
    {
        Governor governor(options(file), clock);
        ASSERT_TRUE(governor.set_cost_limit("google", 3, 7).ok());
        ASSERT_TRUE(governor.set_rate_limit("global", 42, 4200).ok());
        auto admitted = governor.admit("openai", "gpt-4o", 1000, 1000);
        governor.record(success("openai", "gpt-4o", *admitted, 1000, 2000));
        governor.record_fallback("openai", "ollama", "FALLBACK_TIMEOUT", "timed out");
    }
    Governor again(options(file), clock);
    EXPECT_EQ(again.load(), std::nullopt);
    const auto s = again.snapshot();
    EXPECT_DOUBLE_EQ(s.cost_limits.at("provider:google").hard_usd, 7);
    EXPECT_EQ(s.rate_limits.at("global").requests_per_minute, 42);
    EXPECT_EQ(s.usage.at("provider:openai").tokens_out, 2000);
    ASSERT_EQ(s.recent_fallbacks.size(), 1u);
    EXPECT_EQ(s.recent_fallbacks[0].reason_code, "FALLBACK_TIMEOUT");
}

TEST(GovernorTest, ADamagedFileIsAWarningAndTheDefaultsApply) {
    TempDir dir;
    const auto file = dir.path() / "governance.json";
    std::ofstream(file) << "{\"version\": 1, \"limits\": [";
    FakeClock clock;
    Governor governor(options(file), clock);
    auto warning = governor.load();
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("damaged"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "governance.json.corrupt"));
    EXPECT_DOUBLE_EQ(governor.snapshot().cost_limits.at("global").hard_usd, 50);
}

TEST(GovernorTest, BadLimitsChangeNothing) {
    FakeClock clock;
    Governor governor(options(), clock);
    auto inverted = governor.set_cost_limit("global", 60, std::nullopt);  // soft 60 > hard 50
    ASSERT_FALSE(inverted.ok());
    EXPECT_EQ(inverted.error().code, "soft_above_hard");
    EXPECT_FALSE(governor.set_cost_limit("azure", 1, 2).ok());
    const auto s = governor.snapshot();
    EXPECT_DOUBLE_EQ(s.cost_limits.at("global").soft_usd, 10);
    EXPECT_EQ(s.cost_limits.count("provider:azure"), 0u);
}

TEST(GovernorTest, KeysAreShownAsTheirLastFourCharactersAtMost) {
    FakeClock clock;
    Governor::Options o = options();
    o.openai_api_key = "sk-proj-abcdefghijklmnopWXYZ";
    o.google_api_key = "short-key";
    Governor governor(o, clock);
    EXPECT_EQ(governor.key_hint("openai"), "***WXYZ");
    EXPECT_EQ(governor.key_hint("google"), "***");
    EXPECT_EQ(governor.credential_status("google"), "configured");
    Governor none(options(), clock);
    EXPECT_EQ(none.credential_status("openai"), "missing_credentials");
    EXPECT_EQ(none.key_hint("openai"), std::nullopt);
}

// Translation workers record side by side: every call counts once, and the file written last
// holds everything recorded (writers that find the file busy leave their change to the holder).
TEST(GovernorTest, ConcurrentRecordsAreAllCountedAndTheFileEndsUpToDate) {
    TempDir dir;
    const auto file = dir.path() / "governance.json";
    FakeClock clock;
    Governor governor(options(file), clock);
    ASSERT_TRUE(governor.set_rate_limit("global", 1'000'000, 1'000'000'000).ok());
    constexpr int kThreads = 8;
    constexpr int kCalls = 50;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&governor] {
            for (int i = 0; i < kCalls; ++i) {
                auto admitted = governor.admit("openai", "gpt-4o-mini", 10, 10);
                ASSERT_TRUE(admitted.ok());
                governor.record(success("openai", "gpt-4o-mini", *admitted, 7, 3));
            }
        });
    }
    // Limits change meanwhile: a writer of limits and the recorders share the file's lock
    // (a lock-order inversion here deadlocked, and ThreadSanitizer reports one).
    threads.emplace_back([&governor] {
        for (int i = 1; i <= kCalls; ++i) {
            ASSERT_TRUE(governor.set_cost_limit("google", 1, 1 + i).ok());
        }
    });
    for (auto& t : threads) t.join();
    EXPECT_DOUBLE_EQ(governor.snapshot().cost_limits.at("provider:google").hard_usd, 1 + kCalls);
    const auto usage = governor.snapshot().usage.at("provider:openai");
    EXPECT_EQ(usage.requests, static_cast<std::uint64_t>(kThreads * kCalls));
    EXPECT_EQ(usage.tokens_in, 7 * kThreads * kCalls);
    EXPECT_EQ(governor.metrics("openai").total, static_cast<std::uint64_t>(kThreads * kCalls));
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const auto saved = nlohmann::json::parse(text.str());
    EXPECT_EQ(saved["usage"]["provider:openai"]["requests"], kThreads * kCalls);
}

}  // namespace
}  // namespace venom::governance

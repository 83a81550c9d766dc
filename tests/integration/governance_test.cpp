// Governance and observability over HTTP (issue 13), against the fake runtimes: limits refuse
// before any upstream call, usage comes from the upstream's own usage fields, soft limits warn,
// translation falls back for each reason, provider metrics move with traffic (percentiles from a
// fake with fixed delays), limits and usage survive a restart, GET /metrics parses as strict
// Prometheus text, and no key ever appears in an answer or a log line.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "fakes/fake_gemini.hpp"
#include "fakes/fake_ollama.hpp"
#include "fakes/fake_openai.hpp"
#include "integration/daemon_harness.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class GovernanceTest : public ::testing::Test {
protected:
    GovernanceTest() { ollama_.add_model(FakeOllamaModel::llama3()); }

    // `runtime` with `model` active; Ollama's llama3 as the model it last ran, so a fallback to
    // it has a model.
    void activate(const std::string& runtime, const std::string& model) {
        json state = {{"active_runtime", runtime},
                      {"active_model", model},
                      {"last_model", {{"ollama", "llama3:latest"}, {runtime, model}}}};
        std::ofstream(dir_.path() / "runtime.json") << state.dump();
    }

    void start(const std::function<void(Config&)>& more = {}) {
        daemon_ = std::make_unique<TestDaemon>(
            [&, more](Config& c) {
                c.ollama_host = ollama_.base_url();
                c.openai_base_url = openai_.api_url();
                c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey);
                c.gemini_base_url = gemini_.base_url();
                c.google_api_key = std::string(FakeGemini::kDefaultApiKey);
                c.translation_timeout_seconds = 2;
                c.pricing_file = std::filesystem::path(VENOM_SOURCE_DIR) / "config/pricing.json";
                if (more) more(c);
            },
            Daemon::Ports{}, dir_.path());
        daemon_->start();
    }
    void restart() {
        daemon_->stop();
        daemon_.reset();
        start();
    }

    HttpResult translate(const std::string& text) {
        return daemon_->post("/api/v1/translate",
                             json{{"text", text}, {"target_lang", "pl"}}.dump());
    }
    HttpResult set_limit(const json& body) {
        return daemon_->post("/api/v1/governance/limits", body.dump());
    }
    // A hard limit any call passes: $0.0000002 for OpenAI.
    void set_tiny_openai_budget() {
        auto r = set_limit({{"limit_type", "cost"},
                            {"scope", "openai"},
                            {"soft_limit_usd", 0.0000001},
                            {"hard_limit_usd", 0.0000002}});
        ASSERT_EQ(r.status, 200) << r.body;
    }
    json status() {
        auto r = daemon_->get("/api/v1/governance/status");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }

    TempDir dir_;
    FakeOllama ollama_;
    FakeOpenAi openai_;
    FakeGemini gemini_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(GovernanceTest, ARateLimitRefusesBeforeTheUpstreamIsCalled) {
    activate("openai", "gpt-4o-mini");
    start([](Config& c) { c.fallback_order = {}; });
    auto r =
        set_limit({{"limit_type", "rate"}, {"scope", "global"}, {"max_requests_per_minute", 2}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["limit"]["max_requests_per_minute"], 2);
    ASSERT_EQ(translate("First text.").status, 200);
    ASSERT_EQ(translate("Second text.").status, 200);
    auto refused = translate("Third text.");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_EQ(refused.json()["code"], "rate_limit_requests_exceeded");
    EXPECT_EQ(refused.headers["retry-after"], "30");
    EXPECT_EQ(openai_.chat_requests().size(), 2u);  // the third never left venomd
    const json s = status();
    EXPECT_EQ(s["rate_limits"]["global"]["current_requests"], 2);
    EXPECT_EQ(s["refusals"]["rate_limit_requests_exceeded"], 1);
}

TEST_F(GovernanceTest, AHardBudgetRefusesBeforeTheUpstreamIsCalled) {
    activate("openai", "gpt-4o-mini");
    start([](Config& c) { c.fallback_order = {}; });
    set_tiny_openai_budget();
    auto refused = translate("Any text at all costs more than that.");
    EXPECT_EQ(refused.status, 402) << refused.body;
    EXPECT_EQ(refused.json()["code"], "provider_budget_exceeded");
    EXPECT_EQ(openai_.chat_requests().size(), 0u);
}

TEST_F(GovernanceTest, UsageAccumulatesFromTheUpstreamsUsageFieldsAtTheTablesPrices) {
    activate("openai", "gpt-4o-mini");
    start();
    for (const char* text : {"One short text.", "Another, somewhat longer text to translate."}) {
        ASSERT_EQ(translate(text).status, 200);
    }
    const auto [prompt, completion] = openai_.usage_reported();
    ASSERT_GT(prompt, 0u);
    const json usage = status()["usage"]["provider:openai"];
    EXPECT_EQ(usage["tokens_in"], prompt);
    EXPECT_EQ(usage["tokens_out"], completion);
    EXPECT_EQ(usage["requests"], 2);
    // config/pricing.json: gpt-4o-mini $0.15 in, $0.60 out per million.
    const double expected = (static_cast<double>(prompt) * 0.15 + completion * 0.60) / 1e6;
    EXPECT_NEAR(usage["cost_usd"].get<double>(), expected, 1e-6);
    const json metrics = daemon_->get("/api/v1/providers/openai/metrics").json()["metrics"];
    EXPECT_EQ(metrics["cost"]["total_tokens"], prompt + completion);
    EXPECT_EQ(metrics["cost"]["estimated_usage_requests"], 0);
}

TEST_F(GovernanceTest, CrossingASoftLimitLetsTheCallThroughAndWarns) {
    activate("openai", "gpt-4o-mini");
    start();
    ASSERT_EQ(set_limit({{"limit_type", "cost"},
                         {"scope", "openai"},
                         {"soft_limit_usd", 0.0000001},
                         {"hard_limit_usd", 5}})
                  .status,
              200);
    ASSERT_EQ(translate("Over the soft limit but under the hard one.").status, 200);
    const json s = status();
    ASSERT_EQ(s["warnings"].size(), 1u) << s.dump();
    EXPECT_EQ(s["warnings"][0]["scope"], "provider:openai");
    EXPECT_NE(s["warnings"][0]["message"].get<std::string>().find("Soft limit"), std::string::npos);
    EXPECT_EQ(openai_.chat_requests().size(), 1u);
}

// Each reason the active cloud runtime cannot serve moves the translation to Ollama (the next of
// fallback_order with a model), and the event is in recent_fallbacks.
void expect_fell_back(const HttpResult& r, const json& status, const std::string& reason) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["runtime"], "ollama");
    EXPECT_EQ(r.json()["model"], "llama3:latest");
    EXPECT_EQ(r.json()["fallback"]["from_runtime"], "openai");
    EXPECT_EQ(r.json()["fallback"]["reason_code"], reason);
    ASSERT_GE(status["recent_fallbacks"].size(), 1u) << status.dump();
    const json& event = status["recent_fallbacks"][0];
    EXPECT_EQ(event["from_provider"], "openai");
    EXPECT_EQ(event["to_provider"], "ollama");
    EXPECT_EQ(event["reason_code"], reason);
}

TEST_F(GovernanceTest, ARateLimitedProviderFallsBack) {
    activate("openai", "gpt-4o-mini");
    start();
    openai_.fail_next(OpenAiFault::rate_limited);
    auto r = translate("Rate limited upstream.");
    expect_fell_back(r, status(), "FALLBACK_RATE_LIMIT");
    EXPECT_EQ(r.json()["translated_text"], "Echo: Rate limited upstream.");
    EXPECT_EQ(ollama_.chat_requests().size(), 1u);
}

TEST_F(GovernanceTest, ARejectedKeyFallsBack) {
    activate("openai", "gpt-4o-mini");
    openai_.set_api_key("sk-proj-theServiceKnowsAnotherKey0000");
    start();
    auto r = translate("Wrong key.");
    expect_fell_back(r, status(), "FALLBACK_AUTH_ERROR");
}

TEST_F(GovernanceTest, ATimeoutFallsBack) {
    activate("openai", "gpt-4o-mini");
    start([](Config& c) { c.translation_timeout_seconds = 1; });
    openai_.cut_next(OpenAiCut::stall);
    auto r = translate("Stalled upstream.");
    expect_fell_back(r, status(), "FALLBACK_TIMEOUT");
}

TEST_F(GovernanceTest, AnExhaustedBudgetFallsBackWithoutCallingTheProvider) {
    activate("openai", "gpt-4o-mini");
    start();
    set_tiny_openai_budget();
    auto r = translate("Over budget.");
    expect_fell_back(r, status(), "FALLBACK_BUDGET_EXCEEDED");
    EXPECT_EQ(openai_.chat_requests().size(), 0u);
}

TEST_F(GovernanceTest, AFailingProviderFallsBack) {
    activate("openai", "gpt-4o-mini");
    start();
    openai_.fail_next(OpenAiFault::server_error);
    auto r = translate("Broken upstream.");
    expect_fell_back(r, status(), "FALLBACK_PROVIDER_ERROR");
}

TEST_F(GovernanceTest, ALocalRuntimeDoesNotFallBackUnlessConfigured) {
    std::ofstream(dir_.path() / "runtime.json")
        << json{{"active_runtime", "ollama"},
                {"active_model", "llama3:latest"},
                {"last_model", {{"openai", "gpt-4o-mini"}, {"ollama", "llama3:latest"}}}}
               .dump();
    start();
    ollama_.fail_next_chat(OllamaChatFault::server_error);
    auto r = translate("Local failure.");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_TRUE(status()["recent_fallbacks"].empty());
    EXPECT_EQ(openai_.chat_requests().size(), 0u);

    daemon_->stop();
    daemon_.reset();
    start([](Config& c) { c.fallback_from_local = true; });
    ollama_.fail_next_chat(OllamaChatFault::server_error);
    auto moved = translate("Local failure, configured to fall back.");
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(moved.json()["runtime"], "openai");
    EXPECT_EQ(moved.json()["fallback"]["reason_code"], "FALLBACK_PROVIDER_ERROR");
}

TEST_F(GovernanceTest, MetricsMoveWithTrafficAndPercentilesMatchTheFakesDelays) {
    activate("openai", "gpt-4o-mini");
    start([](Config& c) { c.fallback_order = {}; });
    // 19 answers after 60 ms, one after 250 ms, one failure: p50 and p95 are 60 ms, p99 250 ms.
    openai_.set_reply_delay(60ms);
    for (int i = 0; i < 19; ++i) {
        ASSERT_EQ(translate("Text number " + std::to_string(i) + ".").status, 200);
    }
    openai_.set_reply_delay(250ms);
    ASSERT_EQ(translate("The slow one.").status, 200);
    openai_.fail_next(OpenAiFault::server_error);
    EXPECT_EQ(translate("This one fails.").status, 502);

    auto r = daemon_->get("/api/v1/providers/openai/metrics");
    ASSERT_EQ(r.status, 200) << r.body;
    const json m = r.json()["metrics"];
    EXPECT_EQ(m["total_requests"], 21);
    EXPECT_EQ(m["successful_requests"], 20);
    EXPECT_EQ(m["failed_requests"], 1);
    EXPECT_EQ(m["errors"]["by_code"]["http_500"], 1);
    EXPECT_NEAR(m["success_rate"].get<double>(), 95.24, 0.01);
    // Latency is the fake's delay plus loopback and parsing: bounded below by the delay, above
    // generously (sanitizer builds are slow).
    const double p50 = m["latency"]["p50_ms"];
    const double p99 = m["latency"]["p99_ms"];
    EXPECT_GE(p50, 60 * 0.98);
    EXPECT_LT(p50, 150);
    EXPECT_GE(p99, 250 * 0.98);
    EXPECT_LT(p99, 400);
    EXPECT_EQ(m["latency"]["samples"], 21);

    auto health = daemon_->get("/api/v1/providers/openai/health").json()["health"];
    // One failure in 21: availability 95.2 % < 99 % and error rate 4.8 % > 1 %: 100 - 30 - 25.
    EXPECT_EQ(health["health_score"], 45);
    EXPECT_EQ(health["health_status"], "critical");
    EXPECT_EQ(health["slo_breaches"].size(), 2u);
}

TEST_F(GovernanceTest, LimitsAndUsageSurviveARestart) {
    activate("openai", "gpt-4o-mini");
    start();
    ASSERT_EQ(set_limit({{"limit_type", "cost"},
                         {"scope", "global"},
                         {"soft_limit_usd", 7},
                         {"hard_limit_usd", 9}})
                  .status,
              200);
    ASSERT_EQ(
        set_limit({{"limit_type", "rate"}, {"scope", "openai"}, {"max_tokens_per_minute", 5000}})
            .status,
        200);
    ASSERT_EQ(translate("Spend a little.").status, 200);
    const json before = status();
    restart();
    const json after = status();
    EXPECT_EQ(after["cost_limits"]["global"]["hard_limit_usd"], 9);
    EXPECT_EQ(after["rate_limits"]["provider:openai"]["max_tokens_per_minute"], 5000);
    EXPECT_EQ(after["rate_limits"]["provider:openai"]["max_requests_per_minute"], 100);
    EXPECT_EQ(after["usage"], before["usage"]);
    EXPECT_EQ(after["usage"]["global"]["requests"], 1);

    // reset-usage empties the usage, durably too.
    auto reset = daemon_->post("/api/v1/governance/reset-usage?scope=openai", "");
    ASSERT_EQ(reset.status, 200) << reset.body;
    restart();
    EXPECT_FALSE(status()["usage"].contains("provider:openai"));
    EXPECT_TRUE(status()["usage"].contains("global"));
}

TEST_F(GovernanceTest, BadRequestsGetClearErrorsAndChangeNothing) {
    start();
    const json before = daemon_->get("/api/v1/governance/limits").json();
    auto expect = [&](const json& body, int status, const std::string& code) {
        auto r = set_limit(body);
        EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body;
        if (r.status == status) {
            EXPECT_EQ(r.json()["code"], code) << body.dump();
        }
    };
    expect({{"limit_type", "cost"}, {"scope", "global"}, {"soft_limit_usd", 0}}, 422,
           "invalid_field");
    expect({{"limit_type", "cost"}, {"scope", "global"}, {"hard_limit_usd", -5}}, 422,
           "invalid_field");
    expect({{"limit_type", "rate"}, {"scope", "global"}, {"max_requests_per_minute", 0}}, 422,
           "invalid_field");
    expect({{"limit_type", "rate"}, {"scope", "global"}, {"max_tokens_per_minute", 1.5}}, 422,
           "invalid_field");
    expect({{"limit_type", "cost"}, {"scope", "global"}, {"soft_limit_usd", 80}}, 400,
           "soft_above_hard");
    expect({{"limit_type", "quota"}, {"scope", "global"}}, 400, "invalid_limit_type");
    expect({{"limit_type", "cost"}, {"scope", "azure"}}, 400, "unknown_scope");
    expect({{"scope", "global"}}, 422, "missing_field");
    expect({{"limit_type", 1}, {"scope", "global"}}, 422, "invalid_field");
    EXPECT_EQ(daemon_->get("/api/v1/governance/limits").json(), before);

    EXPECT_EQ(daemon_->get("/api/v1/providers/azure/metrics").status, 404);
    EXPECT_EQ(daemon_->get("/api/v1/providers/azure/health").status, 404);
    EXPECT_EQ(daemon_->get("/api/v1/governance/providers/azure/credentials").status, 404);
    EXPECT_EQ(daemon_->post("/api/v1/governance/reset-usage?scope=azure", "").status, 400);
    auto unknown = daemon_->get("/api/v1/providers/azure/metrics");
    EXPECT_EQ(unknown.json()["code"], "unknown_provider");
}

TEST_F(GovernanceTest, ProvidersListTheirTypesAndCredentialsWithoutKeys) {
    activate("openai", "gpt-4o-mini");
    start([](Config& c) { c.google_api_key.reset(); });
    auto list = daemon_->get("/api/v1/providers");
    ASSERT_EQ(list.status, 200) << list.body;
    std::map<std::string, json> by_name;
    const json body = list.json();
    for (const auto& p : body["providers"]) by_name[p["name"]] = p;
    EXPECT_EQ(by_name.size(), 5u);
    EXPECT_EQ(by_name["openai"]["is_active"], true);
    EXPECT_EQ(by_name["openai"]["provider_type"], "cloud_provider");
    EXPECT_EQ(by_name["google"]["credential_status"], "missing_credentials");
    auto credentials = daemon_->get("/api/v1/governance/providers/openai/credentials").json();
    EXPECT_EQ(credentials["credential_status"], "configured");
    EXPECT_EQ(credentials["key_hint"], "***WXYZ");
}

// A strict reader of the Prometheus text format (exposition format 0.0.4): every line is a
// HELP, a TYPE or a sample of a family whose TYPE came first; names and label names are valid,
// label values are quoted with only \\, \" and \n escapes, values are numbers; no series twice;
// each histogram's buckets are cumulative, end at +Inf and equal its _count.
struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

std::vector<Sample> parse_prometheus(const std::string& text) {
    static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static const std::regex label_re("[a-zA-Z_][a-zA-Z0-9_]*");
    std::map<std::string, std::string> types;
    std::set<std::string> seen;
    std::vector<Sample> samples;
    std::size_t start = 0;
    EXPECT_TRUE(!text.empty() && text.back() == '\n') << "the text must end with a line feed";
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.rfind("# ", 0) == 0) {
            std::istringstream words(line.substr(2));
            std::string kind, name, type;
            words >> kind >> name;
            EXPECT_TRUE(std::regex_match(name, name_re)) << line;
            if (kind == "TYPE") {
                words >> type;
                EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
                EXPECT_EQ(types.count(name), 0u) << "TYPE twice: " << line;
                types[name] = type;
            } else {
                EXPECT_EQ(kind, "HELP") << line;
            }
            continue;
        }
        Sample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        s.name = line.substr(0, i);
        EXPECT_TRUE(std::regex_match(s.name, name_re)) << line;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const std::size_t eq = line.find('=', i);
                EXPECT_NE(eq, std::string::npos) << line;
                if (eq == std::string::npos) return samples;
                const std::string label = line.substr(i, eq - i);
                EXPECT_TRUE(std::regex_match(label, label_re)) << line;
                EXPECT_EQ(line[eq + 1], '"') << line;
                std::string value;
                std::size_t j = eq + 2;
                for (; j < line.size() && line[j] != '"'; ++j) {
                    if (line[j] == '\\') {
                        ++j;
                        EXPECT_TRUE(line[j] == '\\' || line[j] == '"' || line[j] == 'n') << line;
                        value += line[j] == 'n' ? '\n' : line[j];
                    } else {
                        value += line[j];
                    }
                }
                EXPECT_EQ(s.labels.count(label), 0u) << line;
                s.labels[label] = value;
                i = j + 1;
                if (i < line.size() && line[i] == ',') ++i;
            }
            ++i;
        }
        EXPECT_EQ(line[i], ' ') << line;
        const std::string value = line.substr(i + 1);
        if (value == "+Inf" || value == "-Inf" || value == "NaN") {
            s.value = value == "NaN" ? 0 : (value == "+Inf" ? 1e308 : -1e308);
        } else {
            std::size_t used = 0;
            s.value = std::stod(value, &used);
            EXPECT_EQ(used, value.size()) << line;
        }
        std::string family = s.name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            const std::string sfx = suffix;
            if (!types.count(family) && family.size() > sfx.size() &&
                family.compare(family.size() - sfx.size(), sfx.size(), sfx) == 0 &&
                types.count(family.substr(0, family.size() - sfx.size())) &&
                types[family.substr(0, family.size() - sfx.size())] == "histogram") {
                family = family.substr(0, family.size() - sfx.size());
            }
        }
        EXPECT_TRUE(types.count(family)) << "no TYPE before " << line;
        std::string series = s.name;
        for (const auto& [k, v] : s.labels) series += "|" + k + "=" + v;
        EXPECT_TRUE(seen.insert(series).second) << "series twice: " << line;
        samples.push_back(std::move(s));
    }
    // Histograms: cumulative buckets, +Inf last and equal to _count.
    std::map<std::string, std::vector<const Sample*>> buckets;
    for (const auto& s : samples) {
        if (s.name.size() > 7 && s.name.compare(s.name.size() - 7, 7, "_bucket") == 0) {
            auto labels = s.labels;
            labels.erase("le");
            std::string key = s.name;
            for (const auto& [k, v] : labels) key += "|" + k + "=" + v;
            buckets[key].push_back(&s);
        }
    }
    for (const auto& [key, list] : buckets) {
        for (std::size_t i = 1; i < list.size(); ++i) {
            EXPECT_LE(list[i - 1]->value, list[i]->value) << key;
        }
        EXPECT_EQ(list.back()->labels.at("le"), "+Inf") << key;
    }
    return samples;
}

double value_of(const std::vector<Sample>& samples, const std::string& name,
                const std::map<std::string, std::string>& labels) {
    for (const auto& s : samples) {
        if (s.name == name && s.labels == labels) return s.value;
    }
    ADD_FAILURE() << "no sample " << name;
    return -1;
}

TEST_F(GovernanceTest, MetricsEndpointIsStrictPrometheusTextAndMovesWithTraffic) {
    activate("openai", "gpt-4o-mini");
    start();
    ASSERT_EQ(translate("Counted.").status, 200);
    EXPECT_EQ(daemon_->get("/api/v1/models/some-model-x/capabilities").status, 404);
    EXPECT_EQ(daemon_->get("/api/v1/models/other-model-y/capabilities").status, 404);
    EXPECT_EQ(daemon_->get("/api/v1/no/such/route").status, 404);
    auto r = daemon_->get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    const auto samples = parse_prometheus(r.body);
    // Per route template, never per raw path: the two model names are one series.
    EXPECT_EQ(
        value_of(
            samples, "venomd_http_requests_total",
            {{"method", "GET"}, {"route", "/api/v1/models/{name}/capabilities"}, {"code", "404"}}),
        2);
    EXPECT_EQ(r.body.find("some-model-x"), std::string::npos);
    EXPECT_EQ(value_of(samples, "venomd_http_requests_total",
                       {{"method", ""}, {"route", "unmatched"}, {"code", "404"}}),
              1);
    EXPECT_EQ(value_of(samples, "venomd_provider_requests_total",
                       {{"provider", "openai"}, {"outcome", "success"}}),
              1);
    EXPECT_EQ(value_of(samples, "venomd_provider_request_duration_seconds_count",
                       {{"provider", "openai"}}),
              1);
    EXPECT_GT(value_of(samples, "venomd_provider_tokens_total",
                       {{"provider", "openai"}, {"direction", "in"}}),
              0);
    EXPECT_EQ(value_of(samples, "venomd_cache_requests_total",
                       {{"cache", "translation"}, {"result", "miss"}}),
              1);
    EXPECT_GT(value_of(samples, "venomd_process_resident_memory_bytes", {}), 1e6);
    EXPECT_GT(value_of(samples, "venomd_process_open_fds", {}), 2);
    // A second scrape sees the first one counted.
    const auto again = parse_prometheus(daemon_->get("/metrics").body);
    EXPECT_EQ(value_of(again, "venomd_http_requests_total",
                       {{"method", "GET"}, {"route", "/metrics"}, {"code", "200"}}),
              1);
}

TEST_F(GovernanceTest, MetricsOffMeansNoPerRouteCounting) {
    start([](Config& c) { c.metrics = false; });
    ASSERT_EQ(daemon_->get("/api/v1/health").status, 200);
    auto r = daemon_->get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.find("venomd_http_requests_total"), std::string::npos);
    parse_prometheus(r.body);
}

// Issue 13, point 5: a whole run with keys set, every answer and every log line collected; no
// key appears anywhere, not even a long part of one.
TEST(GovernanceSecretsTest, NoKeyAppearsInAnyAnswerOrLogLine) {
    FakeOllama ollama;
    ollama.add_model(FakeOllamaModel::llama3());
    FakeOpenAi openai;
    FakeGemini gemini;
    TempDir dir;
    const std::string openai_key(FakeOpenAi::kDefaultApiKey);
    const std::string google_key(FakeGemini::kDefaultApiKey);
    std::ofstream(dir.path() / "runtime.json")
        << json{{"active_runtime", "openai"},
                {"active_model", "gpt-4o-mini"},
                {"last_model", {{"ollama", "llama3:latest"}, {"google", "gemini-2.5-flash"}}}}
               .dump();
    ChildDaemon child({"--port", "0", "--data-dir", dir.path().string(), "--log-level", "debug"},
                      {{"OPENAI_API_KEY", openai_key},
                       {"OPENAI_BASE_URL", openai.api_url()},
                       {"GOOGLE_API_KEY", google_key},
                       {"GEMINI_BASE_URL", gemini.base_url()},
                       {"OLLAMA_HOST", ollama.base_url()},
                       {"VENOM_PRICING_FILE",
                        (std::filesystem::path(VENOM_SOURCE_DIR) / "config/pricing.json").string()},
                       {"VENOM_TRANSLATION_TIMEOUT_SECONDS", "2"}});
    const int port = child.wait_for_port();
    ASSERT_GT(port, 0) << child.output();
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    std::string answers;
    auto get = [&](const std::string& path) {
        auto r = http_request("GET", base + path);
        answers += r.body + "\n";
        return r;
    };
    auto post = [&](const std::string& path, const json& body) {
        auto r = http_request("POST", base + path, body.dump(), {"Content-Type: application/json"});
        answers += r.body + "\n";
        return r;
    };
    EXPECT_EQ(
        post("/api/v1/translate", {{"text", "With the right key."}, {"target_lang", "pl"}}).status,
        200);
    openai.fail_next(OpenAiFault::rate_limited);
    EXPECT_EQ(post("/api/v1/translate", {{"text", "Rate limited."}, {"target_lang", "pl"}}).status,
              200);
    // The service stops knowing our key: 401 and a fallback to Ollama.
    openai.set_api_key("sk-proj-anotherKeyTheServiceWantsNow0000");
    EXPECT_EQ(post("/api/v1/translate", {{"text", "Refused key."}, {"target_lang", "pl"}}).status,
              200);
    for (const char* path :
         {"/api/v1/governance/status", "/api/v1/governance/limits", "/api/v1/providers",
          "/api/v1/providers/openai/metrics", "/api/v1/providers/google/health",
          "/api/v1/governance/providers/openai/credentials",
          "/api/v1/governance/providers/google/credentials", "/api/v1/health", "/metrics",
          "/api/v1/system/llm-runtime/active", "/api/v1/system/llm-runtime/options",
          "/api/v1/models/remote/providers", "/api/v1/models/remote/connectivity"}) {
        EXPECT_EQ(get(path).status, 200) << path;
    }
    child.signal(SIGTERM);
    EXPECT_EQ(child.wait_exit(), 0);
    const std::string logs = child.output();
    EXPECT_NE(logs.find("fallback"), std::string::npos) << "the run had its fallbacks";
    for (const std::string& key : {openai_key, google_key}) {
        // The key, and any 8 characters of it other than the last 4.
        for (std::size_t at = 0; at + 8 <= key.size() - 4; ++at) {
            const std::string part = key.substr(at, 8);
            EXPECT_EQ(answers.find(part), std::string::npos) << "answer shows " << part;
            EXPECT_EQ(logs.find(part), std::string::npos) << "log shows " << part;
        }
    }
    EXPECT_NE(answers.find("***WXYZ"), std::string::npos);  // the hint, and only it
}

}  // namespace
}  // namespace venom::testing

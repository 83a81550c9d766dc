#include "governance/governor.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "venom/durable_file.hpp"
#include "venom/logging.hpp"

namespace venom::governance {

namespace {

using nlohmann::json;

constexpr int kFileVersion = 1;

std::string dollars(double usd) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.2f", usd);
    return text;
}

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint from_ms(std::int64_t ms) {
    return TimePoint{
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms))};
}

double number_or(const json& doc, const char* key, double fallback) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

const std::vector<std::string>& known_providers() {
    static const std::vector<std::string> names{"huggingface", "ollama", "vllm", "openai",
                                                "google"};
    return names;
}

bool is_known_provider(const std::string& name) {
    const auto& names = known_providers();
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_cloud_provider(const std::string& name) {
    const std::optional<Runtime> runtime = parse_runtime(name);
    return runtime && !is_local(*runtime);
}

Governor::Governor(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
    window_ = format_utc_month(clock_.now());
    cost_limits_["global"] = kGlobalCost;
    rate_limits_["global"] = kGlobalRate;
}

std::optional<std::string> Governor::scope_key(const std::string& scope) {
    if (scope == "global") return scope;
    std::string name = scope.rfind("provider:", 0) == 0 ? scope.substr(9) : scope;
    if (!is_known_provider(name)) return std::nullopt;
    return "provider:" + name;
}

std::optional<std::string> Governor::load() {
    if (options_.file.empty()) return std::nullopt;
    remove_stale_temp_files(options_.file);
    std::ifstream in(options_.file, std::ios::binary);
    if (!in) return std::nullopt;  // first start
    std::ostringstream text;
    text << in.rdbuf();
    const json doc = json::parse(text.str(), nullptr, false);
    auto damaged = [&](const std::string& why) -> std::optional<std::string> {
        std::error_code ec;
        std::filesystem::copy_file(options_.file, options_.file.string() + ".corrupt",
                                   std::filesystem::copy_options::overwrite_existing, ec);
        return options_.file.string() + " " + why +
               "; governance starts from the default limits (the file was copied to .corrupt)";
    };
    if (!doc.is_object() || doc.value("version", 0) != kFileVersion) {
        return damaged("is damaged or of another version");
    }
    std::lock_guard lock(mutex_);
    const json& limits = doc.contains("limits") ? doc["limits"] : json::object();
    if (limits.contains("cost") && limits["cost"].is_object()) {
        for (const auto& [scope, row] : limits["cost"].items()) {
            if (!scope_key(scope) || !row.is_object()) continue;
            CostLimit l{number_or(row, "soft_limit_usd", 0), number_or(row, "hard_limit_usd", 0)};
            if (l.soft_usd > 0 && l.hard_usd >= l.soft_usd) cost_limits_[scope] = l;
        }
    }
    if (limits.contains("rate") && limits["rate"].is_object()) {
        for (const auto& [scope, row] : limits["rate"].items()) {
            if (!scope_key(scope) || !row.is_object()) continue;
            RateLimit l{static_cast<std::int64_t>(number_or(row, "max_requests_per_minute", 0)),
                        static_cast<std::int64_t>(number_or(row, "max_tokens_per_minute", 0))};
            if (l.requests_per_minute > 0 && l.tokens_per_minute > 0) rate_limits_[scope] = l;
        }
    }
    // Usage counts only inside its window: last month's spending does not limit this month.
    if (doc.value("window", std::string()) == window_ && doc.contains("usage") &&
        doc["usage"].is_object()) {
        for (const auto& [scope, row] : doc["usage"].items()) {
            if (!scope_key(scope) || !row.is_object()) continue;
            ScopeUsage u;
            u.cost_usd = number_or(row, "cost_usd", 0);
            u.tokens_in = static_cast<std::int64_t>(number_or(row, "tokens_in", 0));
            u.tokens_out = static_cast<std::int64_t>(number_or(row, "tokens_out", 0));
            u.requests = static_cast<std::uint64_t>(number_or(row, "requests", 0));
            usage_[scope] = u;
        }
    }
    if (doc.contains("recent_fallbacks") && doc["recent_fallbacks"].is_array()) {
        for (const auto& row : doc["recent_fallbacks"]) {
            if (!row.is_object()) continue;
            fallbacks_.push_back({from_ms(static_cast<std::int64_t>(number_or(row, "at_ms", 0))),
                                  row.value("from", ""), row.value("to", ""),
                                  row.value("reason_code", ""), row.value("message", "")});
        }
        if (fallbacks_.size() > kKeptFallbacks) {
            fallbacks_.erase(fallbacks_.begin(),
                             fallbacks_.end() - static_cast<std::ptrdiff_t>(kKeptFallbacks));
        }
    }
    return std::nullopt;
}

void Governor::roll_window_locked() {
    const std::string now = format_utc_month(clock_.now());
    if (now == window_) return;
    window_ = now;
    usage_.clear();
}

CostLimit Governor::cost_limit_locked(const std::string& scope) const {
    if (auto it = cost_limits_.find(scope); it != cost_limits_.end()) return it->second;
    if (scope == "global") return kGlobalCost;
    if (is_cloud_provider(scope.substr(9))) return kProviderCost;
    return {};  // a local runtime: no cost limit unless one is set
}

// What `bucket` holds at `now`: refilled continuously, a minute's allowance at most. Pure.
Governor::Bucket Governor::refilled(const Bucket& bucket, const RateLimit& limit, TimePoint now) {
    const auto rpm = static_cast<double>(limit.requests_per_minute);
    const auto tpm = static_cast<double>(limit.tokens_per_minute);
    if (!bucket.started) return {rpm, tpm, now, true};
    const double minutes =
        std::max(0.0, std::chrono::duration<double>(now - bucket.refilled).count() / 60.0);
    return {std::min(rpm, bucket.requests + minutes * rpm),
            std::min(tpm, bucket.tokens + minutes * tpm), now, true};
}

Governor::Bucket& Governor::refill_locked(const std::string& scope, const RateLimit& limit) {
    Bucket& bucket = buckets_[scope];
    bucket = refilled(bucket, limit, clock_.now());
    return bucket;
}

Result<CallEstimate> Governor::admit(const std::string& provider, const std::string& model,
                                     std::int64_t tokens_in, std::int64_t tokens_out) {
    CallEstimate estimate{tokens_in, tokens_out,
                          options_.prices.cost_usd(provider, model, tokens_in, tokens_out)};
    const std::string provider_scope = "provider:" + provider;
    std::lock_guard lock(mutex_);
    roll_window_locked();
    auto refuse = [&](Error error) -> Result<CallEstimate> {
        ++refusals_[error.code];
        logger("governance")
            ->warn("call refused provider={} model={} code={}", provider, model, error.code);
        return error;
    };

    // Budgets first: waiting does not help a call that would pass a hard limit.
    for (const std::string& scope : {std::string("global"), provider_scope}) {
        const CostLimit limit = cost_limit_locked(scope);
        if (limit.hard_usd <= 0) continue;
        auto u = usage_.find(scope);
        const double used = u == usage_.end() ? 0.0 : u->second.cost_usd;
        if (estimate.cost_usd > 0 && used + estimate.cost_usd > limit.hard_usd) {
            const bool global = scope == "global";
            return refuse(make_error(
                402, global ? "budget_hard_limit_exceeded" : "provider_budget_exceeded",
                (global ? std::string("Global") : "Provider " + provider) +
                    " hard limit exceeded: " + dollars(used + estimate.cost_usd) + " > " +
                    dollars(limit.hard_usd) + " this month (" + window_ +
                    "); raise it with POST /api/v1/governance/limits or reset the usage"));
        }
    }

    // Rate: every scope with a limit must have room; only then is anything taken.
    std::vector<std::pair<Bucket*, RateLimit>> takes;
    for (const std::string& scope : {std::string("global"), provider_scope}) {
        auto it = rate_limits_.find(scope);
        if (it == rate_limits_.end()) continue;
        Bucket& bucket = refill_locked(scope, it->second);
        const double per_second_requests = static_cast<double>(it->second.requests_per_minute) / 60;
        const double per_second_tokens = static_cast<double>(it->second.tokens_per_minute) / 60;
        const auto tokens = static_cast<double>(tokens_in + tokens_out);
        if (bucket.requests < 1) {
            Error e = make_error(429, "rate_limit_requests_exceeded",
                                 "Request rate limit of " + scope + " exceeded for " + provider +
                                     ": " + std::to_string(it->second.requests_per_minute) +
                                     " requests a minute");
            e.retry_after_seconds =
                static_cast<long long>(std::ceil((1 - bucket.requests) / per_second_requests));
            return refuse(std::move(e));
        }
        if (bucket.tokens < tokens) {
            Error e =
                make_error(429, "rate_limit_tokens_exceeded",
                           "Token rate limit of " + scope + " exceeded for " + provider + ": " +
                               std::to_string(tokens_in + tokens_out) + " tokens asked, " +
                               std::to_string(it->second.tokens_per_minute) + " a minute allowed");
            if (tokens <= static_cast<double>(it->second.tokens_per_minute)) {
                e.retry_after_seconds =
                    static_cast<long long>(std::ceil((tokens - bucket.tokens) / per_second_tokens));
            }
            return refuse(std::move(e));
        }
        takes.emplace_back(&bucket, it->second);
    }
    for (auto& [bucket, limit] : takes) {
        bucket->requests -= 1;
        bucket->tokens -= static_cast<double>(tokens_in + tokens_out);
    }
    return estimate;
}

void Governor::record(const CallOutcome& outcome) {
    const bool reported = outcome.tokens_in.has_value() || outcome.tokens_out.has_value();
    // A failed call used nothing that is billed; a successful one without usage fields is
    // counted at the estimate (marked as estimated in the metrics).
    std::int64_t in = 0;
    std::int64_t out = 0;
    if (outcome.ok) {
        in = reported ? outcome.tokens_in.value_or(0) : outcome.estimate.tokens_in;
        out = reported ? outcome.tokens_out.value_or(0) : outcome.estimate.tokens_out;
    }
    const double cost = options_.prices.cost_usd(outcome.provider, outcome.model, in, out);
    const std::string provider_scope = "provider:" + outcome.provider;
    {
        std::lock_guard lock(mutex_);
        roll_window_locked();
        metrics_[outcome.provider].record(outcome.ok, outcome.error_code, outcome.latency, in, out,
                                          outcome.ok && !reported, cost);
        for (const std::string& scope : {std::string("global"), provider_scope}) {
            ScopeUsage& u = usage_[scope];
            const double before = u.cost_usd;
            u.cost_usd += cost;
            u.tokens_in += in;
            u.tokens_out += out;
            ++u.requests;
            const CostLimit limit = cost_limit_locked(scope);
            if (limit.soft_usd > 0 && before < limit.soft_usd && u.cost_usd >= limit.soft_usd) {
                GovernanceWarning w{clock_.now(), scope,
                                    "Soft limit of " + scope + " crossed: " + dollars(u.cost_usd) +
                                        " >= " + dollars(limit.soft_usd) + " this month"};
                logger("governance")
                    ->warn("soft limit crossed scope={} usage_usd={:.4f}", scope, u.cost_usd);
                warnings_.push_back(std::move(w));
                if (warnings_.size() > kKeptWarnings) warnings_.erase(warnings_.begin());
            }
            // The buckets took the estimate; what the call really used replaces it.
            if (auto it = buckets_.find(scope); it != buckets_.end()) {
                it->second.tokens -= static_cast<double>(
                    (in + out) - (outcome.estimate.tokens_in + outcome.estimate.tokens_out));
            }
        }
    }
    persist();
}

void Governor::record_fallback(const std::string& from, const std::string& to,
                               const std::string& reason_code, const std::string& message) {
    {
        std::lock_guard lock(mutex_);
        fallbacks_.push_back({clock_.now(), from, to, reason_code, message});
        if (fallbacks_.size() > kKeptFallbacks) fallbacks_.erase(fallbacks_.begin());
        ++fallback_counts_[reason_code];
    }
    logger("governance")->warn("fallback from={} to={} reason={}", from, to, reason_code);
    persist();
}

Result<void> Governor::change_durably(const std::function<Result<void>()>& change,
                                      const std::function<void()>& undo) {
    // Lock order: write_mutex_, then mutex_ (as persist()). Both are held through the write, so
    // a change is never in force that the file does not hold and nothing recorded meanwhile is
    // undone with it; limit changes are rare, and admit() waits only for this one write.
    {
        std::lock_guard write(write_mutex_);
        std::lock_guard lock(mutex_);
        if (auto changed = change(); !changed) return changed;
        if (!options_.file.empty()) {
            if (auto written = write_file_durably(options_.file, serialize_locked()); !written) {
                logger("governance")
                    ->error("cannot save {}: {}", options_.file.string(), written.error().message);
                undo();
                return written;
            }
        }
    }
    if (dirty_.load()) persist();  // a recorder that found the file busy
    return {};
}

Result<CostLimit> Governor::set_cost_limit(const std::string& scope, std::optional<double> soft,
                                           std::optional<double> hard) {
    const auto key = scope_key(scope);
    if (!key) {
        return make_error(400, "unknown_scope",
                          "Unknown scope '" + scope + "': use 'global' or a provider name");
    }
    std::optional<CostLimit> old;
    CostLimit next;
    auto changed = change_durably(
        [&]() -> Result<void> {
            if (auto it = cost_limits_.find(*key); it != cost_limits_.end()) old = it->second;
            const CostLimit current = cost_limit_locked(*key);
            next = {soft.value_or(current.soft_usd > 0 ? current.soft_usd : kGlobalCost.soft_usd),
                    hard.value_or(current.hard_usd > 0 ? current.hard_usd : kGlobalCost.hard_usd)};
            if (next.soft_usd > next.hard_usd) {
                return make_error(400, "soft_above_hard",
                                  "Soft limit cannot be greater than hard limit");
            }
            cost_limits_[*key] = next;
            return {};
        },
        [&] {
            if (old) {
                cost_limits_[*key] = *old;
            } else {
                cost_limits_.erase(*key);
            }
        });
    if (!changed) return changed.error();
    return next;
}

Result<RateLimit> Governor::set_rate_limit(const std::string& scope,
                                           std::optional<std::int64_t> rpm,
                                           std::optional<std::int64_t> tpm) {
    const auto key = scope_key(scope);
    if (!key) {
        return make_error(400, "unknown_scope",
                          "Unknown scope '" + scope + "': use 'global' or a provider name");
    }
    std::optional<RateLimit> old;
    RateLimit next;
    auto changed = change_durably(
        [&]() -> Result<void> {
            if (auto it = rate_limits_.find(*key); it != rate_limits_.end()) old = it->second;
            const RateLimit base = old.value_or(kGlobalRate);
            next = {rpm.value_or(base.requests_per_minute), tpm.value_or(base.tokens_per_minute)};
            rate_limits_[*key] = next;
            buckets_.erase(*key);  // a new allowance starts full
            return {};
        },
        [&] {
            if (old) {
                rate_limits_[*key] = *old;
            } else {
                rate_limits_.erase(*key);
            }
        });
    if (!changed) return changed.error();
    return next;
}

Result<void> Governor::reset_usage(const std::optional<std::string>& scope) {
    std::optional<std::string> key;
    if (scope) {
        key = scope_key(*scope);
        if (!key) {
            return make_error(400, "unknown_scope",
                              "Unknown scope '" + *scope + "': use 'global' or a provider name");
        }
    }
    std::map<std::string, ScopeUsage> old;
    return change_durably(
        [&]() -> Result<void> {
            old = usage_;
            if (key) {
                usage_.erase(*key);
            } else {
                usage_.clear();
            }
            return {};
        },
        [&] { usage_ = std::move(old); });
}

std::string Governor::serialize_locked() const {
    json cost = json::object();
    for (const auto& [scope, l] : cost_limits_) {
        cost[scope] = {{"soft_limit_usd", l.soft_usd}, {"hard_limit_usd", l.hard_usd}};
    }
    json rate = json::object();
    for (const auto& [scope, l] : rate_limits_) {
        rate[scope] = {{"max_requests_per_minute", l.requests_per_minute},
                       {"max_tokens_per_minute", l.tokens_per_minute}};
    }
    json usage = json::object();
    for (const auto& [scope, u] : usage_) {
        usage[scope] = {{"cost_usd", u.cost_usd},
                        {"tokens_in", u.tokens_in},
                        {"tokens_out", u.tokens_out},
                        {"requests", u.requests}};
    }
    json fallbacks = json::array();
    for (const auto& f : fallbacks_) {
        fallbacks.push_back({{"at_ms", to_ms(f.at)},
                             {"from", f.from},
                             {"to", f.to},
                             {"reason_code", f.reason_code},
                             {"message", f.message}});
    }
    return json{{"version", kFileVersion},
                {"window", window_},
                {"limits", {{"cost", cost}, {"rate", rate}}},
                {"usage", usage},
                {"recent_fallbacks", fallbacks}}
        .dump(2, ' ', false, json::error_handler_t::replace);
}

void Governor::persist() {
    if (options_.file.empty()) return;
    // Concurrent recorders share one write: whoever holds the writer's lock writes again when
    // state changed meanwhile (`dirty_`), so the file never lags behind what was recorded.
    dirty_ = true;
    for (;;) {
        std::unique_lock write(write_mutex_, std::try_to_lock);
        if (!write) return;  // the holder writes our change too
        dirty_ = false;
        std::string content;
        {
            std::lock_guard lock(mutex_);
            content = serialize_locked();
        }
        if (auto written = write_file_durably(options_.file, content); !written) {
            logger("governance")
                ->error("cannot save {}: {}", options_.file.string(), written.error().message);
        }
        write.unlock();
        if (!dirty_.load()) return;
    }
}

GovernanceSnapshot Governor::snapshot() const {
    std::lock_guard lock(mutex_);
    GovernanceSnapshot s;
    s.window = format_utc_month(clock_.now());
    const bool new_window = s.window != window_;  // nothing recorded yet this month
    s.cost_limits = cost_limits_;
    // The limits in force: the cloud providers' defaults show even before their first call.
    for (const char* scope : {"provider:openai", "provider:google"}) {
        if (!s.cost_limits.count(scope)) s.cost_limits[scope] = cost_limit_locked(scope);
    }
    s.rate_limits = rate_limits_;
    if (!new_window) s.usage = usage_;
    const TimePoint now = clock_.now();
    for (const auto& [scope, limit] : rate_limits_) {
        auto it = buckets_.find(scope);
        const Bucket b = refilled(it == buckets_.end() ? Bucket{} : it->second, limit, now);
        s.rate_use[scope] = {
            std::max(0.0, static_cast<double>(limit.requests_per_minute) - b.requests),
            std::max(0.0, static_cast<double>(limit.tokens_per_minute) - b.tokens)};
    }
    s.recent_fallbacks = fallbacks_;
    s.warnings = warnings_;
    s.refusals = refusals_;
    s.fallbacks = fallback_counts_;
    for (Runtime runtime : options_.fallback_order) {
        s.fallback_order.emplace_back(to_string(runtime));
    }
    s.fallback_from_local = options_.fallback_from_local;
    return s;
}

ProviderMetrics Governor::metrics(const std::string& provider) const {
    std::lock_guard lock(mutex_);
    auto it = metrics_.find(provider);
    return it == metrics_.end() ? ProviderMetrics{} : it->second;
}

std::map<std::string, ProviderMetrics> Governor::all_metrics() const {
    std::lock_guard lock(mutex_);
    return metrics_;
}

// The API key a cloud runtime's calls carry; nullptr for anything else.
const std::optional<std::string>* Governor::key_of(const std::string& provider) const {
    const std::optional<Runtime> runtime = parse_runtime(provider);
    if (runtime == Runtime::openai) return &options_.openai_api_key;
    if (runtime == Runtime::google) return &options_.google_api_key;
    return nullptr;
}

std::string Governor::credential_status(const std::string& provider) const {
    if (const auto* key = key_of(provider)) return *key ? "configured" : "missing_credentials";
    return is_known_provider(provider) ? "configured" : "missing_credentials";
}

std::optional<std::string> Governor::key_hint(const std::string& provider) const {
    const std::optional<std::string>* key = key_of(provider);
    if (!key || !*key) return std::nullopt;
    // Four characters of a long key identify it to its owner and give an attacker nothing.
    if ((*key)->size() < 16) return std::string("***");
    return "***" + (*key)->substr((*key)->size() - 4);
}

}  // namespace venom::governance

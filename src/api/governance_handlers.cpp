// Governance (issue 13, point 1): limits, usage, fallbacks and credentials, in the shapes of
// venom-python.md §4.2, with English messages and the reason in `code`. Reads answer from memory;
// changes are written durably on an action-pool thread before the answer.
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/request_body.hpp"
#include "api/services.hpp"
#include "governance/governor.hpp"

namespace venom::api {

using nlohmann::json;

namespace {

HttpResponse not_set_up() {
    return error_response(503, "governance_unavailable", "Governance is not set up");
}

// An optional number field that must be > 0: 422 when it is not a number or not positive.
Result<std::optional<double>> positive_number(const json& body, const std::string& key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::optional<double>();
    if (!it->is_number() || !(it->get<double>() > 0) || !std::isfinite(it->get<double>())) {
        return make_error(422, "invalid_field", "Field '" + key + "' must be a number above 0");
    }
    return std::optional<double>(it->get<double>());
}

Result<std::optional<std::int64_t>> positive_integer(const json& body, const std::string& key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::optional<std::int64_t>();
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
        return make_error(422, "invalid_field",
                          "Field '" + key + "' must be a whole number above 0");
    }
    return std::optional<std::int64_t>(it->get<std::int64_t>());
}

}  // namespace

HttpResponse get_governance_status(const ApiRequest&, Services& services) {
    if (!services.governor) return not_set_up();
    const auto s = services.governor->snapshot();
    json cost = json::object();
    for (const auto& [scope, limit] : s.cost_limits) {
        auto u = s.usage.find(scope);
        const double used = u == s.usage.end() ? 0.0 : u->second.cost_usd;
        cost[scope] = {{"soft_limit_usd", limit.soft_usd},
                       {"hard_limit_usd", limit.hard_usd},
                       {"current_usage_usd", round_to(used, 6)},
                       {"usage_percentage",
                        limit.hard_usd > 0 ? round_to(used / limit.hard_usd * 100, 2) : 0.0}};
    }
    json rate = json::object();
    for (const auto& [scope, limit] : s.rate_limits) {
        const auto use = s.rate_use.count(scope) ? s.rate_use.at(scope) : governance::RateUse{};
        rate[scope] = {{"max_requests_per_minute", limit.requests_per_minute},
                       {"max_tokens_per_minute", limit.tokens_per_minute},
                       {"current_requests", static_cast<std::int64_t>(std::ceil(use.requests))},
                       {"current_tokens", static_cast<std::int64_t>(std::ceil(use.tokens))}};
    }
    json usage = json::object();
    for (const auto& [scope, u] : s.usage) {
        usage[scope] = {{"cost_usd", round_to(u.cost_usd, 6)},
                        {"tokens_in", u.tokens_in},
                        {"tokens_out", u.tokens_out},
                        {"requests", u.requests}};
    }
    json fallbacks = json::array();
    const std::size_t first = s.recent_fallbacks.size() > 10 ? s.recent_fallbacks.size() - 10 : 0;
    for (std::size_t i = s.recent_fallbacks.size(); i-- > first;) {  // newest first
        const auto& f = s.recent_fallbacks[i];
        fallbacks.push_back({{"timestamp", format_rfc3339(f.at)},
                             {"from_provider", f.from},
                             {"to_provider", f.to},
                             {"reason_code", f.reason_code},
                             {"message", f.message}});
    }
    json warnings = json::array();
    for (std::size_t i = s.warnings.size(); i-- > 0;) {
        warnings.push_back({{"timestamp", format_rfc3339(s.warnings[i].at)},
                            {"scope", s.warnings[i].scope},
                            {"message", s.warnings[i].message}});
    }
    return json_response(
        200, {{"status", "success"},
              {"usage_window", s.window},
              {"cost_limits", cost},
              {"rate_limits", rate},
              {"usage", usage},
              {"recent_fallbacks", fallbacks},
              {"warnings", warnings},
              {"refusals", s.refusals},
              {"fallback_policy",
               {{"preferred_provider",
                 s.fallback_order.empty() ? json(nullptr) : json(s.fallback_order.front())},
                {"fallback_order", s.fallback_order},
                {"fallback_from_local", s.fallback_from_local}}}});
}

HttpResponse get_governance_limits(const ApiRequest&, Services& services) {
    if (!services.governor) return not_set_up();
    const auto s = services.governor->snapshot();
    json cost = json::object();
    for (const auto& [scope, limit] : s.cost_limits) {
        cost[scope] = {{"soft_limit_usd", limit.soft_usd}, {"hard_limit_usd", limit.hard_usd}};
    }
    json rate = json::object();
    for (const auto& [scope, limit] : s.rate_limits) {
        rate[scope] = {{"max_requests_per_minute", limit.requests_per_minute},
                       {"max_tokens_per_minute", limit.tokens_per_minute}};
    }
    return json_response(200,
                         {{"status", "success"}, {"cost_limits", cost}, {"rate_limits", rate}});
}

void set_governance_limit(const ApiRequest& request, Services& services, Respond respond) {
    if (!services.governor) return respond(not_set_up());
    auto body = parse_json_object(request.http);
    if (!body) return respond(error_response(body.error()));
    auto type = required_string(*body, "limit_type");
    if (!type) return respond(error_response(type.error()));
    auto scope = required_string(*body, "scope");
    if (!scope) return respond(error_response(scope.error()));
    if (*type != "cost" && *type != "rate") {
        return respond(error_response(400, "invalid_limit_type",
                                      "Invalid limit_type: " + *type + ". Use 'cost' or 'rate'"));
    }
    if (!governance::Governor::scope_key(*scope)) {
        return respond(
            error_response(400, "unknown_scope",
                           "Unknown scope '" + *scope + "': use 'global' or a provider name"));
    }
    auto soft = positive_number(*body, "soft_limit_usd");
    if (!soft) return respond(error_response(soft.error()));
    auto hard = positive_number(*body, "hard_limit_usd");
    if (!hard) return respond(error_response(hard.error()));
    auto rpm = positive_integer(*body, "max_requests_per_minute");
    if (!rpm) return respond(error_response(rpm.error()));
    auto tpm = positive_integer(*body, "max_tokens_per_minute");
    if (!tpm) return respond(error_response(tpm.error()));
    // The file is written before the answer: on a pool thread.
    answer_from_pool(
        services.action_pool, respond,
        [&services, type = *type, scope = *scope, soft = *soft, hard = *hard, rpm = *rpm,
         tpm = *tpm]() -> HttpResponse {
            auto& governor = *services.governor;
            if (type == "cost") {
                auto limit = governor.set_cost_limit(scope, soft, hard);
                if (!limit) return error_response(limit.error());
                return json_response(
                    200,
                    {{"status", "success"},
                     {"message", "Limit updated"},
                     {"scope", *governance::Governor::scope_key(scope)},
                     {"limit",
                      {{"soft_limit_usd", limit->soft_usd}, {"hard_limit_usd", limit->hard_usd}}}});
            }
            auto limit = governor.set_rate_limit(scope, rpm, tpm);
            if (!limit) return error_response(limit.error());
            return json_response(200, {{"status", "success"},
                                       {"message", "Limit updated"},
                                       {"scope", *governance::Governor::scope_key(scope)},
                                       {"limit",
                                        {{"max_requests_per_minute", limit->requests_per_minute},
                                         {"max_tokens_per_minute", limit->tokens_per_minute}}}});
        });
}

void reset_governance_usage(const ApiRequest& request, Services& services, Respond respond) {
    if (!services.governor) return respond(not_set_up());
    auto scope = request.query_value("scope");
    if (scope && scope->empty()) scope.reset();
    if (scope && !governance::Governor::scope_key(*scope)) {
        return respond(
            error_response(400, "unknown_scope",
                           "Unknown scope '" + *scope + "': use 'global' or a provider name"));
    }
    answer_from_pool(services.action_pool, respond, [&services, scope]() -> HttpResponse {
        if (auto done = services.governor->reset_usage(scope); !done) {
            return error_response(done.error());
        }
        return json_response(200, {{"status", "success"},
                                   {"message", scope ? "Usage of " + *scope + " reset"
                                                     : std::string("Usage reset")}});
    });
}

HttpResponse get_provider_credentials(const ApiRequest& request, Services& services) {
    if (!services.governor) return not_set_up();
    const std::string& name = request.param("name");
    if (!governance::is_known_provider(name)) {
        return error_response(404, "unknown_provider", "Unknown provider: " + name);
    }
    const std::string status = services.governor->credential_status(name);
    json body{{"provider", name},
              {"credential_status", status},
              {"message",
               status == "configured" ? "Credentials are configured" : "Credentials are missing"}};
    if (auto hint = services.governor->key_hint(name)) body["key_hint"] = *hint;
    return json_response(200, body);
}

}  // namespace venom::api

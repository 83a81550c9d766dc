// Providers and their observed behaviour (issue 13, points 1 and 4): the list, each one's call
// metrics (latency percentiles from the governor's fixed-memory histograms) and its health score
// against its service-level targets (docs/ARCHITECTURE.md "Governance" gives the formula).
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"
#include "api/services.hpp"
#include "governance/governor.hpp"

namespace venom::api {

using nlohmann::json;

namespace {

json percent(std::uint64_t part, std::uint64_t total) {
    if (total == 0) return 0.0;
    return round_to(100.0 * static_cast<double>(part) / static_cast<double>(total), 2);
}

json latency_ms(const std::optional<double>& ms) {
    return ms ? json(round_to(*ms, 2)) : json(nullptr);
}

std::optional<HttpResponse> refuse_unknown(const std::string& name, const Services& services) {
    if (!services.governor) {
        return error_response(503, "governance_unavailable", "Governance is not set up");
    }
    if (!governance::is_known_provider(name)) {
        return error_response(404, "unknown_provider", "Unknown provider: " + name);
    }
    return std::nullopt;
}

// Governance names the model source (huggingface) and the runtimes alike.
const char* provider_type(const std::string& name) {
    const std::optional<Runtime> runtime = parse_runtime(name);
    if (name == "huggingface" || runtime == Runtime::ollama) return "catalog_integrator";
    if (runtime && is_local(*runtime)) return "local_runtime";
    return "cloud_provider";
}

json capabilities(const std::string& name) {
    const std::optional<Runtime> runtime = parse_runtime(name);
    if (name == "huggingface") return {{"install", true}, {"search", true}, {"inference", false}};
    if (runtime == Runtime::ollama) {
        return {{"install", true}, {"search", true}, {"activate", true}, {"inference", true}};
    }
    if (runtime && is_local(*runtime)) {
        return {{"install", true}, {"activate", true}, {"inference", true}};
    }
    return {{"activate", true}, {"inference", true}};
}

}  // namespace

HttpResponse list_governed_providers(const ApiRequest&, Services& services) {
    if (!services.governor) {
        return error_response(503, "governance_unavailable", "Governance is not set up");
    }
    const RuntimeState state = services.runtime_state.current();
    json providers = json::array();
    for (const std::string& name : governance::known_providers()) {
        const auto health =
            services.governor->metrics(name).health(governance::slo_target_for(name));
        providers.push_back(
            {{"name", name},
             {"provider_type", provider_type(name)},
             {"capabilities", capabilities(name)},
             {"credential_status", services.governor->credential_status(name)},
             {"is_active", state.active_runtime && state.active_runtime == parse_runtime(name)},
             {"health_status", health.status}});
    }
    const auto count = providers.size();
    return json_response(200, {{"status", "success"}, {"providers", providers}, {"count", count}});
}

HttpResponse get_provider_metrics(const ApiRequest& request, Services& services) {
    const std::string& name = request.param("name");
    if (auto refused = refuse_unknown(name, services)) return std::move(*refused);
    const governance::ProviderMetrics m = services.governor->metrics(name);
    json by_code = json::object();
    std::uint64_t timeouts = 0;
    std::uint64_t auth = 0;
    for (const auto& [code, n] : m.errors_by_code) {
        by_code[code] = n;
        if (code == "timeout") timeouts += n;
        if (code == "http_401" || code == "http_403") auth += n;
    }
    const auto s = services.governor->snapshot();
    std::uint64_t budget = 0;
    for (const auto& [code, n] : s.refusals) {
        if (code.find("budget") != std::string::npos) budget += n;
    }
    return json_response(200, {{"status", "success"},
                               {"provider", name},
                               {"metrics",
                                {{"total_requests", m.total},
                                 {"successful_requests", m.succeeded},
                                 {"failed_requests", m.failed},
                                 {"success_rate", percent(m.succeeded, m.total)},
                                 {"error_rate", percent(m.failed, m.total)},
                                 {"latency",
                                  {{"p50_ms", latency_ms(m.latency.percentile_ms(50))},
                                   {"p95_ms", latency_ms(m.latency.percentile_ms(95))},
                                   {"p99_ms", latency_ms(m.latency.percentile_ms(99))},
                                   {"samples", m.latency.count()}}},
                                 {"errors",
                                  {{"total", m.failed},
                                   {"timeouts", timeouts},
                                   {"auth_errors", auth},
                                   {"budget_errors", budget},
                                   {"by_code", by_code}}},
                                 {"cost",
                                  {{"total_usd", round_to(m.cost_usd, 6)},
                                   {"total_tokens", m.tokens_in + m.tokens_out},
                                   {"tokens_in", m.tokens_in},
                                   {"tokens_out", m.tokens_out},
                                   {"estimated_usage_requests", m.estimated_usage_calls}}}}}});
}

HttpResponse get_provider_health(const ApiRequest& request, Services& services) {
    const std::string& name = request.param("name");
    if (auto refused = refuse_unknown(name, services)) return std::move(*refused);
    const governance::ProviderMetrics m = services.governor->metrics(name);
    const governance::SloTarget target = governance::slo_target_for(name);
    const governance::Health health = m.health(target);
    const double availability =
        m.total == 0 ? 0.0 : static_cast<double>(m.succeeded) / static_cast<double>(m.total);
    return json_response(
        200, {{"status", "success"},
              {"provider", name},
              {"health",
               {{"health_status", health.status},
                {"health_score", health.score},
                {"availability", round_to(availability, 4)},
                {"latency_p99_ms", latency_ms(m.latency.percentile_ms(99))},
                {"error_rate",
                 m.total == 0
                     ? 0.0
                     : round_to(static_cast<double>(m.failed) / static_cast<double>(m.total), 4)},
                {"cost_usage_usd", round_to(m.cost_usd, 6)},
                {"slo_target",
                 {{"availability_target", target.availability},
                  {"latency_p99_ms", target.latency_p99_ms},
                  {"error_rate_target", target.error_rate},
                  {"cost_budget_usd", target.cost_budget_usd}}},
                {"slo_breaches", health.breaches}}}});
}

}  // namespace venom::api

// GET /metrics (issue 13, point 4): the daemon's figures in the Prometheus text format, outside
// /api/v1 where scrapers look. Names carry the venomd_ prefix and the unit suffixes; labels come
// from closed sets (route templates, providers, status codes, operation kinds), so their number
// stays bounded whatever clients send. Everything is read from memory and procfs (no disk).
#include <dirent.h>
#include <unistd.h>

#include <fstream>

#include "api/handlers.hpp"
#include "api/prometheus_text.hpp"
#include "api/services.hpp"
#include "governance/governor.hpp"
#include "metrics/http_metrics.hpp"

namespace venom::api {

namespace {

std::optional<double> resident_bytes() {
    std::ifstream in("/proc/self/statm");
    long long size = 0;
    long long resident = 0;
    if (!(in >> size >> resident)) return std::nullopt;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return std::nullopt;
    double n = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++n;
    }
    closedir(dir);
    return n - 1;  // the descriptor that listed them
}

void http_families(PrometheusText& out, const metrics::HttpMetrics& http) {
    const auto routes = http.snapshot();
    out.family("venomd_http_requests_total", "counter",
               "HTTP requests answered, by route template and status code.");
    for (const auto& r : routes) {
        for (const auto& [code, n] : r.by_status) {
            out.sample("venomd_http_requests_total",
                       {{"method", r.method}, {"route", r.pattern}, {"code", code}}, n);
        }
    }
    out.family("venomd_http_request_duration_seconds", "histogram",
               "Time from routing a request to its answer, by route template.");
    const std::vector<double> bounds(metrics::HttpMetrics::kBounds.begin(),
                                     metrics::HttpMetrics::kBounds.end());
    for (const auto& r : routes) {
        out.histogram("venomd_http_request_duration_seconds",
                      {{"method", r.method}, {"route", r.pattern}}, bounds, r.cumulative, r.count,
                      r.sum_seconds);
    }
}

void provider_families(PrometheusText& out, const governance::Governor& governor) {
    const auto all = governor.all_metrics();
    out.family("venomd_provider_requests_total", "counter",
               "Calls venomd made to a model runtime, by provider and outcome.");
    for (const auto& [provider, m] : all) {
        out.sample("venomd_provider_requests_total",
                   {{"provider", provider}, {"outcome", "success"}}, m.succeeded);
        out.sample("venomd_provider_requests_total",
                   {{"provider", provider}, {"outcome", "failure"}}, m.failed);
    }
    out.family("venomd_provider_errors_total", "counter",
               "Failed runtime calls by provider and error code (timeout, http_<status>, "
               "unavailable).");
    for (const auto& [provider, m] : all) {
        for (const auto& [code, n] : m.errors_by_code) {
            out.sample("venomd_provider_errors_total", {{"provider", provider}, {"code", code}}, n);
        }
    }
    out.family("venomd_provider_request_duration_seconds", "histogram",
               "Latency of runtime calls, by provider.");
    for (const auto& [provider, m] : all) {
        out.histogram("venomd_provider_request_duration_seconds", {{"provider", provider}},
                      governance::LatencyHistogram::prometheus_bounds(),
                      m.latency.cumulative_prometheus_counts(), m.latency.count(),
                      m.latency.sum_seconds());
    }
    out.family("venomd_provider_tokens_total", "counter",
               "Tokens runtime calls used, by provider and direction (as reported, or estimated "
               "when the runtime did not say).");
    for (const auto& [provider, m] : all) {
        out.sample("venomd_provider_tokens_total", {{"provider", provider}, {"direction", "in"}},
                   static_cast<std::uint64_t>(m.tokens_in));
        out.sample("venomd_provider_tokens_total", {{"provider", provider}, {"direction", "out"}},
                   static_cast<std::uint64_t>(m.tokens_out));
    }
    out.family("venomd_provider_cost_usd_total", "counter",
               "What runtime calls cost by the price table, in US dollars, since start.");
    for (const auto& [provider, m] : all) {
        out.sample("venomd_provider_cost_usd_total", {{"provider", provider}}, m.cost_usd);
    }
    out.family("venomd_provider_health_score", "gauge",
               "Health score 0..100 against the provider's service-level targets.");
    for (const auto& [provider, m] : all) {
        out.sample("venomd_provider_health_score", {{"provider", provider}},
                   m.health(governance::slo_target_for(provider)).score);
    }

    const auto s = governor.snapshot();
    out.family("venomd_governance_usage_usd", "gauge",
               "Spending counted against each scope's limits in the current month (UTC).");
    for (const auto& [scope, u] : s.usage) {
        out.sample("venomd_governance_usage_usd", {{"scope", scope}}, u.cost_usd);
    }
    out.family("venomd_governance_refusals_total", "counter",
               "Runtime calls refused by a limit before they were made, by reason.");
    for (const auto& [reason, n] : s.refusals) {
        out.sample("venomd_governance_refusals_total", {{"reason", reason}}, n);
    }
    out.family("venomd_governance_fallbacks_total", "counter",
               "Translations moved to another runtime, by reason.");
    for (const auto& [reason, n] : s.fallbacks) {
        out.sample("venomd_governance_fallbacks_total", {{"reason", reason}}, n);
    }
}

}  // namespace

HttpResponse get_prometheus_metrics(const ApiRequest&, Services& services) {
    PrometheusText out;
    out.family("venomd_build_info", "gauge", "The running venomd's version.");
    out.sample("venomd_build_info", {{"version", services.version}}, 1.0);
    out.family("venomd_process_resident_memory_bytes", "gauge", "Resident memory of venomd.");
    if (auto rss = resident_bytes()) {
        out.sample("venomd_process_resident_memory_bytes", {}, *rss);
    }
    out.family("venomd_process_open_fds", "gauge", "Open file descriptors of venomd.");
    if (auto fds = open_fds()) out.sample("venomd_process_open_fds", {}, *fds);

    if (services.http_metrics) http_families(out, *services.http_metrics);

    const OperationQueue::Census census = services.operations.census();
    out.family("venomd_operations", "gauge",
               "Operations in the queue and its kept history, by kind and state.");
    for (const auto& [key, n] : census.operations) {
        out.sample("venomd_operations",
                   {{"kind", std::string(to_string(key.first))},
                    {"state", std::string(to_string(key.second))}},
                   static_cast<std::uint64_t>(n));
    }
    out.family("venomd_install_downloaded_bytes_total", "counter",
               "Bytes installs have fetched since start.");
    out.sample("venomd_install_downloaded_bytes_total", {}, census.bytes_transferred);
    out.family("venomd_install_throughput_bytes_per_second", "gauge",
               "How fast the running installs fetch, together (0 when none runs).");
    out.sample("venomd_install_throughput_bytes_per_second", {}, census.install_bytes_per_second);

    out.family("venomd_cache_requests_total", "counter",
               "Lookups in venomd's caches, by cache and result.");
    out.sample("venomd_cache_requests_total", {{"cache", "catalog"}, {"result", "hit"}},
               services.catalog.hits());
    out.sample("venomd_cache_requests_total", {{"cache", "catalog"}, {"result", "miss"}},
               services.catalog.misses());
    if (services.translation) {
        const auto& cache = services.translation->cache();
        out.sample("venomd_cache_requests_total", {{"cache", "translation"}, {"result", "hit"}},
                   cache.hits());
        out.sample("venomd_cache_requests_total", {{"cache", "translation"}, {"result", "miss"}},
                   cache.misses());
    }
    if (services.governor) provider_families(out, *services.governor);

    HttpResponse response;
    response.status = 200;
    response.content_type = PrometheusText::kContentType;
    response.body = out.take();
    return response;
}

}  // namespace venom::api

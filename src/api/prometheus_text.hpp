#pragma once
// Writing the Prometheus text exposition format (version 0.0.4): each metric family's # HELP
// and # TYPE lines, then its samples with escaped label values. Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace venom::api {

using PromLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
public:
    static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Starts a family: `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const PromLabels& labels, double value);
    void sample(std::string_view name, const PromLabels& labels, std::uint64_t value);
    // A histogram's _bucket lines (cumulative counts per `le`, then +Inf = count), _sum, _count.
    void histogram(std::string_view name, const PromLabels& labels,
                   const std::vector<double>& bounds, const std::vector<std::uint64_t>& cumulative,
                   std::uint64_t count, double sum);

    std::string take() { return std::move(text_); }

private:
    void labels(const PromLabels& labels, const std::pair<std::string, std::string>* extra);
    std::string text_;
};

}  // namespace venom::api

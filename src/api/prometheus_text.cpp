#include "api/prometheus_text.hpp"

#include <cmath>
#include <cstdio>

namespace venom::api {

namespace {

std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

// Label values escape backslash, double quote and line feed (exposition format spec).
void escape_into(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    for (char c : help) {  // HELP escapes backslash and line feed only
        if (c == '\\') {
            text_ += "\\\\";
        } else if (c == '\n') {
            text_ += "\\n";
        } else {
            text_ += c;
        }
    }
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
}

void PrometheusText::labels(const PromLabels& labels,
                            const std::pair<std::string, std::string>* extra) {
    if (labels.empty() && !extra) return;
    text_ += '{';
    bool first = true;
    auto add = [&](const std::pair<std::string, std::string>& label) {
        if (!first) text_ += ',';
        first = false;
        text_ += label.first;
        text_ += "=\"";
        escape_into(text_, label.second);
        text_ += '"';
    };
    for (const auto& label : labels) add(label);
    if (extra) add(*extra);
    text_ += '}';
}

void PrometheusText::sample(std::string_view name, const PromLabels& l, double value) {
    text_ += name;
    labels(l, nullptr);
    text_ += ' ';
    text_ += number(value);
    text_ += '\n';
}

void PrometheusText::sample(std::string_view name, const PromLabels& l, std::uint64_t value) {
    text_ += name;
    labels(l, nullptr);
    text_ += ' ';
    text_ += std::to_string(value);
    text_ += '\n';
}

void PrometheusText::histogram(std::string_view name, const PromLabels& l,
                               const std::vector<double>& bounds,
                               const std::vector<std::uint64_t>& cumulative, std::uint64_t count,
                               double sum) {
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < bounds.size() && i < cumulative.size(); ++i) {
        const std::pair<std::string, std::string> le{"le", number(bounds[i])};
        text_ += bucket;
        labels(l, &le);
        text_ += ' ' + std::to_string(cumulative[i]) + '\n';
    }
    const std::pair<std::string, std::string> inf{"le", "+Inf"};
    text_ += bucket;
    labels(l, &inf);
    text_ += ' ' + std::to_string(count) + '\n';
    sample(std::string(name) + "_sum", l, sum);
    sample(std::string(name) + "_count", l, count);
}

}  // namespace venom::api

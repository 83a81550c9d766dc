#include "cli/operation_view.hpp"

#include <cmath>
#include <cstdint>
#include <ctime>

#include "cli/command_context.hpp"
#include "cli/human_format.hpp"
#include "cli/terminal.hpp"

namespace venom::cli {

namespace {

std::uint64_t bytes_of(const nlohmann::json& op, const char* key) {
    auto it = op.find(key);
    return it != op.end() && it->is_number() ? it->get<std::uint64_t>() : 0;
}

ProgressState state_of(const nlohmann::json& op) {
    ProgressState state;
    auto progress = op.find("progress");
    if (progress != op.end() && progress->is_number()) state.percent = progress->get<double>();
    state.bytes_done = bytes_of(op, "bytes_done");
    state.bytes_total = bytes_of(op, "bytes_total");
    state.message = text_of(op, "message");
    if (state.message.empty()) state.message = text_of(op, "status");
    return state;
}

// seconds since the epoch of "YYYY-MM-DDTHH:MM:SS(.fff)Z"; negative when it does not parse.
double epoch_seconds(const std::string& stamp) {
    std::tm tm{};
    int millis = 0;
    const int fields = std::sscanf(stamp.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                                   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis);
    if (fields < 6) return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<double>(timegm(&tm)) + millis / 1000.0;
}

}  // namespace

std::string completed_verb(const std::string& operation_type) {
    if (operation_type == "install") return "installed";
    if (operation_type == "remove") return "removed";
    if (operation_type == "activate") return "activated";
    return operation_type + " completed";
}

double seconds_between(const std::string& from, const std::string& to) {
    const double start = epoch_seconds(from);
    const double end = epoch_seconds(to);
    return start < 0 || end < 0 ? -1 : end - start;
}

OperationView::OperationView(bool quiet) : quiet_(quiet) {
    if (!quiet_ && is_terminal(stdout)) bar_ = std::make_unique<ProgressBar>(stdout);
}

void OperationView::update(const nlohmann::json& operation) {
    if (quiet_) return;
    const ProgressState state = state_of(operation);
    if (bar_) {
        bar_->draw(state);
        return;
    }
    const std::string key = text_of(operation, "status") + "\n" + state.message;
    if (key == last_line_key_) return;
    last_line_key_ = key;
    // Floored as the bar is: a running operation never shows 100 %.
    std::printf("%3.0f%%  %s\n", std::floor(state.percent), state.message.c_str());
    std::fflush(stdout);
}

void OperationView::pause() {
    if (bar_) bar_->finish();
}

void OperationView::finish(const nlohmann::json& operation) {
    if (quiet_) return;
    const std::string status = text_of(operation, "status");
    const std::string type = text_of(operation, "operation_type", "operation");
    const std::string model = text_of(operation, "model_name");
    if (bar_) {
        bar_->draw(state_of(operation));
        bar_->finish();
    }
    if (status == "completed") {
        std::string line = completed_verb(type) + " " + model;
        const double seconds =
            seconds_between(text_of(operation, "started_at"), text_of(operation, "completed_at"));
        const std::uint64_t bytes = bytes_of(operation, "bytes_done");
        if (bytes > 0) line += ": " + human_bytes(static_cast<double>(bytes));
        if (seconds >= 0) line += " in " + human_duration(seconds);
        if (bytes > 0 && seconds > 0) {
            line += " (" + human_bytes(static_cast<double>(bytes) / seconds) + "/s)";
        }
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    } else if (status == "cancelled") {
        std::fprintf(stderr, "venomctl: %s of %s was cancelled\n", type.c_str(), model.c_str());
    } else {
        std::string error = text_of(operation, "error");
        if (error.empty()) error = text_of(operation, "message", status);
        std::fprintf(stderr, "venomctl: %s of %s failed: %s\n", type.c_str(), model.c_str(),
                     error.c_str());
    }
}

}  // namespace venom::cli

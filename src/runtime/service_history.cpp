#include "runtime/service_history.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "venom/durable_file.hpp"
#include "venom/logging.hpp"

namespace venom::runtime {
using nlohmann::json;

json to_json(const ServiceAction& a) {
    return {{"timestamp", a.timestamp},
            {"service", a.service},
            {"action", a.action},
            {"success", a.success},
            {"message", a.message}};
}

ServiceHistory::ServiceHistory(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

void ServiceHistory::load() {
    remove_stale_temp_files(options_.path);
    std::ifstream in(options_.path);
    if (!in) return;
    std::stringstream text;
    text << in.rdbuf();
    json doc = json::parse(text.str(), nullptr, false);
    if (!doc.is_object() || !doc.contains("history") || !doc["history"].is_array()) {
        logger("runtime")->warn("ignoring unreadable {}", options_.path.string());
        return;
    }
    std::lock_guard lock(mutex_);
    entries_.clear();
    for (const auto& e : doc["history"]) {
        if (!e.is_object()) continue;
        ServiceAction a;
        a.timestamp = e.value("timestamp", "");
        a.service = e.value("service", "");
        a.action = e.value("action", "");
        a.success = e.value("success", false);
        a.message = e.value("message", "");
        entries_.push_back(std::move(a));
    }
    if (entries_.size() > options_.limit) {
        entries_.erase(entries_.begin(),
                       entries_.end() - static_cast<std::ptrdiff_t>(options_.limit));
    }
}

void ServiceHistory::record(const std::string& service, const std::string& action, bool success,
                            const std::string& message) {
    std::lock_guard lock(mutex_);
    entries_.push_back({format_rfc3339(clock_.now()), service, action, success, message});
    if (entries_.size() > options_.limit) entries_.erase(entries_.begin());
    json list = json::array();
    for (const auto& e : entries_) list.push_back(to_json(e));
    if (auto ok = write_file_durably(options_.path, json{{"history", list}}.dump(2) + "\n"); !ok) {
        logger("runtime")->warn("history not saved path={} error=\"{}\"", options_.path.string(),
                                ok.error().message);
    }
}

std::vector<ServiceAction> ServiceHistory::latest(std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<ServiceAction> out;
    for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < limit; ++it) {
        out.push_back(*it);
    }
    return out;
}

}  // namespace venom::runtime

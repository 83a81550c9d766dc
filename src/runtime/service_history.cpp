#include "runtime/service_history.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "venom/durable_file.hpp"
#include "venom/logging.hpp"
#include "venom/text.hpp"

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
    // A hand-edited entry may hold anything: a field of the wrong type reads as empty.
    auto field = [](const json& e, const char* key) {
        auto it = e.find(key);
        return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    for (const auto& e : doc["history"]) {
        if (!e.is_object()) continue;
        ServiceAction a;
        a.timestamp = field(e, "timestamp");
        a.service = field(e, "service");
        a.action = field(e, "action");
        auto success = e.find("success");
        a.success = success != e.end() && success->is_boolean() && success->get<bool>();
        a.message = field(e, "message");
        entries_.push_back(std::move(a));
    }
    if (entries_.size() > options_.limit) {
        entries_.erase(entries_.begin(),
                       entries_.end() - static_cast<std::ptrdiff_t>(options_.limit));
    }
}

void ServiceHistory::record(const std::string& service, const std::string& action, bool success,
                            const std::string& message) {
    // A script's output can be long (up to its capture limit).
    std::string kept = head_and_tail(message, kMaxMessage);
    std::lock_guard lock(mutex_);
    entries_.push_back({format_rfc3339(clock_.now()), service, action, success, std::move(kept)});
    if (entries_.size() > options_.limit) entries_.erase(entries_.begin());
    json list = json::array();
    for (const auto& e : entries_) list.push_back(to_json(e));
    // Script output may hold any bytes; invalid UTF-8 is replaced, never thrown on.
    const std::string file =
        json{{"history", list}}.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    if (auto ok = write_file_durably(options_.path, file); !ok) {
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

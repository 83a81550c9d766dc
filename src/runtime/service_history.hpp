#pragma once
// The Services page's action log (GET /runtime/history): every start/stop/restart and profile
// venomd ran on a runtime, failures included, kept in <data>/runtime-history.json (bounded,
// written durably like the manifest) so a restart keeps it.

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "venom/clock.hpp"
#include "venom/result.hpp"

namespace venom::runtime {

struct ServiceAction {
    std::string timestamp;  // RFC 3339
    std::string service;    // "ollama" | "vllm" | "profile"
    std::string action;     // start | stop | restart | full | light | llm_off
    bool success = false;
    std::string message;
};

// {timestamp, service, action, success, message}: the file's and the API's shape.
nlohmann::json to_json(const ServiceAction& action);

class ServiceHistory {
public:
    struct Options {
        std::filesystem::path path;  // <data>/runtime-history.json
        std::size_t limit = 200;     // oldest entries go first
    };
    ServiceHistory(Options options, const Clock& clock);

    // Reads the file; a missing or unreadable file starts an empty log (said in the log).
    void load();

    // Appends one entry stamped now and writes the file durably. A message longer than
    // kMaxMessage keeps its head and tail. A write failure is logged and
    // the entry kept in memory: the action happened whether or not the log could be saved.
    // BLOCKING (fsync). Thread-safe.
    void record(const std::string& service, const std::string& action, bool success,
                const std::string& message);

    // The newest `limit` entries, newest first. No I/O. Thread-safe.
    std::vector<ServiceAction> latest(std::size_t limit) const;

    static constexpr std::size_t kMaxMessage = 4096;

private:
    Options options_;
    const Clock& clock_;
    mutable std::mutex mutex_;            // guards entries_ and serialises writes of the file
    std::vector<ServiceAction> entries_;  // oldest first
};

}  // namespace venom::runtime

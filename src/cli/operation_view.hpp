#pragma once
// How a followed operation looks: on a terminal a live progress bar; otherwise (a pipe, a log,
// CI) one line per phase change, since a redrawn bar would fill a file with carriage returns;
// then a summary line either way. Under --json nothing until the end (the caller prints the
// final operation object).
//
// Thread-safety: one thread.

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/progress_bar.hpp"

namespace venom::cli {

class OperationView {
public:
    // `quiet`: --json. A bar only when stdout is a terminal.
    explicit OperationView(bool quiet);

    // An operation object (docs/API.md "Operations") as it is now.
    void update(const nlohmann::json& operation);
    // Leaves the bar's line before something else is printed (a prompt).
    void pause();
    // The final state: a last update, then the summary (stdout when it completed, stderr when it
    // failed or was cancelled).
    void finish(const nlohmann::json& operation);

private:
    bool quiet_;
    std::unique_ptr<ProgressBar> bar_;  // null when stdout is not a terminal
    std::string last_line_key_;         // status and message last printed in line mode
};

// "installed", "removed", "activated": what a completed operation did.
std::string completed_verb(const std::string& operation_type);
// Seconds between two RFC 3339 UTC timestamps of venomd ("2026-11-28T04:00:00.123Z"); negative
// when either does not parse.
double seconds_between(const std::string& from, const std::string& to);

}  // namespace venom::cli

#pragma once
// Ids that tie an error answer to its log line: a person reporting "500, request_id r-…" points
// at exactly one line of the daemon's log.

#include <string>

namespace venom::api {

// "r-" and 16 hex digits: a per-process random prefix and a counter, so ids do not repeat
// within a run and rarely across runs. Thread-safe.
std::string new_request_id();

}  // namespace venom::api

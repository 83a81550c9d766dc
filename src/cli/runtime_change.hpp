#pragma once
// What `activate` and `switch` share: both ask venomd to change what a runtime serves, wait for
// its answer (a start can take minutes) and show the steps it took.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_context.hpp"

namespace venom::cli {

// POSTs `request` to `path` and prints venomd's steps, then `summary(answer)` on success (or the
// answer unchanged under --json). Returns venomctl's exit code.
int post_runtime_change(const CommandContext& context, const std::string& path,
                        const nlohmann::json& request,
                        const std::function<std::string(const nlohmann::json&)>& summary);

}  // namespace venom::cli

#pragma once
// venomctl's catalog commands: search and trending (docs/venomctl.md).

#include <string>

#include "cli/command_context.hpp"

namespace venom::cli {

int run_search(const CommandContext& context, const std::string& query, const std::string& provider,
               int limit);
int run_trending(const CommandContext& context, const std::string& provider, int limit);

}  // namespace venom::cli

#pragma once
// venomctl ops: recent operations, or one followed to its end (docs/venomctl.md).

#include <optional>
#include <string>

#include "cli/command_context.hpp"

namespace venom::cli {

int run_ops(const CommandContext& context, const std::optional<std::string>& follow_id, int limit);

}  // namespace venom::cli

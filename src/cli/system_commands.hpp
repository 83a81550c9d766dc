#pragma once
// venomctl's machine commands: usage and health (docs/venomctl.md).

#include "cli/command_context.hpp"

namespace venom::cli {

int run_usage(const CommandContext& context);
int run_health(const CommandContext& context);

}  // namespace venom::cli

#pragma once
// venomctl's runtime commands: ps and switch (docs/venomctl.md).

#include <optional>
#include <string>

#include "cli/command_context.hpp"

namespace venom::cli {

int run_ps(const CommandContext& context);
// `runtime`: ollama or vllm (a local switch, which stops one and starts the other), or a cloud
// runtime (openai, google and its aliases). Without `model`, the last one used there.
int run_switch(const CommandContext& context, const std::string& runtime,
               const std::optional<std::string>& model);

}  // namespace venom::cli

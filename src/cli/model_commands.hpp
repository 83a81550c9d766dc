#pragma once
// venomctl's installed-model commands: ls, pull, rm, activate (docs/venomctl.md).

#include <optional>
#include <string>
#include <vector>

#include "cli/command_context.hpp"

namespace venom::cli {

struct PullOptions {
    std::string name;
    std::string provider = "ollama";
    std::optional<std::string> runtime;  // the provider's runtime when not given
    std::vector<std::string> include;    // Hugging Face only: globs added to the file choice
};

// Each returns venomctl's exit code.
int run_ls(const CommandContext& context);
int run_pull(const CommandContext& context, const PullOptions& options);
int run_rm(const CommandContext& context, const std::string& name);
// Without `runtime`, the runtime the installed model is listed with.
int run_activate(const CommandContext& context, const std::string& name,
                 std::optional<std::string> runtime);

}  // namespace venom::cli

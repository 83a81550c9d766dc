#pragma once
// Shell completion generated from the CLI11 app itself (its subcommands, options and the value
// sets of IsMember checks), so it never goes stale when a command or option is added.

#include <string>

namespace CLI {
class App;
}

namespace venom::cli {

// A bash script defining `_venomctl` and `complete -F _venomctl <app name>`.
std::string bash_completion(const CLI::App& app);

}  // namespace venom::cli

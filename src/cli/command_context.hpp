#pragma once
// What every venomctl command gets: the client, the output mode, and one way to turn an answer
// that is not a success into venomctl's message and exit code (docs/venomctl.md).

#include <functional>
#include <string>

#include "cli/api_client.hpp"
#include "cli/exit_code.hpp"

namespace venom::cli {

struct CommandContext {
    ApiClient& client;
    bool json = false;  // --json: print the API's answers unchanged, no tables, no bar

    // For an answer that is not 2xx, or no answer: prints `venomctl: <detail> (<code>)` (or why
    // venomd could not be reached) to stderr, the error body to stdout under --json, and returns
    // kExitRefused or kExitUnreachable.
    int fail(const ApiResponse& response) const;
    // Prints the body as venomd sent it, with a final newline.
    void print_body(const ApiResponse& response) const;
    // A read command's answer: fail() when it is not a success; under --json the body
    // unchanged; otherwise `print` shows its JSON to a person. Returns venomctl's exit code.
    int show(const ApiResponse& response,
             const std::function<void(const nlohmann::json&)>& print) const;
};

// The string at `key`, or `fallback` when it is absent, null or not a string; made printable,
// since a human-readable line shows it.
std::string text_of(const nlohmann::json& object, const char* key,
                    const std::string& fallback = "");
// `text` with its control characters (ESC, CR, newlines; the C1 controls) made spaces: what a
// venomd, or whatever answers at VENOM_URL, says must not move the cursor or restyle the
// terminal.
std::string printable(std::string text);

}  // namespace venom::cli

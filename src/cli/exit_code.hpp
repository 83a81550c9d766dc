#pragma once
// venomctl's exit codes (docs/venomctl.md "Exit codes"): scripts branch on them, so they are a
// contract like the API's error codes.

namespace venom::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitOperationFailed = 1,  // the operation failed or was cancelled
    kExitUsage = 2,            // bad command line (CLI11's parse errors too)
    kExitUnreachable = 3,      // venomd could not be reached: refused, timeout, DNS
    kExitRefused = 4,          // venomd answered an error (any 4xx/5xx)
    // Ctrl-C detached from an operation that goes on: not a success (the model is not installed
    // yet), not a failure; 128 + SIGINT as shells report an interrupted command.
    kExitDetached = 130,
};

}  // namespace venom::cli

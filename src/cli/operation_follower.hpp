#pragma once
// Following one operation on venomd to its end, as `pull`, `rm` and `ops --follow` do.
//
// It reads the operation's own Server-Sent Events stream (`GET /api/v1/events?operation_id=`):
// venomd pushes each change as it happens (at most one progress event per 100 ms) and closes the
// stream after the final state, so the bar moves with the download and no requests are spent
// asking for nothing new. When the stream cannot be opened or breaks (an old venomd, a proxy
// that buffers), it polls `GET /api/v1/models/operations/{id}` every 500 ms instead.
//
// Ctrl-C: with a terminal on stdin it asks "cancel the operation on venomd or detach? [c/D]";
// `c` sends `DELETE /api/v1/models/operations/{id}` and follows the operation until it has
// stopped; anything else, or no terminal, detaches: the operation goes on and venomctl says how
// to follow it again.

#include <string>

#include "cli/command_context.hpp"

namespace venom::cli {

// Returns kExitOk when the operation completed, kExitOperationFailed when it failed or was
// cancelled, kExitDetached after a detach, kExitUnreachable/kExitRefused when venomd could not
// be asked. Under --json prints `GET /api/v1/models/operations/{id}`'s final answer unchanged.
int follow_operation(const CommandContext& context, const std::string& operation_id);

}  // namespace venom::cli

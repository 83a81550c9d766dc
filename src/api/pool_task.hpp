#pragma once
// Running a handler's blocking part (upstream calls, service scripts) on the request pool, so
// the I/O thread keeps serving; a full pool answers 503 at once instead of queueing forever.

#include <utility>

#include "api/json_response.hpp"
#include "api/router.hpp"
#include "api/services.hpp"

namespace venom::api {

template <typename Work>  // Work: () -> HttpResponse
void answer_from_pool(Services& services, const Respond& respond, Work work) {
    const bool queued =
        services.pool.post([respond, work = std::move(work)]() mutable { respond(work()); });
    if (!queued) {
        respond(error_response(503, "busy", "Too many requests in progress; retry shortly"));
    }
}

}  // namespace venom::api

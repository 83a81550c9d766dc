#pragma once
// Running a handler's blocking part (upstream calls, service scripts) on a pool, so the I/O
// thread keeps serving. Every path answers exactly once (issue 9, finding 5): the work's answer,
// 500 internal_error with a request_id when it throws, 503 busy when the pool is full, 503
// shutting_down when the pool stops before the work started. The router's deadline covers work
// that never finishes.

#include <exception>
#include <string>
#include <utility>

#include "api/json_response.hpp"
#include "api/request_id.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/logging.hpp"

namespace venom::api {

// 500 for work that threw; the id is in the answer and in the log line.
inline HttpResponse internal_error_response(const char* what) {
    const std::string request_id = new_request_id();
    logger("api")->error("pool task threw request_id={} error=\"{}\"", request_id, what);
    return error_response(
        make_error(500, "internal_error", "Internal error (request_id " + request_id + ")"),
        request_id);
}

// Runs `task` on `pool`; `task` answers through `respond` itself, now or later (from another
// thread). A throw is answered 500 (a later answer is then dropped: Respond answers once).
template <typename Task>  // Task: () -> void
void start_on_pool(BlockingPool& pool, const Respond& respond, Task task) {
    const bool queued = pool.post(
        [respond, task = std::move(task)]() mutable {
            try {
                task();
            } catch (const std::exception& e) {
                respond(internal_error_response(e.what()));
            } catch (...) {
                respond(internal_error_response("non-standard exception"));
            }
        },
        [respond] {
            respond(error_response(503, "shutting_down",
                                   "venomd is shutting down; retry when it is back"));
        });
    if (!queued) {
        respond(error_response(503, "busy", "Too many requests in progress; retry shortly"));
    }
}

// The same for work whose answer is its result.
template <typename Work>  // Work: () -> HttpResponse
void answer_from_pool(BlockingPool& pool, const Respond& respond, Work work) {
    start_on_pool(pool, respond, [respond, work = std::move(work)]() mutable { respond(work()); });
}

}  // namespace venom::api

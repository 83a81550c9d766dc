#pragma once
// What the API answers for an operation (docs/API.md "Operations"): the entries of
// GET /api/v1/models/operations, the "operation" of GET and DELETE
// /api/v1/models/operations/{operation_id}, and the payload of the OPERATION_STATUS_UPDATE and
// OPERATION_PROGRESS events of GET /api/v1/events and /ws/events. The history file has its own
// format (src/core/operations_file.hpp).

#include <nlohmann/json.hpp>

#include "venom/operation.hpp"

namespace venom::api {

// {operation_id, model_name, provider, runtime, operation_type, status, progress, message,
// error, bytes_total, bytes_done, started_at, updated_at, completed_at}: error, bytes_total and
// completed_at are null until known. An OperationShape, so the queue's list cache and the event
// publisher can be handed it.
nlohmann::json operation_json(const Operation& op);

}  // namespace venom::api

#include "api/json/operation_json.hpp"

#include "venom/json_nullable.hpp"

namespace venom::api {

using nlohmann::json;

json operation_json(const Operation& op) {
    return {
        {"operation_id", op.operation_id},
        {"model_name", op.model_name},
        {"provider", op.provider},
        {"runtime", op.runtime},
        {"operation_type", to_string(op.type)},
        {"status", to_string(op.status)},
        {"progress", op.progress},
        {"message", op.message},
        {"error", nullable(op.error)},
        {"bytes_total", nullable(op.bytes_total)},
        {"bytes_done", op.bytes_done},
        {"started_at", op.started_at},
        {"updated_at", op.updated_at},
        {"completed_at", nullable(op.completed_at)},
    };
}

}  // namespace venom::api

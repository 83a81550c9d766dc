#pragma once
// An operation is long work the daemon does on a model (install, remove, activate): it has an
// id the client polls, real progress, and a final status kept in the history.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace venom {

enum class OperationType { install, remove, activate };
enum class OperationStatus { pending, in_progress, completed, failed, cancelled };

std::string_view to_string(OperationType type);
std::string_view to_string(OperationStatus status);
std::optional<OperationType> parse_operation_type(std::string_view text);
std::optional<OperationStatus> parse_operation_status(std::string_view text);

struct Operation {
    std::string operation_id;  // UUID v4
    std::string model_name;
    std::string provider;
    std::string runtime;
    OperationType type = OperationType::install;
    OperationStatus status = OperationStatus::pending;
    double progress = 0.0;  // 0..100, from real bytes or phases; 100 only when completed
    std::string message;
    std::optional<std::string> error;
    std::optional<uint64_t> bytes_total;
    uint64_t bytes_done = 0;
    std::string started_at;  // RFC 3339 UTC
    std::string updated_at;
    std::optional<std::string> completed_at;

    bool finished() const {
        return status == OperationStatus::completed || status == OperationStatus::failed ||
               status == OperationStatus::cancelled;
    }
};

// How an answer shows an operation. Core does not choose it: the API's shape is
// api::operation_json (src/api/json/operation_json.hpp), handed to the queue's list cache and to
// the event publisher; operations.json has its own format (src/core/operations_file.hpp).
using OperationShape = nlohmann::json (*)(const Operation& op);

// A random (version 4) UUID, e.g. "550e8400-e29b-41d4-a716-446655440000". Thread-safe.
std::string make_uuid_v4();

}  // namespace venom

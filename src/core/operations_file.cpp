#include "core/operations_file.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "venom/json_nullable.hpp"

namespace venom::operations_file {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "venomd-operations";
// Invalid UTF-8 in a message an upstream sent must not make the history unwritable.
constexpr auto kReplaceInvalidUtf8 = json::error_handler_t::replace;

json record(const Operation& op) {
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

template <typename T>
std::optional<T> nullable_field(const json& j, const char* name) {
    const auto it = j.find(name);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->get<T>();
}

Operation from_record(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("an operation record is not an object");
    Operation op;
    op.operation_id = j.at("operation_id").get<std::string>();
    op.model_name = j.at("model_name").get<std::string>();
    op.provider = j.value("provider", "");
    op.runtime = j.value("runtime", "");
    const auto type = parse_operation_type(j.at("operation_type").get<std::string>());
    const auto status = parse_operation_status(j.at("status").get<std::string>());
    if (!type) throw std::invalid_argument("unknown operation_type in " + op.operation_id);
    if (!status) throw std::invalid_argument("unknown status in " + op.operation_id);
    op.type = *type;
    op.status = *status;
    op.progress = j.value("progress", 0.0);
    op.message = j.value("message", "");
    op.error = nullable_field<std::string>(j, "error");
    op.bytes_total = nullable_field<uint64_t>(j, "bytes_total");
    op.bytes_done = j.value("bytes_done", uint64_t{0});
    op.started_at = j.value("started_at", "");
    op.updated_at = j.value("updated_at", op.started_at);
    op.completed_at = nullable_field<std::string>(j, "completed_at");
    return op;
}

}  // namespace

std::string serialize(const std::vector<const Operation*>& operations) {
    json doc = {{"format", kFormat}, {"version", kVersion}, {"operations", json::array()}};
    auto& records = doc["operations"];
    for (const Operation* op : operations) records.push_back(record(*op));
    return doc.dump(1, ' ', false, kReplaceInvalidUtf8);
}

std::vector<Operation> parse(std::string_view text) {
    try {
        const json doc = json::parse(text);
        if (!doc.is_object()) throw std::invalid_argument("not a JSON object");
        const int version = doc.value("version", 0);
        if (version != 0 && doc.value("format", "") != kFormat) {
            throw std::invalid_argument("not a venomd operation history");
        }
        if (version > kVersion || version < 0) {
            throw std::invalid_argument("written by a newer venomd (format version " +
                                        std::to_string(version) + "; this one reads up to " +
                                        std::to_string(kVersion) + ")");
        }
        std::vector<Operation> operations;
        for (const auto& item : doc.at("operations")) operations.push_back(from_record(item));
        return operations;
    } catch (const json::exception& e) {
        throw std::invalid_argument(e.what());
    }
}

}  // namespace venom::operations_file

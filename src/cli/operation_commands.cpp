#include "cli/operation_commands.hpp"

#include <cstdio>

#include "cli/operation_follower.hpp"
#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

void print_operations(const nlohmann::json& body) {
    TablePrinter table({"ID", "TYPE", "MODEL", "STATUS", "PROGRESS", "UPDATED", "MESSAGE"});
    table.align_right(4);
    if (body.contains("operations") && body["operations"].is_array()) {
        for (const auto& op : body["operations"]) {
            const auto progress = op.find("progress");
            char percent[16] = "-";
            if (progress != op.end() && progress->is_number()) {
                std::snprintf(percent, sizeof percent, "%.0f%%", progress->get<double>());
            }
            std::string message = text_of(op, "message");
            const std::string status = text_of(op, "status");
            if (status == "failed" && op.contains("error") && op["error"].is_string()) {
                message = printable(op["error"].get<std::string>());
            }
            table.add_row({text_of(op, "operation_id"), text_of(op, "operation_type"),
                           text_of(op, "model_name"), status, percent, text_of(op, "updated_at"),
                           message});
        }
    }
    table.print_or(stdout, "no operations");
}

}  // namespace

int run_ops(const CommandContext& context, const std::optional<std::string>& follow_id, int limit) {
    if (follow_id) return follow_operation(context, *follow_id);
    return context.show(
        context.client.get("/api/v1/models/operations?limit=" + std::to_string(limit)),
        print_operations);
}

}  // namespace venom::cli

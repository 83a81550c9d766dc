#include "cli/system_commands.hpp"

#include <cstdio>

#include "cli/human_format.hpp"
#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

// "12.5 of 50.0 GiB (25.0 %)" from the usage answer's figures; "-" for the nulls the API sends
// for what it cannot measure (no GPU, the first CPU sample).
std::string figure(const nlohmann::json& usage, const char* key, const char* unit) {
    const auto it = usage.find(key);
    if (it == usage.end() || !it->is_number()) return "-";
    char text[48];
    std::snprintf(text, sizeof text, "%.1f%s", it->get<double>(), unit);
    return text;
}

void print_usage(const CommandContext& context, const nlohmann::json& body) {
    const nlohmann::json usage = body.value("usage", nlohmann::json::object());
    TablePrinter table({"RESOURCE", "USED", "OF", "PERCENT"});
    table.align_right(1);
    table.align_right(2);
    table.align_right(3);
    table.add_row({"models (quota)", figure(usage, "disk_usage_gb", " GiB"),
                   figure(usage, "disk_limit_gb", " GiB"),
                   figure(usage, "disk_usage_percent", " %")});
    table.add_row({"disk", figure(usage, "disk_system_used_gb", " GiB"),
                   figure(usage, "disk_system_total_gb", " GiB"),
                   figure(usage, "disk_system_usage_percent", " %")});
    table.add_row({"memory", figure(usage, "memory_used_gb", " GiB"),
                   figure(usage, "memory_total_gb", " GiB"),
                   figure(usage, "memory_usage_percent", " %")});
    table.add_row({"cpu", "", "", figure(usage, "cpu_usage_percent", " %")});
    table.add_row({"gpu", "", "", figure(usage, "gpu_usage_percent", " %")});
    table.add_row({"vram", figure(usage, "vram_usage_mb", " MiB"),
                   figure(usage, "vram_total_mb", " MiB"),
                   figure(usage, "vram_usage_percent", " %")});
    table.print(stdout);
    const auto count = usage.find("models_count");
    if (count != usage.end() && count->is_number()) {
        std::printf("\n%lld models installed\n", count->get<long long>());
    }

    // What takes the space: the storage answer's largest entries of the models directory.
    const ApiResponse storage = context.client.get("/api/v1/system/storage");
    if (!storage.ok()) return;  // the figures above stand on their own
    const nlohmann::json listing = storage.json();
    if (!listing.contains("items") || !listing["items"].is_array() || listing["items"].empty()) {
        return;
    }
    TablePrinter items({"ITEM", "KIND", "SIZE"});
    items.align_right(2);
    for (const auto& item : listing["items"]) {
        const auto size = item.find("size_bytes");
        items.add_row(
            {text_of(item, "name"), text_of(item, "kind"),
             size != item.end() && size->is_number() ? human_bytes(size->get<double>()) : "-"});
    }
    std::printf("\n");
    items.print(stdout);
}

}  // namespace

int run_usage(const CommandContext& context) {
    return context.show(context.client.get("/api/v1/models/usage"),
                        [&context](const nlohmann::json& body) { print_usage(context, body); });
}

int run_health(const CommandContext& context) {
    return context.show(
        context.client.get("/api/v1/health"), [&context](const nlohmann::json& body) {
            std::printf("venomd %s at %s: %s\n", text_of(body, "version", "?").c_str(),
                        context.client.base_url().c_str(), text_of(body, "status", "?").c_str());
            if (!body.contains("warnings") || !body["warnings"].is_array()) return;
            for (const auto& warning : body["warnings"]) {
                if (warning.is_string()) {
                    std::printf("warning: %s\n", printable(warning.get<std::string>()).c_str());
                }
            }
        });
}

}  // namespace venom::cli

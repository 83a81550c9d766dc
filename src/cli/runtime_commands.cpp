#include "cli/runtime_commands.hpp"

#include <algorithm>
#include <cstdio>

#include "cli/runtime_change.hpp"
#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

int run_ps(const CommandContext& context) {
    const ApiResponse servers = context.client.get("/api/v1/system/llm-servers");
    if (!servers.ok()) return context.fail(servers);
    const ApiResponse active = context.client.get("/api/v1/system/llm-runtime/active");
    if (!active.ok()) return context.fail(active);
    if (context.json) {
        // Two answers, each as venomd sent it.
        const nlohmann::json both = {{"llm_servers", servers.json()},
                                     {"llm_runtime_active", active.json()}};
        std::printf("%s\n", both.dump().c_str());
        return kExitOk;
    }
    const nlohmann::json body = servers.json();
    TablePrinter table({"RUNTIME", "STATUS", "ACTIVE", "LATENCY", "ENDPOINT", "MODELS"});
    table.align_right(3);
    if (body.contains("servers") && body["servers"].is_array()) {
        for (const auto& server : body["servers"]) {
            std::string models;
            if (server.contains("models") && server["models"].is_array()) {
                for (const auto& m : server["models"]) {
                    if (m.is_string())
                        models += (models.empty() ? "" : ",") + printable(m.get<std::string>());
                }
            }
            char latency[32] = "-";
            const auto ms = server.find("latency_ms");
            if (ms != server.end() && ms->is_number()) {
                std::snprintf(latency, sizeof latency, "%.1f ms", ms->get<double>());
            }
            table.add_row({text_of(server, "name"), text_of(server, "status"),
                           server.value("active", false) ? "yes" : "", latency,
                           text_of(server, "endpoint"), models});
        }
    }
    table.print(stdout);
    const nlohmann::json runtime = active.json().value("runtime", nlohmann::json::object());
    const std::string provider = text_of(runtime, "provider");
    if (provider.empty()) {
        std::printf("\nactive runtime: none\n");
    } else {
        std::printf("\nactive runtime: %s, model %s at %s\n", provider.c_str(),
                    text_of(runtime, "model", "-").c_str(), text_of(runtime, "endpoint").c_str());
    }
    return kExitOk;
}

int run_switch(const CommandContext& context, const std::string& runtime,
               const std::optional<std::string>& model) {
    const std::string name = lower(runtime);
    const bool local = name == "ollama" || name == "vllm";
    nlohmann::json request;
    std::string path;
    if (local) {
        path = "/api/v1/system/llm-servers/active";
        request = {{"server_name", name}};
    } else {
        path = "/api/v1/system/llm-runtime/active";
        request = {{"provider", name}};
    }
    if (model) request["model"] = *model;
    return post_runtime_change(context, path, request, [](const nlohmann::json& answer) {
        return "active: " + text_of(answer, "active_server") + ", model " +
               text_of(answer, "active_model", "-") + " at " + text_of(answer, "active_endpoint");
    });
}

}  // namespace venom::cli

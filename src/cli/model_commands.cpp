#include "cli/model_commands.hpp"

#include <cstdio>

#include "cli/human_format.hpp"
#include "cli/operation_follower.hpp"
#include "cli/runtime_change.hpp"
#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

std::string size_cell(const nlohmann::json& model) {
    auto size = model.find("size_gb");
    return size != model.end() && size->is_number() ? human_gib(size->get<double>()) : "-";
}

bool same_name(std::string a, std::string b) {
    // Ollama names compare case-insensitively (docs/API.md "Ollama installs"); so do we here.
    for (auto* s : {&a, &b}) {
        for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return a == b || a == b + ":latest" || a + ":latest" == b;
}

// Follows the operation an answer names, or prints the answer's message when it names none.
int follow_answer(const CommandContext& context, const ApiResponse& response) {
    const nlohmann::json body = response.json();
    const std::string id = text_of(body, "operation_id");
    if (id.empty()) {
        if (context.json) {
            context.print_body(response);
        } else {
            std::printf("%s\n", text_of(body, "message", "done").c_str());
        }
        return kExitOk;
    }
    if (!context.json) {
        std::printf("%s (operation %s)\n", text_of(body, "message").c_str(), id.c_str());
        std::fflush(stdout);
    }
    return follow_operation(context, id);
}

void print_installed(const nlohmann::json& body) {
    TablePrinter table({"NAME", "PROVIDER", "RUNTIME", "SIZE", "ACTIVE"});
    table.align_right(3);
    if (body.contains("models") && body["models"].is_array()) {
        for (const auto& model : body["models"]) {
            std::string name = text_of(model, "name");
            const std::string status = text_of(model, "status", "installed");
            if (status != "installed") name += " (" + status + ")";
            const bool active = model.value("active", false);
            table.add_row({name, text_of(model, "provider"), text_of(model, "runtime"),
                           size_cell(model), active ? "yes" : ""});
        }
    }
    table.print_or(stdout, "no models installed (venomctl pull NAME installs one)");
}

}  // namespace

int run_ls(const CommandContext& context) {
    return context.show(context.client.get("/api/v1/models"), print_installed);
}

int run_pull(const CommandContext& context, const PullOptions& options) {
    nlohmann::json request = {{"name", options.name}, {"provider", options.provider}};
    if (options.runtime) request["runtime"] = *options.runtime;
    if (!options.include.empty()) request["include"] = options.include;
    const ApiResponse response = context.client.post("/api/v1/models/registry/install", request);
    if (!response.ok()) return context.fail(response);
    return follow_answer(context, response);
}

int run_rm(const CommandContext& context, const std::string& name) {
    const ApiResponse response =
        context.client.del("/api/v1/models/registry/" + percent_encode(name));
    if (!response.ok()) return context.fail(response);
    return follow_answer(context, response);
}

int run_activate(const CommandContext& context, const std::string& name,
                 std::optional<std::string> runtime) {
    if (!runtime) {
        const ApiResponse listing = context.client.get("/api/v1/models");
        if (!listing.ok()) return context.fail(listing);
        const nlohmann::json body = listing.json();
        if (body.contains("models") && body["models"].is_array()) {
            for (const auto& model : body["models"]) {
                if (same_name(text_of(model, "name"), name)) {
                    runtime = text_of(model, "runtime");
                    break;
                }
            }
        }
        if (!runtime || runtime->empty()) {
            std::fprintf(stderr,
                         "venomctl: %s is not installed; name its runtime with --runtime "
                         "(ollama, vllm, openai, google)\n",
                         name.c_str());
            return kExitUsage;
        }
    }
    return post_runtime_change(context, "/api/v1/models/activate",
                               {{"name", name}, {"runtime", *runtime}},
                               [&name](const nlohmann::json& answer) {
                                   return text_of(answer, "message", "activated " + name);
                               });
}

}  // namespace venom::cli

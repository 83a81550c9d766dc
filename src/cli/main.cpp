// venomctl: a command-line client of venomd's public REST API (docs/venomctl.md). It speaks
// only HTTP to venomd, so it manages a remote venomd as well as the local one.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_client.hpp"
#include "cli/catalog_commands.hpp"
#include "cli/command_context.hpp"
#include "cli/completion.hpp"
#include "cli/exit_code.hpp"
#include "cli/model_commands.hpp"
#include "cli/operation_commands.hpp"
#include "cli/runtime_commands.hpp"
#include "cli/system_commands.hpp"

namespace {

using namespace venom::cli;

// The environment as venomd reads it (DESIGN.md "Command line and environment").
std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Manage the LLM models of a venomd over its REST API (docs/venomctl.md).",
                 "venomctl"};
    // At most one command. "At least one" is checked after parsing: CLI11 would report a
    // misspelt command ("venomctl lss") as a missing one instead of naming it.
    app.require_subcommand(0, 1);
    app.footer(
        "Environment: VENOM_URL (default http://127.0.0.1:8000), VENOM_API_TOKEN (sent as a "
        "bearer token).\nExit codes: 0 ok, 1 operation failed or cancelled, 2 usage error, "
        "3 cannot reach venomd, 4 refused by venomd, 130 detached with Ctrl-C.");

    std::string url = env_or("VENOM_URL", "http://127.0.0.1:8000");
    bool json = false;
    // Every command takes them, before or after its name.
    auto add_common = [&](CLI::App* command) {
        command->add_option("--url", url, "venomd's address (VENOM_URL; http://127.0.0.1:8000)");
        command->add_flag("--json", json, "print venomd's JSON answer unchanged");
    };
    add_common(&app);
    const auto providers = CLI::IsMember({"ollama", "huggingface"});

    CLI::App* ls = app.add_subcommand("ls", "installed models: name, provider, runtime, size");

    CLI::App* search = app.add_subcommand("search", "search a provider's catalog");
    std::string query;
    std::string provider = "ollama";
    int limit = 12;
    search->add_option("query", query, "what to look for (2-200 characters)")->required();
    search->add_option("--provider", provider, "catalog to search (default ollama)")
        ->check(providers);
    search->add_option("--limit", limit, "at most this many (1-100, default 12)")
        ->check(CLI::Range(1, 100));

    CLI::App* trending = app.add_subcommand("trending", "what is popular now on a provider");
    trending->add_option("--provider", provider, "catalog (default ollama)")->check(providers);
    trending->add_option("--limit", limit, "at most this many (1-200, default 12)")
        ->check(CLI::Range(1, 200));

    CLI::App* pull =
        app.add_subcommand("pull", "install a model and follow it with a progress bar");
    PullOptions pull_options;
    pull->add_option("name", pull_options.name,
                     "llama3.2:1b (Ollama), Qwen/Qwen2.5-0.5B-Instruct or org/repo-GGUF:Q4_K_M "
                     "(Hugging Face)")
        ->required();
    pull->add_option("--provider", pull_options.provider, "where from (default ollama)")
        ->check(providers);
    pull->add_option("--include", pull_options.include,
                     "Hugging Face: also fetch repository files matching this glob (repeatable)");

    CLI::App* rm = app.add_subcommand("rm", "remove an installed model");
    std::string name;
    rm->add_option("name", name, "the model, as venomctl ls lists it")->required();

    CLI::App* activate =
        app.add_subcommand("activate", "make a model the active one on its runtime");
    std::optional<std::string> runtime;
    activate->add_option("name", name, "the model, as venomctl ls lists it")->required();
    activate
        ->add_option("--runtime", runtime,
                     "ollama, vllm, openai or google (default: the runtime ls lists it with)")
        ->check(CLI::IsMember({"ollama", "vllm", "openai", "google"}));

    CLI::App* ps = app.add_subcommand("ps", "runtimes, their health and what they serve");

    CLI::App* ops = app.add_subcommand("ops", "recent operations, or follow one to its end");
    std::optional<std::string> follow_id;
    int ops_limit = 10;
    ops->add_option("--follow", follow_id, "follow this operation with a progress bar");
    ops->add_option("--limit", ops_limit, "at most this many (1-1000, default 10)")
        ->check(CLI::Range(1, 1000));

    CLI::App* usage = app.add_subcommand("usage", "disk, memory, CPU and GPU use, the quota");

    CLI::App* switch_runtime =
        app.add_subcommand("switch", "switch the active runtime (and model)");
    std::string target;
    std::optional<std::string> model;
    switch_runtime->add_option("runtime", target, "ollama, vllm (local), openai, google (cloud)")
        ->required()
        ->check(
            CLI::IsMember({"ollama", "vllm", "openai", "google", "gem", "gemini", "google-gemini"},
                          CLI::ignore_case));
    switch_runtime->add_option("model", model, "the model (default: the last one used there)");

    CLI::App* health = app.add_subcommand("health", "whether venomd answers, and its version");

    CLI::App* completion = app.add_subcommand("completion", "print a shell completion script");
    completion->require_subcommand(1);
    CLI::App* completion_bash = completion->add_subcommand(
        "bash", "bash: venomctl completion bash | sudo tee /etc/bash_completion.d/venomctl");

    for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
        if (command != completion) add_common(command);
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? kExitOk : kExitUsage;
    }

    if (app.get_subcommands().empty()) {
        std::fprintf(stderr, "venomctl: a command is required\n%s", app.help().c_str());
        return kExitUsage;
    }
    if (*completion_bash) {
        std::fputs(bash_completion(app).c_str(), stdout);
        return kExitOk;
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        std::fprintf(stderr, "venomctl: --url/VENOM_URL must start with http:// or https://: %s\n",
                     url.c_str());
        return kExitUsage;
    }
    const std::string token = env_or("VENOM_API_TOKEN", "");
    ApiClient client(url, token.empty() ? std::nullopt : std::optional<std::string>(token));
    const CommandContext context{client, json};

    if (*ls) return run_ls(context);
    if (*search) return run_search(context, query, provider, limit);
    if (*trending) return run_trending(context, provider, limit);
    if (*pull) return run_pull(context, pull_options);
    if (*rm) return run_rm(context, name);
    if (*activate) return run_activate(context, name, runtime);
    if (*ps) return run_ps(context);
    if (*ops) return run_ops(context, follow_id, ops_limit);
    if (*usage) return run_usage(context);
    if (*switch_runtime) return run_switch(context, target, model);
    if (*health) return run_health(context);
    return kExitUsage;  // every command returned above
}

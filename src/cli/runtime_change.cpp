#include "cli/runtime_change.hpp"

#include <chrono>
#include <cstdio>

#include "cli/table_printer.hpp"

namespace venom::cli {

namespace {

// A runtime start can take minutes (vLLM loading weights); venomd bounds it by
// runtime_ready_timeout_seconds and answers, so this only guards against a lost answer.
constexpr std::chrono::seconds kChangeTimeout{15 * 60};

// The answer's `steps` (validate, stop, start, wait ready, ...) as a table.
void print_steps(const nlohmann::json& answer) {
    if (!answer.is_object() || !answer.contains("steps") || !answer["steps"].is_array() ||
        answer["steps"].empty()) {
        return;
    }
    TablePrinter table({"STEP", "OK", "MS", "DETAIL"});
    table.align_right(2);
    for (const auto& step : answer["steps"]) {
        const auto ms = step.find("duration_ms");
        table.add_row(
            {text_of(step, "step"), step.value("ok", false) ? "yes" : "no",
             ms != step.end() && ms->is_number() ? std::to_string(ms->get<long long>()) : "",
             text_of(step, "detail")});
    }
    table.print(stdout);
}

}  // namespace

int post_runtime_change(const CommandContext& context, const std::string& path,
                        const nlohmann::json& request,
                        const std::function<std::string(const nlohmann::json&)>& summary) {
    const ApiResponse response = context.client.post(path, request, kChangeTimeout);
    if (!response.ok()) {
        // A failed switch says which step failed; the error line follows.
        if (!context.json && response.reached()) print_steps(response.json());
        return context.fail(response);
    }
    return context.show(response, [&summary](const nlohmann::json& answer) {
        print_steps(answer);
        std::printf("%s\n", summary(answer).c_str());
    });
}

}  // namespace venom::cli

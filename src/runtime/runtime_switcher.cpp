#include "runtime/runtime_switcher.hpp"

#include <algorithm>
#include <filesystem>

#include "events/event_types.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/logging.hpp"
#include "venom/model_name.hpp"
#include "venom/ollama_name.hpp"
#include "venom/text.hpp"
#include "venom/vllm_launch.hpp"

namespace venom::runtime {
namespace {

using steady = std::chrono::steady_clock;

// A step's timer: construct before the work, then finish() with the outcome.
class StepTimer {
public:
    explicit StepTimer(SwitchReport& report, std::string name)
        : report_(report), name_(std::move(name)) {}
    SwitchStep& finish(bool ok, std::string detail, std::optional<int> exit_code = {}) {
        report_.steps.push_back(
            {name_, ok, std::move(detail), exit_code,
             std::chrono::duration<double, std::milli>(steady::now() - start_).count()});
        return report_.steps.back();
    }
    // A script's outcome: its own words (stdout, else stderr), or why it could not run.
    SwitchStep& finish(const Result<ActionResult>& action) {
        if (!action) return finish(false, action.error().message);
        const std::string& words = action->ok() || action->err.empty() ? action->out : action->err;
        return finish(action->ok(),
                      words.empty() ? "exit " + std::to_string(action->exit_code) : words,
                      action->exit_code);
    }

private:
    SwitchReport& report_;
    std::string name_;
    steady::time_point start_ = steady::now();
};

bool serves(Runtime server, const std::vector<std::string>& models, const std::string& model) {
    return std::any_of(models.begin(), models.end(), [&](const std::string& m) {
        return server == Runtime::ollama ? same_ollama_model(m, model) : m == model;
    });
}

// What the vLLM script is started with (scripts/llm/vllm_service.sh). Tuning variables only
// when saved, so an operator's own VLLM_MAX_MODEL_LEN in venomd's environment still applies to
// models without a saved context_length.
std::vector<std::pair<std::string, std::string>> vllm_env(
    const std::string& path, const std::string& served, const std::optional<std::string>& tokenizer,
    const VllmTuning& tuning) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"VLLM_MODEL_PATH", path},
        {"VLLM_SERVED_MODEL_NAME", served},
        {"VLLM_TOKENIZER", tokenizer.value_or("")}};
    if (tuning.max_model_len) {
        env.emplace_back("VLLM_MAX_MODEL_LEN", std::to_string(*tuning.max_model_len));
    }
    if (tuning.override_generation_config) {
        env.emplace_back("VLLM_OVERRIDE_GENERATION_CONFIG", *tuning.override_generation_config);
    }
    return env;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out.empty() ? "none" : out;
}

}  // namespace

bool same_ollama_model(const std::string& a, const std::string& b) {
    return same_ollama_name(a, b);
}

// Holds the gate and the runtime locks for one switch and announces its start and its outcome;
// on the way out a failed switch is recorded as the last one, so the panel sees why it failed
// (issue 11, point 6). The runtimes are free again before the gate opens.
class RuntimeSwitcher::GateHold {
public:
    GateHold(RuntimeSwitcher& s, const SwitchReport& r, RuntimeLocks::Hold runtimes)
        : s_(s), r_(r), runtimes_(std::move(runtimes)) {
        announce("started");
    }
    ~GateHold() {
        if (r_.error) s_.record_failure(r_);
        announce(r_.error ? "failed" : "completed");
        runtimes_.release();
        s_.leave();
    }
    const RuntimeLocks::Hold& runtimes() const { return runtimes_; }

private:
    void announce(std::string_view status) {
        events::publish_runtime_switch(
            s_.events_, status, std::string(to_string(r_.runtime)),
            r_.previous_runtime ? std::string(to_string(*r_.previous_runtime)) : "", r_.model,
            r_.error ? r_.error->message : "");
    }
    RuntimeSwitcher& s_;
    const SwitchReport& r_;
    RuntimeLocks::Hold runtimes_;
};

RuntimeSwitcher::RuntimeSwitcher(LlmServerController& controller, cloud::CloudCatalog& catalog,
                                 ModelRegistry& registry, RuntimeStateStore& state,
                                 RuntimeLocks& locks, const Clock& clock, Options options)
    : controller_(controller),
      catalog_(catalog),
      registry_(registry),
      state_(state),
      locks_(locks),
      clock_(clock),
      options_(options) {}

Result<RuntimeLocks::Hold> RuntimeSwitcher::enter(Runtime target, const std::string& model,
                                                  std::optional<Runtime> from) {
    std::lock_guard lock(mutex_);
    if (gate_.in_progress) {
        return make_error(409, "runtime_switch_in_progress",
                          "Another runtime switch is in progress; retry when it is done");
    }
    // A switch to a local runtime may stop every other local one and starts (or restarts) the
    // target: it holds them all from here to its end, taken at once so that two takers can never
    // each wait for what the other holds. A switch to a cloud runtime stops and starts nothing.
    RuntimeLocks::Hold runtimes;
    if (is_local(target)) {
        auto taken =
            locks_.try_acquire(std::vector<Runtime>(kLocalRuntimes.begin(), kLocalRuntimes.end()),
                               "switch to " + std::string(to_string(target)));
        if (!taken) return taken.error();
        runtimes = std::move(*taken);
    }
    gate_ = {true,   "switch-" + std::to_string(++switches_),
             target, model,
             from,   format_rfc3339(clock_.now())};
    ++version_;
    return runtimes;
}

void RuntimeSwitcher::leave() {
    std::lock_guard lock(mutex_);
    gate_ = {};
    ++version_;
}

SwitchGate RuntimeSwitcher::gate() const {
    std::lock_guard lock(mutex_);
    return gate_;
}

std::optional<SwitchEvent> RuntimeSwitcher::last_switch() const {
    std::lock_guard lock(mutex_);
    return last_;
}

void RuntimeSwitcher::record(const SwitchReport& report) {
    std::lock_guard lock(mutex_);
    last_ = SwitchEvent{gate_.switch_id,
                        report.runtime,
                        report.model,
                        report.previous_runtime,
                        format_rfc3339(clock_.now()),
                        true,
                        "switched"};
    ++version_;
    logger("runtime")->info("switched runtime={} model={} from={}", to_string(report.runtime),
                            report.model,
                            report.previous_runtime ? to_string(*report.previous_runtime) : "none");
}

void RuntimeSwitcher::record_failure(const SwitchReport& report) {
    std::lock_guard lock(mutex_);
    last_ = SwitchEvent{gate_.switch_id,
                        report.runtime,
                        report.model,
                        report.previous_runtime,
                        format_rfc3339(clock_.now()),
                        false,
                        "switch to " + std::string(to_string(report.runtime)) +
                            " failed: " + report.error->message};
    ++version_;
}

SwitchReport RuntimeSwitcher::switch_local(Runtime server,
                                           const std::optional<std::string>& requested) {
    SwitchReport report;
    report.runtime = server;
    const ServerInfo* info = controller_.find(server);
    if (!info) {
        report.error = make_error(
            404, "unknown_server",
            "Unknown LLM server '" + std::string(to_string(server)) + "': use 'ollama' or 'vllm'");
        return report;
    }
    const RuntimeState before = state_.current();
    report.previous_runtime = before.active_runtime;
    report.previous_model = before.active_model;

    std::string model = requested.value_or("");
    if (model.empty()) {
        auto last = before.last_model.find(server);
        if (last == before.last_model.end()) {
            report.error = make_error(
                400, "no_model",
                "No model given and none was used on " + info->name + " before: send \"model\"");
            return report;
        }
        model = last->second;
    }
    report.model = model;
    if (auto valid = validate_model_name(model); !valid) {
        report.error = valid.error();
        return report;
    }
    auto entered = enter(server, model, before.active_runtime);
    if (!entered) {
        report.error = entered.error();
        return report;
    }
    GateHold hold(*this, report, std::move(*entered));
    const RuntimeLocks::Hold& runtimes = hold.runtimes();

    // 1. The model must exist on the target. Checked before anything is stopped whenever that
    // can be known now, so a typo never costs the running runtime.
    std::string vllm_path;
    std::optional<std::string> vllm_tokenizer;
    VllmTuning tuning;  // vLLM: the tuning drawer's start-up settings for this model
    {
        StepTimer step(report, "validate_model");
        if (server == Runtime::vllm) {
            Result<VllmLaunch> launch = make_error(
                404, "model_not_found",
                "Model " + model +
                    " is not installed for vLLM (no snapshot in the manifest); install it "
                    "from Hugging Face first");
            for (const auto& m : registry_.list_installed()) {
                if (m.name == model && parse_runtime(m.runtime) == Runtime::vllm) {
                    launch = vllm_launch_for(m);
                }
            }
            if (!launch) {
                report.error = launch.error();
                step.finish(false, report.error->message);
                return report;
            }
            vllm_path = launch->model_path;
            vllm_tokenizer = launch->tokenizer;
            if (vllm_tuning_for_) tuning = vllm_tuning_for_(model);
            step.finish(true, "installed at " + vllm_path);
        } else {
            ServerHealth health = controller_.probe(server);
            if (health.status == "online" && !serves(server, health.models, model)) {
                report.error =
                    make_error(404, "model_not_found",
                               "Model " + model + " is not in Ollama at " + info->endpoint +
                                   " (it has: " + joined(health.models) + "); pull it first");
                step.finish(false, report.error->message);
                return report;
            }
            step.finish(true, health.status == "online" ? "Ollama has it"
                                                        : "checked once Ollama is running");
        }
    }

    // 2. One local runtime at a time: the others give their memory back first.
    std::vector<Runtime> stopped;
    for (const auto& other : controller_.servers()) {
        if (other.runtime == server) continue;
        if (controller_.probe(other.runtime).status == "offline") continue;
        StepTimer stop(report, "stop_" + other.name);
        auto action = controller_.run(runtimes, other.runtime, "stop");
        stop.finish(action);
        StepTimer release(report, "released_" + other.name);
        ServerHealth after = controller_.wait_for(other.runtime, false, options_.release_timeout);
        if (after.status == "online") {
            // Not ours to kill (e.g. a system-wide Ollama): said, not hidden.
            release.finish(false, other.display_name + " still answers at " + other.endpoint +
                                      "; it was not started by venomd's script");
        } else {
            release.finish(true, other.display_name + " no longer answers");
            stopped.push_back(other.runtime);
        }
    }

    // 3. Start the target (vLLM: restart it when it serves another model).
    bool target_touched = false;
    {
        ServerHealth now = controller_.probe(server);
        const bool ready_with_model = now.status == "online" && serves(server, now.models, model);
        StepTimer start(report, "start_" + info->name);
        if (server == Runtime::ollama && now.status == "online") {
            start.finish(true, "already running");
        } else if (server == Runtime::vllm && ready_with_model && before.vllm_tuning == tuning) {
            start.finish(true, "already serving " + model);
        } else {
            std::vector<std::pair<std::string, std::string>> env;
            if (server == Runtime::vllm) {
                // Written first so a systemd unit reading llm-runtime.env sees it too.
                if (auto saved = state_.set_vllm_target(vllm_path, model, vllm_tokenizer, tuning);
                    !saved) {
                    report.error = saved.error();
                    start.finish(false, saved.error().message);
                    roll_back(report, runtimes, before, stopped, false);
                    return report;
                }
                env = vllm_env(vllm_path, model, vllm_tokenizer, tuning);
            }
            target_touched = true;
            const std::string verb = now.status == "offline" ? "start" : "restart";
            auto action = controller_.run(runtimes, server, verb, env);
            start.finish(action);
            if (action && action->not_managed()) {
                // Waiting would not help: the server there is not ours to restart.
                report.error = not_managed_error(info->display_name, info->endpoint);
                roll_back(report, runtimes, before, stopped, target_touched);
                return report;
            }
            if (!action || !action->ok()) {
                std::string why = action ? (action->err.empty() ? action->out : action->err)
                                         : action.error().message;
                report.error = make_error(502, "runtime_start_failed",
                                          info->display_name + " did not start: " + why);
                roll_back(report, runtimes, before, stopped, target_touched);
                return report;
            }
        }
    }

    // 4. Ready, and serving the model.
    {
        StepTimer ready(report, "ready");
        ServerHealth health = controller_.wait_for(server, true, options_.ready_timeout);
        if (health.status != "online") {
            report.error = make_error(504, "runtime_not_ready",
                                      info->display_name + " did not become ready at " +
                                          info->health_url + ": " + health.error.value_or(""));
            ready.finish(false, report.error->message);
            roll_back(report, runtimes, before, stopped, target_touched);
            return report;
        }
        if (!serves(server, health.models, model)) {
            const bool ollama = server == Runtime::ollama;
            report.error =
                make_error(ollama ? 404 : 502, ollama ? "model_not_found" : "wrong_model",
                           info->display_name + " does not serve " + model +
                               " (it has: " + joined(health.models) + ")");
            ready.finish(false, report.error->message);
            roll_back(report, runtimes, before, stopped, target_touched);
            return report;
        }
        ready.finish(true, info->display_name + " answers at " + info->endpoint);
    }

    // 5. Activate (Ollama loads it and unloads the rest) and persist.
    {
        StepTimer activate(report, "activate");
        auto activated = registry_.activate_model(model, server, runtimes);
        if (!activated) {
            report.error = activated.error();
            activate.finish(false, activated.error().message);
            roll_back(report, runtimes, before, stopped, target_touched);
            return report;
        }
        report.model = activated->name;
        activate.finish(true, "active: " + activated->name);
    }
    record(report);
    return report;
}

void RuntimeSwitcher::roll_back(SwitchReport& report, const RuntimeLocks::Hold& runtimes,
                                const RuntimeState& before, const std::vector<Runtime>& stopped,
                                bool target_touched) {
    const Runtime target = report.runtime;
    const std::string target_name(to_string(target));
    const bool target_was_active = before.active_runtime == target;
    if (target == Runtime::vllm && target_touched) {
        (void)state_.set_vllm_target(before.vllm_model_path, before.vllm_served_model_name,
                                     before.vllm_tokenizer, before.vllm_tuning);
    }
    if (BlockingPool::current_task_cancelled()) {
        // venomd is shutting down and its waits gave up: starting or stopping runtimes now would
        // hold the exit for minutes (a script may take runtime_action_timeout_seconds) and race
        // systemd's stop timeout. runtime.json still names what was active before the switch.
        StepTimer step(report, "rollback");
        step.finish(false, "skipped: venomd is shutting down");
        logger("runtime")->warn("switch interrupted by shutdown runtime={} model={}", target_name,
                                report.model);
        return;
    }
    if (target_touched) {
        StepTimer step(report, "rollback_" + target_name);
        if (target_was_active && target == Runtime::vllm && before.vllm_model_path) {
            // It was serving another model before: put that one back.
            step.finish(controller_.run(
                runtimes, target, "restart",
                vllm_env(*before.vllm_model_path, before.vllm_served_model_name.value_or(""),
                         before.vllm_tokenizer, before.vllm_tuning)));
        } else if (!target_was_active) {
            step.finish(controller_.run(runtimes, target, "stop"));
        } else {
            step.finish(true, "left running");
        }
    }
    for (Runtime name : stopped) {
        StepTimer step(report, "rollback_start_" + std::string(to_string(name)));
        std::vector<std::pair<std::string, std::string>> env;
        if (name == Runtime::vllm && before.vllm_model_path) {
            env = vllm_env(*before.vllm_model_path, before.vllm_served_model_name.value_or(""),
                           before.vllm_tokenizer, before.vllm_tuning);
        }
        step.finish(controller_.run(runtimes, name, "start", env));
    }
    logger("runtime")->warn("switch failed runtime={} model={} error=\"{}\"; state kept: {}",
                            target_name, report.model, report.error ? report.error->message : "",
                            before.active_runtime ? to_string(*before.active_runtime) : "none");
}

SwitchReport RuntimeSwitcher::switch_cloud(Runtime provider, const std::string& model) {
    SwitchReport report;
    report.runtime = provider;
    report.model = model;
    const RuntimeState before = state_.current();
    report.previous_runtime = before.active_runtime;
    report.previous_model = before.active_model;
    if (is_local(provider)) {
        report.error = make_error(
            400, "unknown_provider",
            std::string(display_name(provider)) + " is a local runtime, not a cloud provider");
        return report;
    }
    auto entered = enter(provider, model, before.active_runtime);
    if (!entered) {
        report.error = entered.error();
        return report;
    }
    GateHold hold(*this, report, std::move(*entered));
    StepTimer step(report, "validate_model");
    auto resolved = catalog_.resolve(provider, model);
    if (!resolved) {
        report.error = resolved.error();
        step.finish(false, resolved.error().message);
        return report;
    }
    report.model = resolved->id;
    report.catalog_source = catalog_.models(provider).source;
    step.finish(true, resolved->id + " is in the " + *report.catalog_source + " model list");
    StepTimer persist(report, "persist");
    if (auto saved = state_.set_active(report.runtime, resolved->id); !saved) {
        report.error = saved.error();
        persist.finish(false, saved.error().message);
        return report;
    }
    persist.finish(true, "runtime.json and llm-runtime.env written");
    record(report);
    return report;
}

}  // namespace venom::runtime

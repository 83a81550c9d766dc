#include "runtime/llm_server_controller.hpp"

#include <nlohmann/json.hpp>
#include <thread>

#include "events/event_types.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/http_client.hpp"
#include "venom/logging.hpp"
#include "venom/text.hpp"

namespace venom::runtime {
namespace {

using steady = std::chrono::steady_clock;

double ms_since(steady::time_point start) {
    return std::chrono::duration<double, std::milli>(steady::now() - start).count();
}

struct Answer {
    long status = 0;
    std::string body;
    std::optional<std::string> transport_error;
};

Answer ask(const std::string& url, std::chrono::milliseconds timeout) {
    net::HttpCall call;
    call.url = url;
    call.connect_timeout = timeout;
    call.timeout = timeout;
    call.stall_timeout = timeout;
    auto reply = net::perform(call);
    if (!reply) return {0, "", reply.error().message};
    return {reply->status, std::move(reply->body), std::nullopt};
}

// Names a runtime serves: Ollama's /api/tags "models[].name", vLLM's /v1/models "data[].id".
std::vector<std::string> served_names(const std::string& body, const char* list, const char* key) {
    std::vector<std::string> names;
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_object() || !doc.contains(list) || !doc[list].is_array()) return names;
    for (const auto& entry : doc[list]) {
        if (entry.is_object() && entry.contains(key) && entry[key].is_string()) {
            names.push_back(entry[key].get<std::string>());
        }
    }
    return names;
}

}  // namespace

LlmServerController::LlmServerController(Options options, ProcessRunner runner, const Clock& clock,
                                         RuntimeLocks& locks)
    : options_(std::move(options)), runner_(std::move(runner)), clock_(clock), locks_(locks) {
    const std::string ollama = strip_trailing_slashes(options_.ollama_url);
    const std::string vllm = strip_trailing_slashes(options_.vllm_endpoint);
    auto server = [&](Runtime runtime, std::string description, std::string endpoint,
                      std::string health_url) {
        std::error_code ec;
        const std::filesystem::path script = options_.scripts_dir / *service_script(runtime);
        servers_.push_back({runtime, std::string(to_string(runtime)),
                            std::string(display_name(runtime)), std::move(description),
                            std::move(endpoint), std::move(health_url), script,
                            std::filesystem::is_regular_file(script, ec)});
    };
    server(Runtime::ollama, "Ollama daemon for GGUF models", ollama, ollama + "/api/version");
    server(Runtime::vllm, "OpenAI-compatible server for Hugging Face models", vllm,
           net::url_origin(vllm) + "/health");
}

const ServerInfo* LlmServerController::find(Runtime runtime) const {
    for (const auto& s : servers_) {
        if (s.runtime == runtime) return &s;
    }
    return nullptr;
}

ServerHealth LlmServerController::probe(Runtime runtime) const {
    ServerHealth health;
    const ServerInfo* server = find(runtime);
    if (!server) return health;
    const auto start = steady::now();
    Answer answer = ask(server->health_url, options_.probe_timeout);
    if (answer.transport_error) {
        health.status = "offline";
        health.error = *answer.transport_error;
    } else if (answer.status < 200 || answer.status >= 300) {
        health.status = "degraded";
        health.error = server->health_url + " answered HTTP " + std::to_string(answer.status);
    } else {
        health.status = "online";
        // The model list is part of being usable: vLLM's /health is up before it serves.
        const bool ollama = runtime == Runtime::ollama;
        const std::string list_url =
            ollama ? server->endpoint + "/api/tags" : server->endpoint + "/models";
        Answer models = ask(list_url, options_.probe_timeout);
        if (models.transport_error || models.status < 200 || models.status >= 300) {
            health.status = "degraded";
            health.error = list_url + (models.transport_error
                                           ? " failed: " + *models.transport_error
                                           : " answered HTTP " + std::to_string(models.status));
        } else if (ollama) {
            health.models = served_names(models.body, "models", "name");
        } else {
            health.models = served_names(models.body, "data", "id");
        }
    }
    health.latency_ms = ms_since(start);
    health.last_check = format_rfc3339(clock_.now());
    std::lock_guard lock(mutex_);
    last_probe_[runtime] = {health, steady::now()};
    return health;
}

std::optional<ServerHealth> LlmServerController::recent_probe(
    Runtime runtime, std::chrono::milliseconds max_age) const {
    std::lock_guard lock(mutex_);
    auto it = last_probe_.find(runtime);
    if (it == last_probe_.end() || steady::now() - it->second.at > max_age) return std::nullopt;
    return it->second.health;
}

Result<ActionResult> LlmServerController::run(
    Runtime runtime, const std::string& action,
    const std::vector<std::pair<std::string, std::string>>& env) {
    const ServerInfo* server = find(runtime);
    if (auto refused = check(server, runtime, action)) return *refused;
    auto hold = locks_.try_acquire({runtime}, action + " of " + server->name);
    if (!hold) return hold.error();
    return run_held(*server, action, env);
}

Result<ActionResult> LlmServerController::run(
    const RuntimeLocks::Hold& hold, Runtime runtime, const std::string& action,
    const std::vector<std::pair<std::string, std::string>>& env) {
    const ServerInfo* server = find(runtime);
    if (auto refused = check(server, runtime, action)) return *refused;
    if (!hold.holds(runtime)) {
        return make_error(500, "internal",
                          action + " of " + server->name + " without holding its runtime lock");
    }
    return run_held(*server, action, env);
}

std::optional<Error> LlmServerController::check(const ServerInfo* server, Runtime runtime,
                                                const std::string& action) const {
    if (!server) {
        return make_error(
            404, "unknown_server",
            "Unknown LLM server '" + std::string(to_string(runtime)) + "': use 'ollama' or 'vllm'");
    }
    if (action != "start" && action != "stop" && action != "restart") {
        return make_error(400, "unknown_action",
                          "Unknown action '" + action + "': use start, stop or restart");
    }
    if (!server->scripted) {
        return make_error(400, "action_unsupported",
                          server->display_name + " cannot be controlled here: " +
                              server->script.string() + " does not exist (set scripts_dir)");
    }
    return std::nullopt;
}

Result<ActionResult> LlmServerController::run_held(
    const ServerInfo& server_info, const std::string& action,
    const std::vector<std::pair<std::string, std::string>>& env) {
    const ServerInfo* server = &server_info;
    const std::string& name = server->name;
    struct ForgetProbe {
        LlmServerController& self;
        Runtime runtime;
        ~ForgetProbe() {
            std::lock_guard lock(self.mutex_);
            self.last_probe_.erase(runtime);  // its state just changed
        }
    } forget{*this, server->runtime};

    ProcessSpec spec;
    spec.argv = {"bash", server->script.string(), action};
    spec.timeout = options_.action_timeout +
                   (action == "stop" ? std::chrono::milliseconds(0) : options_.start_timeout);
    std::error_code ec;
    spec.env = {
        {"VENOM_DATA_DIR", std::filesystem::absolute(options_.data_dir, ec).string()},
        {"VENOM_SERVICE_MANAGER", options_.service_manager},
        {"OLLAMA_HOST", options_.ollama_host},
        {"OLLAMA_BIN", options_.ollama_bin},
        {"VLLM_ENDPOINT", options_.vllm_endpoint},
        {"VLLM_BIN", options_.vllm_bin},
        {"VENOM_RUNTIME_START_TIMEOUT",
         std::to_string(
             std::chrono::duration_cast<std::chrono::seconds>(options_.start_timeout).count())}};
    spec.env.insert(spec.env.end(), env.begin(), env.end());
    // The runtimes never need the daemon's own credentials.
    spec.unset_env = {"VENOM_API_TOKEN", "OPENAI_API_KEY", "GOOGLE_API_KEY"};

    const auto start = steady::now();
    auto output = runner_(spec);
    ActionResult result;
    result.action = action;
    result.duration_ms = ms_since(start);
    if (!output) {
        logger("runtime")->warn("action failed server={} action={} error=\"{}\"", name, action,
                                output.error().message);
        events::publish_service_status(events_, name, action, false, output.error().message);
        return output.error();
    }
    result.exit_code = output->exit_code;
    result.out = trim(output->out);
    result.err = trim(output->err);
    logger("runtime")->info("action server={} action={} exit={} ms={:.0f}", name, action,
                            result.exit_code, result.duration_ms);
    events::publish_service_status(events_, name, action, result.ok(),
                                   result.ok() || result.err.empty() ? result.out : result.err);
    return result;
}

ServerHealth LlmServerController::wait_for(Runtime runtime, bool want_online,
                                           std::chrono::milliseconds bound) const {
    const auto deadline = steady::now() + bound;
    for (;;) {
        ServerHealth health = probe(runtime);
        const bool online = health.status == "online";
        // A stopping pool does not wait out the ready timeout (issue 9, finding 12).
        if (online == want_online || steady::now() >= deadline ||
            BlockingPool::current_task_cancelled()) {
            return health;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

}  // namespace venom::runtime

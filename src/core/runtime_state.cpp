#include "venom/runtime_state.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "venom/durable_file.hpp"
#include "venom/json_nullable.hpp"

namespace venom {
namespace {

using nlohmann::json;

json to_json(const RuntimeState& s) {
    json last_model = json::object();
    for (const auto& [runtime, model] : s.last_model)
        last_model[std::string(to_string(runtime))] = model;
    return {
        {"active_runtime",
         s.active_runtime ? json(std::string(to_string(*s.active_runtime))) : json(nullptr)},
        {"active_model", nullable(s.active_model)},
        {"last_model", std::move(last_model)},
        {"vllm_model_path", nullable(s.vllm_model_path)},
        {"vllm_served_model_name", nullable(s.vllm_served_model_name)},
        {"vllm_tokenizer", nullable(s.vllm_tokenizer)},
        {"vllm_max_model_len", nullable(s.vllm_tuning.max_model_len)},
        {"vllm_override_generation_config", nullable(s.vllm_tuning.override_generation_config)}};
}

}  // namespace

std::string quote_env_value(std::string_view value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\' || c == '$' || c == '`') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

namespace {

// Every value double-quoted with quote_env_value, so a model id can never end its line early
// and add a variable of its own (issue 9, finding 6).
std::string render_env(const RuntimeState& s) {
    auto quote = [](const std::string& v) { return quote_env_value(v); };
    const std::string runtime(s.active_runtime ? to_string(*s.active_runtime) : "");
    const bool cloud = s.active_runtime && !is_local(*s.active_runtime);
    std::ostringstream out;
    out << "# Written by venomd; changes here are overwritten.\n";
    out << "LLM_SERVICE_TYPE=" << quote(cloud ? runtime : "local") << "\n";
    out << "ACTIVE_LLM_SERVER=" << quote(runtime) << "\n";
    out << "LLM_MODEL_NAME=" << quote(s.active_model.value_or("")) << "\n";
    if (s.vllm_model_path) out << "VLLM_MODEL_PATH=" << quote(*s.vllm_model_path) << "\n";
    if (s.vllm_served_model_name) {
        out << "VLLM_SERVED_MODEL_NAME=" << quote(*s.vllm_served_model_name) << "\n";
    }
    if (s.vllm_tokenizer) out << "VLLM_TOKENIZER=" << quote(*s.vllm_tokenizer) << "\n";
    if (s.vllm_tuning.max_model_len) {
        out << "VLLM_MAX_MODEL_LEN=" << quote(std::to_string(*s.vllm_tuning.max_model_len)) << "\n";
    }
    if (s.vllm_tuning.override_generation_config) {
        out << "VLLM_OVERRIDE_GENERATION_CONFIG="
            << quote(*s.vllm_tuning.override_generation_config) << "\n";
    }
    for (const auto& [rt, model] : s.last_model) {
        std::string key(to_string(rt));
        for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out << "LAST_MODEL_" << key << "=" << quote(model) << "\n";
    }
    return out.str();
}

}  // namespace

RuntimeStateStore::RuntimeStateStore(std::filesystem::path data_dir)
    : json_path_(data_dir / "runtime.json"), env_path_(data_dir / "llm-runtime.env") {}

std::optional<std::string> RuntimeStateStore::load() {
    std::ifstream in(json_path_);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    RuntimeState loaded;
    try {
        json doc = json::parse(text.str());
        if (auto& v = doc.at("active_runtime"); !v.is_null()) {
            const std::string name = v.get<std::string>();
            loaded.active_runtime = parse_runtime(name);
            if (!loaded.active_runtime) {
                throw std::invalid_argument("active_runtime '" + name + "' is no runtime");
            }
        }
        if (auto& v = doc.at("active_model"); !v.is_null()) loaded.active_model = v;
        if (doc.contains("last_model")) {
            // A runtime this version does not know has no last model to remember.
            for (const auto& [name, model] :
                 doc["last_model"].get<std::map<std::string, std::string>>()) {
                if (auto runtime = parse_runtime(name)) loaded.last_model[*runtime] = model;
            }
        }
        if (auto v = doc.find("vllm_model_path"); v != doc.end() && v->is_string()) {
            loaded.vllm_model_path = v->get<std::string>();
        }
        if (auto v = doc.find("vllm_served_model_name"); v != doc.end() && v->is_string()) {
            loaded.vllm_served_model_name = v->get<std::string>();
        }
        if (auto v = doc.find("vllm_tokenizer"); v != doc.end() && v->is_string()) {
            loaded.vllm_tokenizer = v->get<std::string>();
        }
        if (auto v = doc.find("vllm_max_model_len"); v != doc.end() && v->is_number_integer()) {
            loaded.vllm_tuning.max_model_len = v->get<std::int64_t>();
        }
        if (auto v = doc.find("vllm_override_generation_config");
            v != doc.end() && v->is_string()) {
            loaded.vllm_tuning.override_generation_config = v->get<std::string>();
        }
    } catch (const std::exception& e) {
        return "runtime state " + json_path_.string() + " is damaged (" + e.what() +
               "); starting with no active runtime";
    }
    // runtime.json is written before llm-runtime.env (commit()), so a kill -9 between the two
    // leaves the env file one switch behind, and systemd or the scripts would start a runtime
    // with another model than the one venomd reports. Render it again from the truth.
    const std::string env = render_env(loaded);
    std::ifstream env_in(env_path_);
    std::stringstream env_text;
    env_text << env_in.rdbuf();
    std::optional<std::string> warning;
    if (env_text.str() != env) {
        if (auto ok = write_file_durably(env_path_, env); !ok) {
            warning = "cannot rewrite " + env_path_.string() + ": " + ok.error().message;
        }
    }
    std::lock_guard lock(mutex_);
    state_ = std::move(loaded);
    ++version_;
    return warning;
}

RuntimeState RuntimeStateStore::current() const {
    std::lock_guard lock(mutex_);
    return state_;
}

Result<void> RuntimeStateStore::set_active(Runtime runtime, const std::string& model,
                                           const std::optional<std::string>& model_path) {
    std::lock_guard write_lock(write_mutex_);
    RuntimeState next = current();
    next.active_runtime = runtime;
    next.active_model = model;
    next.last_model[runtime] = model;
    if (runtime == Runtime::vllm) {
        next.vllm_model_path = model_path;
        next.vllm_served_model_name = model;
    }
    return commit(std::move(next));
}

Result<void> RuntimeStateStore::set_vllm_target(const std::optional<std::string>& model_path,
                                                const std::optional<std::string>& served_name,
                                                const std::optional<std::string>& tokenizer,
                                                const VllmTuning& tuning) {
    std::lock_guard write_lock(write_mutex_);
    RuntimeState next = current();
    next.vllm_model_path = model_path;
    next.vllm_served_model_name = served_name;
    next.vllm_tokenizer = tokenizer;
    next.vllm_tuning = tuning;
    return commit(std::move(next));
}

Result<void> RuntimeStateStore::commit(RuntimeState next) {
    if (auto ok = write_file_durably(json_path_, to_json(next).dump(2) + "\n"); !ok) return ok;
    if (auto ok = write_file_durably(env_path_, render_env(next)); !ok) {
        // runtime.json is the truth read at start: put the old state back so an activation
        // reported as failed does not become active after a restart.
        (void)write_file_durably(json_path_, to_json(current()).dump(2) + "\n");
        return ok;
    }
    std::lock_guard lock(mutex_);
    state_ = std::move(next);
    ++version_;
    return {};
}

}  // namespace venom

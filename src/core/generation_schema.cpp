#include "venom/generation_schema.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace venom {
namespace {

using nlohmann::json;

json float_param(double def, double lo, double hi, const char* desc) {
    return {{"type", "float"}, {"default", def}, {"min", lo}, {"max", hi}, {"desc", desc}};
}

json int_param(std::int64_t def, std::int64_t lo, std::int64_t hi, const char* desc) {
    return {{"type", "int"}, {"default", def}, {"min", lo}, {"max", hi}, {"desc", desc}};
}

// A whole number that fits an int64 (JSON 2048 or 2048.0), else nullopt.
std::optional<std::int64_t> whole_number(const json& value) {
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() &&
            value.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
        }
        return value.get<std::int64_t>();
    }
    if (!value.is_number_float()) return std::nullopt;
    const double d = value.get<double>();
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

}  // namespace

std::optional<Runtime> parse_tunable_runtime(std::string_view name) {
    const std::optional<Runtime> runtime = parse_runtime(name);
    if (!runtime || !is_local(*runtime)) return std::nullopt;
    return runtime;
}

json generation_schema(Runtime runtime, const ModelMetadata& model) {
    constexpr std::int64_t kMinContext = 128;
    const std::int64_t max_context =
        std::max<std::int64_t>(model.capabilities.max_context_length, kMinContext);
    // What the drawer starts from. A value never saved is not sent, so the runtime keeps its own
    // default: Ollama's num_ctx is OLLAMA_CONTEXT_LENGTH, whose default depends on its version
    // (ollama/ollama envconfig/config.go: 2048, later 4096, newest 0 = chosen from free VRAM);
    // vLLM uses the model's whole context (vllm/config/model.py max_model_len, "derived from the
    // model config").
    const std::int64_t context_default =
        runtime == Runtime::ollama ? std::min<std::int64_t>(4096, max_context) : max_context;
    return {
        {"temperature",
         float_param(0.7, 0.0, 2.0, "Sampling temperature: higher is more varied, 0 is greedy")},
        {"top_p", float_param(0.9, 0.0, 1.0,
                              "Nucleus sampling: keep the most likely tokens up to this mass")},
        {"top_k", int_param(40, 1, 100, "Sample only from the k most likely tokens")},
        {"max_tokens", int_param(std::min<std::int64_t>(2048, max_context), 1, max_context,
                                 "Most tokens generated for one answer")},
        {"repeat_penalty",
         float_param(1.1, 1.0, 2.0, "Penalty for repeating tokens already in the text")},
        {"context_length",
         int_param(
             context_default, kMinContext, max_context,
             "Context window in tokens (prompt and answer), at most what the model supports")},
    };
}

Result<json> validate_generation_params(const json& schema, const json& params) {
    if (!params.is_object()) {
        return make_error(422, "invalid_field", "Field 'params' must be an object");
    }
    std::string errors;
    auto fail = [&](const std::string& key, const std::string& why) {
        errors += (errors.empty() ? "" : "; ") + key + " " + why;
    };
    json clean = json::object();
    for (const auto& [key, value] : params.items()) {
        auto spec = schema.find(key);
        if (spec == schema.end()) {
            std::string known;
            for (const auto& [name, _] : schema.items())
                known += (known.empty() ? "" : ", ") + name;
            fail(key, "is not a parameter of this runtime (known: " + known + ")");
            continue;
        }
        const bool is_int = (*spec)["type"] == "int";
        std::optional<double> number;
        if (is_int) {
            if (auto whole = whole_number(value)) {
                clean[key] = *whole;
                number = static_cast<double>(*whole);
            } else {
                fail(key, "must be a whole number (got " + value.dump() + ")");
                continue;
            }
        } else if (value.is_number() && std::isfinite(value.get<double>())) {
            number = value.get<double>();
            clean[key] = *number;
        } else {
            fail(key, "must be a number (got " + value.dump() + ")");
            continue;
        }
        if (*number < (*spec)["min"].get<double>()) {
            fail(key, "must be at least " + (*spec)["min"].dump() + " (got " + value.dump() + ")");
        } else if (*number > (*spec)["max"].get<double>()) {
            fail(key, "must be at most " + (*spec)["max"].dump() + " (got " + value.dump() + ")");
        }
    }
    if (!errors.empty()) return make_error(422, "invalid_parameter", errors);
    return clean;
}

json ollama_options(const json& values) {
    // Our name -> Ollama's (api/types.go Options; num_ctx is a Runner option, "set when the
    // model is loaded into memory").
    static const std::pair<const char*, const char*> names[] = {
        {"temperature", "temperature"},
        {"top_p", "top_p"},
        {"top_k", "top_k"},
        {"max_tokens", "num_predict"},
        {"repeat_penalty", "repeat_penalty"},
        {"context_length", "num_ctx"}};
    json options = json::object();
    for (const auto& [ours, theirs] : names) {
        if (auto v = values.find(ours); v != values.end()) options[theirs] = *v;
    }
    return options;
}

VllmTuning vllm_tuning(const json& values) {
    static const std::pair<const char*, const char*> names[] = {
        {"temperature", "temperature"},
        {"top_p", "top_p"},
        {"top_k", "top_k"},
        {"repeat_penalty", "repetition_penalty"},
        // vLLM maps the Hugging Face max_new_tokens to its max_tokens; from a generation config
        // it is also a server-wide ceiling on output tokens.
        {"max_tokens", "max_new_tokens"}};
    VllmTuning tuning;
    if (auto v = values.find("context_length"); v != values.end() && v->is_number_integer()) {
        tuning.max_model_len = v->get<std::int64_t>();
    }
    json overrides = json::object();
    for (const auto& [ours, theirs] : names) {
        if (auto v = values.find(ours); v != values.end()) overrides[theirs] = *v;
    }
    if (!overrides.empty()) tuning.override_generation_config = overrides.dump();
    return tuning;
}

}  // namespace venom

#include "fakes/fake_ollama.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <stdexcept>

namespace venom::testing {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using std::chrono::milliseconds;

// The "model" a request body names; empty when it names none.
std::string model_name_of(const json& body) {
    return body.contains("model") && body["model"].is_string() ? body["model"].get<std::string>()
                                                               : "";
}
using std::chrono::system_clock;

// The real server stamps modified_at/expires_at with its local offset; a non-zero one makes
// clients that assume "Z" fail here rather than in the field.
constexpr int kLocalOffsetMinutes = -7 * 60;
constexpr auto kDefaultKeepAlive = std::chrono::minutes(5);
// The runner's default num_ctx, which /api/ps reports unless the load asked for another.
constexpr std::int64_t kDefaultRunnerContext = 4096;
// What Go prints for time.Now().Add(math.MaxInt64): a negative keep_alive never expires.
constexpr const char* kForeverExpiry = "2318-09-30T17:08:31.000000000-07:00";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool has_tag(std::string_view name) {
    const auto slash = name.rfind('/');
    const auto colon = name.rfind(':');
    return colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
}

std::string with_default_tag(std::string_view name) {
    std::string out(name);
    if (!has_tag(out)) out += ":latest";
    return out;
}

// The name Ollama lists for `name` (types/model/name.go ParseName, then DisplayShortest): the
// default host is dropped, then the default namespace when no other host is left, then
// ":latest" is added. Case is kept.
std::string shortest_name(std::string_view name) {
    std::string out(name);
    auto drop = [&](std::string_view prefix) {
        if (lower(out).starts_with(prefix)) out.erase(0, prefix.size());
    };
    drop("registry.ollama.ai/");
    if (std::count(out.begin(), out.end(), '/') == 1) drop("library/");
    return with_default_tag(out);
}

// The key two names must share to designate the same model, as Ollama's name parsing fills in
// the default host, namespace and tag and compares case-insensitively.
std::string canonical_name(std::string_view name) {
    std::string key = lower(name);
    for (const std::string_view prefix : {"registry.ollama.ai/", "library/"}) {
        if (std::string_view(key).starts_with(prefix)) key.erase(0, prefix.size());
    }
    return with_default_tag(key);
}

// Go's encoding/json escapes these for HTML safety; they only ever occur inside strings, so a
// textual replacement on the dump is exact.
std::string go_json(const ordered_json& value) {
    const std::string raw = value.dump();
    std::string out;
    out.reserve(raw.size());
    for (const char c : raw) {
        switch (c) {
            case '<':
                out += "\\u003c";
                break;
            case '>':
                out += "\\u003e";
                break;
            case '&':
                out += "\\u0026";
                break;
            default:
                out += c;
        }
    }
    return out;
}

FakeResponse json_response(int status, const ordered_json& body) {
    // gin's c.JSON content type, charset included.
    return FakeResponse::text(status, go_json(body), "application/json; charset=utf-8");
}

FakeResponse error_response(int status, const std::string& message) {
    return json_response(status, ordered_json{{"error", message}});
}

// Go's %q for the plain names used here.
std::string go_quote(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string format_time(system_clock::time_point when, int offset_minutes) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
    const auto secs = std::chrono::floor<std::chrono::seconds>(ns);
    const long long fraction = (ns - secs).count();
    const std::time_t local = static_cast<std::time_t>(secs.count()) + offset_minutes * 60;
    std::tm parts{};
    gmtime_r(&local, &parts);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
    char tail[32];
    if (offset_minutes == 0) {
        std::snprintf(tail, sizeof tail, ".%09lldZ", fraction);
    } else {
        const int magnitude = std::abs(offset_minutes);
        std::snprintf(tail, sizeof tail, ".%09lld%c%02d:%02d", fraction,
                      offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    }
    return std::string(buffer) + tail;
}

std::string local_time(system_clock::time_point when) {
    return format_time(when, kLocalOffsetMinutes);
}

// Seconds since the epoch of an RFC 3339 timestamp; 0 when it does not parse, which only
// affects ordering and /v1/models "created".
long long unix_seconds(const std::string& text) {
    std::tm parts{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
        return 0;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    long long seconds = static_cast<long long>(timegm(&parts));
    std::size_t at = static_cast<std::size_t>(consumed);
    if (at < text.size() && text[at] == '.') {
        ++at;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    }
    int hours = 0;
    int minutes = 0;
    if (at < text.size() && (text[at] == '+' || text[at] == '-') &&
        std::sscanf(text.c_str() + at + 1, "%2d:%2d", &hours, &minutes) == 2) {
        const long long offset = hours * 3600LL + minutes * 60LL;
        seconds += text[at] == '-' ? offset : -offset;
    }
    return seconds;
}

// A stable stand-in for a real digest when a test leaves it empty.
std::string synthetic_digest(std::string_view seed) {
    std::string out;
    std::uint64_t state = std::hash<std::string_view>{}(seed) | 1;
    while (out.size() < 64) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        char piece[17];
        std::snprintf(piece, sizeof piece, "%016llx", static_cast<unsigned long long>(state));
        out += piece;
    }
    return out.substr(0, 64);
}

// The request body as a test wants to see it: parsed when possible, else the raw text.
json recorded_body(const FakeRequest& request) {
    json parsed = json::parse(request.body, nullptr, false);
    return parsed.is_discarded() ? json(request.body) : parsed;
}

// Decodes a JSON object body the way the real handlers bind them, or the error they answer.
std::optional<FakeResponse> bind_body(const FakeRequest& request, const char* go_type, json& out) {
    if (request.body.empty()) return error_response(400, "missing request body");
    out = json::parse(request.body, nullptr, false);
    if (out.is_discarded()) {
        return error_response(400, "invalid character looking for beginning of value");
    }
    if (!out.is_object()) {
        return error_response(400, std::string("json: cannot unmarshal ") + out.type_name() +
                                       " into Go value of type " + go_type);
    }
    for (const char* field : {"model", "name"}) {
        if (out.contains(field) && !out[field].is_string() && !out[field].is_null()) {
            return error_response(400, std::string("json: cannot unmarshal ") +
                                           out[field].type_name() + " into Go struct field " +
                                           go_type + "." + field + " of type string");
        }
    }
    return std::nullopt;
}

// `model`, else the legacy `name`, as cmp.Or(req.Model, req.Name) picks them.
std::string model_field(const json& body) {
    for (const char* field : {"model", "name"}) {
        if (body.contains(field) && body[field].is_string() &&
            !body[field].get<std::string>().empty()) {
            return body[field].get<std::string>();
        }
    }
    return {};
}

bool stream_requested(const json& body) {
    return !(body.contains("stream") && body["stream"].is_boolean() && !body["stream"].get<bool>());
}

// Parses a Go duration ("5m", "1h30m", "250ms", "-1s", "0"); nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool negative = false;
    if (text.front() == '-' || text.front() == '+') {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text == "0") return std::chrono::nanoseconds(0);
    double total_ns = 0;
    while (!text.empty()) {
        std::size_t digits = 0;
        while (digits < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        char* parsed_end = nullptr;
        const std::string number(text.substr(0, digits));
        const double amount = std::strtod(number.c_str(), &parsed_end);
        if (parsed_end != number.c_str() + number.size()) return std::nullopt;
        text.remove_prefix(digits);
        std::size_t unit_length = 0;
        while (unit_length < text.size() &&
               !std::isdigit(static_cast<unsigned char>(text[unit_length])) &&
               text[unit_length] != '.') {
            ++unit_length;
        }
        const std::string_view unit = text.substr(0, unit_length);
        text.remove_prefix(unit_length);
        double scale = 0;
        if (unit == "ns")
            scale = 1;
        else if (unit == "us" || unit == "µs")
            scale = 1e3;
        else if (unit == "ms")
            scale = 1e6;
        else if (unit == "s")
            scale = 1e9;
        else if (unit == "m")
            scale = 60e9;
        else if (unit == "h")
            scale = 3600e9;
        else
            return std::nullopt;
        total_ns += amount * scale;
    }
    const auto ns = std::chrono::nanoseconds(static_cast<long long>(total_ns));
    return negative ? -ns : ns;
}

// api.Duration's JSON forms: a number of seconds or a Go duration string; negative means forever.
struct KeepAlive {
    bool valid = true;
    std::chrono::nanoseconds duration = kDefaultKeepAlive;
    std::string raw;  // for the error message
};

KeepAlive keep_alive_of(const json& body) {
    KeepAlive result;
    if (!body.contains("keep_alive") || body["keep_alive"].is_null()) return result;
    const json& value = body["keep_alive"];
    if (value.is_number()) {
        result.duration = std::chrono::nanoseconds(
            static_cast<long long>(std::llround(value.get<double>() * 1e9)));
    } else if (value.is_string()) {
        result.raw = value.get<std::string>();
        const auto parsed = parse_go_duration(result.raw);
        if (!parsed) {
            result.valid = false;
        } else {
            result.duration = *parsed;
        }
    } else {
        result.valid = false;
        result.raw = value.dump();
    }
    return result;
}

int file_type_of(std::string_view quantization) {
    if (quantization == "F32") return 0;
    if (quantization == "F16") return 1;
    if (quantization == "Q4_0") return 2;
    if (quantization == "Q8_0") return 7;
    if (quantization == "Q4_K_S") return 14;
    if (quantization == "Q4_K_M") return 15;
    if (quantization == "Q5_K_M") return 17;
    if (quantization == "Q6_K") return 18;
    return 15;
}

ordered_json details_of(const FakeOllamaModel& model) {
    return ordered_json{
        {"parent_model", ""},
        {"format", model.format},
        {"family", model.family},
        {"families", model.families.empty() ? ordered_json(nullptr) : ordered_json(model.families)},
        {"parameter_size", model.parameter_size},
        {"quantization_level", model.quantization_level},
    };
}

ordered_json tag_entry(const FakeOllamaModel& model) {
    ordered_json entry{
        {"name", model.name}, {"model", model.name},    {"modified_at", model.modified_at},
        {"size", model.size}, {"digest", model.digest}, {"details", details_of(model)},
    };
    if (!model.capabilities.empty()) entry["capabilities"] = model.capabilities;
    // omitempty in api/types.go ListModelResponse: only cloud stubs carry them.
    if (!model.remote_model.empty()) entry["remote_model"] = model.remote_model;
    if (!model.remote_host.empty()) entry["remote_host"] = model.remote_host;
    return entry;
}

std::string parameters_text(const FakeOllamaModel& model) {
    std::string text;
    for (const auto& [key, value] : model.parameters) {
        char padded[64];
        std::snprintf(padded, sizeof padded, "%-30s ", key.c_str());
        if (!text.empty()) text += '\n';
        text += padded + value;
    }
    return text;
}

std::string modelfile_text(const FakeOllamaModel& model) {
    std::string text =
        "# Modelfile generated by \"ollama show\"\n"
        "# To build a new Modelfile based on this, replace FROM with:\n"
        "# FROM " +
        model.name +
        "\n\n"
        "FROM /usr/share/ollama/.ollama/models/blobs/sha256-" +
        synthetic_digest(model.digest + "/weights") + "\n";
    if (!model.template_text.empty()) {
        text += "TEMPLATE \"\"\"" + model.template_text + "\"\"\"\n";
    }
    for (const auto& [key, value] : model.parameters) {
        text += "PARAMETER " + key + " " + value + "\n";
    }
    if (!model.license.empty()) text += "LICENSE \"\"\"" + model.license + "\"\"\"\n";
    return text;
}

json model_info_of(const FakeOllamaModel& model, bool verbose) {
    const std::string& arch = model.architecture;
    std::string basename = model.name.substr(0, model.name.find(':'));
    if (const auto slash = basename.rfind('/'); slash != std::string::npos) {
        basename.erase(0, slash + 1);
    }
    // Arrays longer than five elements are emptied unless verbose, like the real handler.
    const json tokens =
        verbose ? json{"<unk>", "<s>", "</s>", "!", "\"", "#", "$", "%"} : json::array();
    const json token_types = verbose ? json{2, 3, 3, 1, 1, 1, 1, 1} : json::array();
    const json merges = verbose ? json{"Ġ t", "Ġ a", "h e", "i n", "r e", "o n"} : json::array();
    // json (not ordered_json): Go serialises map keys sorted, as std::map does.
    return json{
        {"general.architecture", arch},
        {"general.basename", basename},
        {"general.file_type", file_type_of(model.quantization_level)},
        {"general.parameter_count", model.parameter_count},
        {"general.quantization_version", 2},
        {"general.size_label", model.parameter_size},
        {arch + ".attention.head_count", 32},
        {arch + ".attention.head_count_kv", 8},
        {arch + ".attention.layer_norm_rms_epsilon", 1e-05},
        {arch + ".block_count", 32},
        {arch + ".context_length", model.context_length},
        {arch + ".embedding_length", model.embedding_length},
        {arch + ".feed_forward_length", model.embedding_length * 7 / 2},
        {arch + ".rope.freq_base", 500000},
        {"tokenizer.ggml.bos_token_id", 128000},
        {"tokenizer.ggml.eos_token_id", 128009},
        {"tokenizer.ggml.merges", merges},
        {"tokenizer.ggml.model", "gpt2"},
        {"tokenizer.ggml.pre", arch == "llama" ? "llama-bpe" : "default"},
        {"tokenizer.ggml.token_type", token_types},
        {"tokenizer.ggml.tokens", tokens},
    };
}

ordered_json tensors_of(const FakeOllamaModel& model) {
    const std::int64_t width = model.embedding_length;
    constexpr std::int64_t vocab = 128256;
    return ordered_json::array({
        {{"name", "token_embd.weight"}, {"type", "Q4_K"}, {"shape", {width, vocab}}},
        {{"name", "blk.0.attn_k.weight"}, {"type", "Q4_K"}, {"shape", {width, width / 4}}},
        {{"name", "blk.0.attn_norm.weight"}, {"type", "F32"}, {"shape", {width}}},
        {{"name", "blk.0.attn_q.weight"}, {"type", "Q4_K"}, {"shape", {width, width}}},
        {{"name", "output.weight"}, {"type", "Q6_K"}, {"shape", {width, vocab}}},
        {{"name", "output_norm.weight"}, {"type", "F32"}, {"shape", {width}}},
    });
}

std::string progress_line(const std::string& status) {
    return go_json(ordered_json{{"status", status}});
}

std::string layer_line(const PullLayer& layer, std::int64_t completed) {
    ordered_json line{{"status", "pulling " + layer.digest.substr(0, 12)},
                      {"digest", "sha256:" + layer.digest}};
    // omitempty: zero totals and zero progress are left out, not sent as 0.
    if (layer.total > 0) line["total"] = layer.total;
    if (completed > 0) line["completed"] = completed;
    return go_json(line);
}

// The lines of one pull and how the stream ends, before any timing is applied.
struct PullPlan {
    enum class End { success, error_line, stall, reset, no_success };
    std::vector<std::string> lines;
    End end = End::success;
    std::string error;  // the message of End::error_line
};

PullPlan plan_pull(const PullScript& script) {
    PullPlan plan;
    plan.lines.push_back(progress_line("pulling manifest"));
    const std::size_t layer_count = script.layers.size();
    auto clamp = [&](std::size_t after) { return std::min(after, layer_count); };
    // Returns true when the stream stops at `completed_layers`.
    auto fault_at = [&](std::size_t completed_layers) {
        if (script.error_after_layer &&
            clamp(script.error_after_layer->after_layer) == completed_layers) {
            plan.error = script.error_after_layer->message;
            plan.lines.push_back(go_json(ordered_json{{"error", plan.error}}));
            plan.end = PullPlan::End::error_line;
            return true;
        }
        if (script.reset_after_layer && clamp(*script.reset_after_layer) == completed_layers) {
            plan.end = PullPlan::End::reset;
            return true;
        }
        if (script.stall_after_layer && clamp(*script.stall_after_layer) == completed_layers) {
            plan.end = PullPlan::End::stall;
            return true;
        }
        return false;
    };
    if (fault_at(0)) return plan;
    const int ticks = std::max(1, script.ticks_per_layer);
    for (std::size_t index = 0; index < layer_count; ++index) {
        const PullLayer& layer = script.layers[index];
        if (layer.already_present) {
            plan.lines.push_back(layer_line(layer, layer.total));
        } else {
            plan.lines.push_back(layer_line(layer, 0));
            for (int tick = 1; tick <= ticks; ++tick) {
                plan.lines.push_back(layer_line(layer, layer.total * tick / ticks));
            }
        }
        if (fault_at(index + 1)) return plan;
    }
    plan.lines.push_back(progress_line("verifying sha256 digest"));
    plan.lines.push_back(progress_line("writing manifest"));
    if (script.end_without_success) {
        plan.end = PullPlan::End::no_success;
        return plan;
    }
    plan.lines.push_back(progress_line("success"));
    return plan;
}

// Scripted time from the first line of `plan` to its last.
std::chrono::milliseconds stream_time(const PullPlan& plan, const PullScript& script) {
    auto total = script.tick_delay * static_cast<int>(plan.lines.size() - 1);
    const bool verifies = std::find(plan.lines.begin(), plan.lines.end(),
                                    progress_line("verifying sha256 digest")) != plan.lines.end();
    if (verifies) total += script.verify_silence - script.tick_delay;
    return total;
}

std::string default_generate_reply() {
    return "Hello! How can I help you today?";
}

}  // namespace

// ---- presets ----------------------------------------------------------------------------------

FakeOllamaModel FakeOllamaModel::llama3() {
    FakeOllamaModel model;
    model.name = "llama3:latest";
    model.size = 4661224676;
    model.digest = "365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1";
    model.family = "llama";
    model.families = {"llama"};
    model.parameter_size = "8.0B";
    model.quantization_level = "Q4_0";
    model.architecture = "llama";
    model.parameter_count = 8030261248;
    model.context_length = 8192;
    model.embedding_length = 4096;
    model.template_text =
        "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n"
        "{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>"
        "\n\n{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
        "{{ .Response }}<|eot_id|>";
    model.parameters = {{"num_keep", "24"},
                        {"stop", "\"<|start_header_id|>\""},
                        {"stop", "\"<|end_header_id|>\""},
                        {"stop", "\"<|eot_id|>\""}};
    model.license =
        "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\n"
        "Meta Llama 3 Version Release Date: April 18, 2024\n\n"
        "\"Agreement\" means the terms and conditions for use, reproduction, distribution and "
        "modification of the Llama Materials set forth herein.";
    model.capabilities = {"completion"};
    model.modified_at = "2025-05-10T08:06:48.639712648-07:00";
    return model;
}

FakeOllamaModel FakeOllamaModel::gemma2() {
    FakeOllamaModel model;
    model.name = "gemma2:latest";
    model.size = 5443152417;
    model.digest = "ff02c3702f322b9e075e9568332d96c0a7028002f1a5a056e0a6784320a4db0b";
    model.family = "gemma2";
    model.families = {};  // null on the wire, as for models imported without family metadata
    model.parameter_size = "9.2B";
    model.quantization_level = "Q4_0";
    model.architecture = "gemma2";
    model.parameter_count = 9241705984;
    model.context_length = 8192;
    model.embedding_length = 3584;
    model.template_text =
        "<start_of_turn>user\n"
        "{{ .Prompt }}<end_of_turn>\n"
        "<start_of_turn>model\n"
        "{{ .Response }}<end_of_turn>\n";
    model.parameters = {{"stop", "\"<start_of_turn>\""}, {"stop", "\"<end_of_turn>\""}};
    model.license =
        "Gemma Terms of Use\n\nLast modified: February 21, 2024\n\n"
        "By using, reproducing, modifying, distributing, performing or displaying any portion or "
        "element of Gemma, you agree to be bound by this Agreement.";
    model.capabilities = {"completion"};
    model.modified_at = "2025-04-22T19:31:05.128430911-07:00";
    return model;
}

FakeOllamaModel FakeOllamaModel::qwen_tools() {
    FakeOllamaModel model;
    model.name = "qwen2.5:7b";
    model.size = 4683087332;
    model.digest = "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e";
    model.family = "qwen2";
    model.families = {"qwen2"};
    model.parameter_size = "7.6B";
    model.quantization_level = "Q4_K_M";
    model.architecture = "qwen2";
    model.parameter_count = 7615616512;
    model.context_length = 32768;
    model.embedding_length = 3584;
    model.template_text = R"TPL({{- if .Messages }}
{{- if or .System .Tools }}<|im_start|>system
{{- if .System }}
{{ .System }}
{{- end }}
{{- if .Tools }}

# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}
</tools>

For each function call, return a json object with function name and arguments within )TPL"
                          R"TPL(<tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}<tool_call>
{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{ end }}</tool_call>
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }})TPL";
    model.parameters = {{"stop", "\"<|im_start|>\""}, {"stop", "\"<|im_end|>\""}};
    model.license =
        "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n\n"
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION";
    model.capabilities = {"completion", "tools"};
    model.modified_at = "2025-06-01T11:42:17.493016282-07:00";
    return model;
}

FakeOllamaModel FakeOllamaModel::embedding() {
    FakeOllamaModel model;
    model.name = "embeddinggemma:latest";
    model.size = 621875417;
    model.digest = "85462619ee721b466c5927c8a9a5e3b8b5e1f0a2a8c34d1b2bd9ab8e4c1f3a2d";
    model.family = "gemma3";
    model.families = {"gemma3"};
    model.parameter_size = "307.58M";
    model.quantization_level = "F16";
    model.architecture = "gemma3";
    model.parameter_count = 307581696;
    model.context_length = 2048;
    model.embedding_length = 768;
    model.capabilities = {"embedding"};
    model.modified_at = "2025-09-04T10:12:44.501234567-07:00";
    return model;
}

FakeOllamaModel FakeOllamaModel::cloud_stub() {
    FakeOllamaModel model;
    model.name = "gpt-oss:120b-cloud";
    model.size = 384;
    model.digest = "569662207105fb5c8b2a6e1d2b5d5a6e7b54c4c3d2d9e0f1a2b3c4d5e6f70819";
    model.family = "gptoss";
    model.families = {"gptoss"};
    model.parameter_size = "116.8B";
    model.quantization_level = "MXFP4";
    model.architecture = "gptoss";
    model.capabilities = {"completion", "tools", "thinking"};
    model.remote_model = "gpt-oss:120b";
    model.remote_host = "https://ollama.com:443";
    model.modified_at = "2025-09-20T08:01:02.123456789-07:00";
    return model;
}

std::vector<PullLayer> PullScript::default_layers() {
    return {
        {"6a0746a1ec1aa3e7dbdd4cb8d0e4a5d52d4c1a3b2f8e91c07d6e5f4a3b2c1d0e", 4661211424, false},
        {"4fa551d4f938f68b8c1e6afa9d28befb70e3f33f75d0753248d530364aeea40f", 12403, false},
        {"8ab4849b038cf0abc5b1c9b8ee1443dca6b93a045c2272180d985126eb40bf6f", 254, false},
        {"577073ffcc6ce95b9981eacc77d1039568639e5638e83044994560d9ef82ce1b", 110, false},
    };
}

std::chrono::milliseconds PullScript::duration() const {
    return stream_time(plan_pull(*this), *this);
}

// ---- FakeOllama -------------------------------------------------------------------------------

FakeOllama::FakeOllama() : FakeOllama(0) {}

FakeOllama::FakeOllama(std::uint16_t port) {
    server_.on("GET", "/",
               [](const FakeRequest&) { return FakeResponse::text(200, "Ollama is running"); });
    server_.on("GET", "/api/version", [](const FakeRequest&) {
        return json_response(200, ordered_json{{"version", "0.12.3"}});
    });
    server_.on("GET", "/api/tags", [this](const FakeRequest&) { return handle_tags(); });
    server_.on("POST", "/api/show", [this](const FakeRequest& r) { return handle_show(r); });
    server_.on("GET", "/api/ps", [this](const FakeRequest&) { return handle_ps(); });
    server_.on("POST", "/api/generate",
               [this](const FakeRequest& r) { return handle_generate(r); });
    server_.on("POST", "/api/chat", [this](const FakeRequest& r) { return handle_chat(r); });
    server_.on("DELETE", "/api/delete", [this](const FakeRequest& r) { return handle_delete(r); });
    server_.on("POST", "/api/pull", [this](const FakeRequest& r) { return handle_pull(r); });
    server_.on("GET", "/v1/models", [this](const FakeRequest&) { return handle_openai_models(); });
    // gin's answer to an unknown route or method, plain text rather than JSON.
    server_.on_prefix(
        "*", "/", [](const FakeRequest&) { return FakeResponse::text(404, "404 page not found"); });
    server_.start(port);
}

FakeOllama::~FakeOllama() {
    server_.stop();
}

std::string FakeOllama::base_url() const {
    return server_.base_url();
}

FakeHttpServer& FakeOllama::server() {
    return server_;
}

void FakeOllama::add_model(FakeOllamaModel model) {
    std::lock_guard lock(mutex_);
    settle_locked();
    add_model_locked(std::move(model));
}

bool FakeOllama::has_model(std::string_view name) const {
    std::lock_guard lock(mutex_);
    settle_locked();
    return find_locked(name) != nullptr;
}

std::vector<FakeOllamaModel> FakeOllama::models() const {
    std::lock_guard lock(mutex_);
    settle_locked();
    return models_;
}

void FakeOllama::set_loaded(const std::vector<std::string>& names) {
    std::lock_guard lock(mutex_);
    settle_locked();
    std::vector<LoadedModel> loaded;
    const auto expires_at = system_clock::now() + kDefaultKeepAlive;
    for (const std::string& name : names) {
        const FakeOllamaModel* model = find_locked(name);
        if (model == nullptr) {
            throw std::invalid_argument("FakeOllama::set_loaded: no model '" + name + "'");
        }
        loaded.push_back(LoadedModel{model->name, expires_at,
                                     std::min(kDefaultRunnerContext, model->context_length)});
    }
    loaded_ = std::move(loaded);
}

std::vector<std::string> FakeOllama::loaded() const {
    std::lock_guard lock(mutex_);
    settle_locked();
    std::vector<std::string> names;
    for (const LoadedModel& entry : loaded_) names.push_back(entry.name);
    return names;
}

void FakeOllama::script_pull(std::string_view name, PullScript script) {
    std::lock_guard lock(mutex_);
    const std::string key = canonical_name(name);
    for (auto& [existing, existing_script] : pull_scripts_) {
        if (existing == key) {
            existing_script = std::move(script);
            return;
        }
    }
    pull_scripts_.emplace_back(key, std::move(script));
}

std::vector<nlohmann::json> FakeOllama::pull_requests() const {
    std::lock_guard lock(mutex_);
    return pull_requests_;
}

std::vector<nlohmann::json> FakeOllama::generate_requests() const {
    std::lock_guard lock(mutex_);
    return generate_requests_;
}

std::vector<nlohmann::json> FakeOllama::delete_requests() const {
    std::lock_guard lock(mutex_);
    return delete_requests_;
}

std::size_t FakeOllama::pull_count(std::string_view name) const {
    std::lock_guard lock(mutex_);
    const std::string key = canonical_name(name);
    return static_cast<std::size_t>(
        std::count_if(pull_requests_.begin(), pull_requests_.end(), [&](const json& body) {
            return body.is_object() && canonical_name(model_field(body)) == key;
        }));
}

void FakeOllama::settle_locked() const {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->due <= now && (!it->released || it->released())) {
            add_model_locked(std::move(it->model));
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    const auto wall_now = system_clock::now();
    std::erase_if(loaded_, [&](const LoadedModel& entry) {
        return entry.expires_at && *entry.expires_at <= wall_now;
    });
}

const FakeOllamaModel* FakeOllama::find_locked(std::string_view name) const {
    const std::string key = canonical_name(name);
    for (const FakeOllamaModel& model : models_) {
        if (canonical_name(model.name) == key) return &model;
    }
    return nullptr;
}

void FakeOllama::add_model_locked(FakeOllamaModel model) const {
    model.name = shortest_name(model.name);
    if (model.digest.empty()) model.digest = synthetic_digest(model.name);
    if (model.modified_at.empty()) model.modified_at = local_time(system_clock::now());
    const std::string key = canonical_name(model.name);
    std::erase_if(models_, [&](const FakeOllamaModel& existing) {
        return canonical_name(existing.name) == key;
    });
    models_.push_back(std::move(model));
    // /api/tags lists the most recently modified first.
    std::stable_sort(models_.begin(), models_.end(),
                     [](const FakeOllamaModel& a, const FakeOllamaModel& b) {
                         return unix_seconds(a.modified_at) > unix_seconds(b.modified_at);
                     });
}

void FakeOllama::load_locked(const FakeOllamaModel& model,
                             std::optional<system_clock::time_point> expires_at,
                             std::int64_t context_length) {
    std::erase_if(loaded_, [&](const LoadedModel& entry) { return entry.name == model.name; });
    loaded_.push_back(LoadedModel{model.name, expires_at, context_length});
    // /api/ps order: latest expiry first, never-expiring before all.
    std::stable_sort(loaded_.begin(), loaded_.end(),
                     [](const LoadedModel& a, const LoadedModel& b) {
                         if (!a.expires_at || !b.expires_at) return !a.expires_at && b.expires_at;
                         return *a.expires_at > *b.expires_at;
                     });
}

FakeResponse FakeOllama::handle_tags() const {
    std::lock_guard lock(mutex_);
    settle_locked();
    ordered_json models = ordered_json::array();
    for (const FakeOllamaModel& model : models_) models.push_back(tag_entry(model));
    return json_response(200, ordered_json{{"models", std::move(models)}});
}

FakeResponse FakeOllama::handle_show(const FakeRequest& request) const {
    json body;
    if (auto error = bind_body(request, "api.ShowRequest", body)) return *error;
    const std::string name = model_field(body);
    if (name.empty()) return error_response(400, "model is required");
    const bool verbose =
        body.contains("verbose") && body["verbose"].is_boolean() && body["verbose"].get<bool>();

    std::lock_guard lock(mutex_);
    settle_locked();
    const FakeOllamaModel* model = find_locked(name);
    if (model == nullptr) return error_response(404, "model '" + name + "' not found");

    ordered_json show;
    if (!model->license.empty()) show["license"] = model->license;
    show["modelfile"] = modelfile_text(*model);
    if (!model->parameters.empty()) show["parameters"] = parameters_text(*model);
    if (!model->template_text.empty()) show["template"] = model->template_text;
    show["details"] = details_of(*model);
    show["model_info"] = model_info_of(*model, verbose);
    show["tensors"] = tensors_of(*model);
    if (!model->capabilities.empty()) show["capabilities"] = model->capabilities;
    if (!model->remote_model.empty()) show["remote_model"] = model->remote_model;
    if (!model->remote_host.empty()) show["remote_host"] = model->remote_host;
    show["modified_at"] = model->modified_at;
    return json_response(200, show);
}

FakeResponse FakeOllama::handle_ps() const {
    std::lock_guard lock(mutex_);
    settle_locked();
    ordered_json models = ordered_json::array();
    for (const LoadedModel& entry : loaded_) {
        const FakeOllamaModel* model = find_locked(entry.name);
        if (model == nullptr) continue;
        models.push_back(ordered_json{
            {"name", model->name},
            {"model", model->name},
            {"size", model->size},
            {"digest", model->digest},
            {"details", details_of(*model)},
            {"expires_at", entry.expires_at ? local_time(*entry.expires_at) : kForeverExpiry},
            {"size_vram", model->size},
            {"context_length", entry.context_length},
        });
    }
    return json_response(200, ordered_json{{"models", std::move(models)}});
}

std::vector<json> FakeOllama::chat_requests() const {
    std::lock_guard lock(mutex_);
    return chat_requests_;
}

void FakeOllama::set_chat_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    chat_delay_ = delay;
}

void FakeOllama::fail_next_chat(OllamaChatFault fault, std::size_t count) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) chat_faults_.push_back(fault);
}

// server/routes.go GenerateHandler/ChatHandler: 400 without a model, 404 for one not in the store.
std::optional<FakeResponse> FakeOllama::refuse_model_locked(const std::string& name) const {
    if (name.empty()) return error_response(400, "model is required");
    if (find_locked(name) == nullptr) {
        return error_response(404, "model " + go_quote(name) + " not found, try pulling it first");
    }
    return std::nullopt;
}

// server/routes.go ChatHandler, stream:false: one ChatResponse (api/types.go) with the whole
// message and the final metrics; an unknown model is 404 like /api/generate.
FakeResponse FakeOllama::handle_chat(const FakeRequest& request) {
    std::lock_guard lock(mutex_);
    chat_requests_.push_back(recorded_body(request));
    settle_locked();
    if (!chat_faults_.empty()) {
        const OllamaChatFault fault = chat_faults_.front();
        chat_faults_.pop_front();
        if (fault == OllamaChatFault::server_error) {
            return error_response(500, "llama runner process has terminated: exit status 2");
        }
        // A hung runner: stream:false answers only when the generation ends, so not even the
        // headers come (until the server stops).
        FakeResponse stalled = json_response(200, ordered_json::object());
        stalled.delay_before_headers = std::chrono::hours(1);
        return stalled;
    }
    json body;
    if (auto error = bind_body(request, "api.ChatRequest", body)) return *error;
    const std::string name = model_name_of(body);
    if (auto refused = refuse_model_locked(name)) return *refused;
    std::string last_user;
    if (body.contains("messages") && body["messages"].is_array()) {
        for (const auto& m : body["messages"]) {
            if (m.is_object() && m.value("role", "") == "user" && m.contains("content") &&
                m["content"].is_string()) {
                last_user = m["content"].get<std::string>();
            }
        }
    }
    const std::string created_at = format_time(system_clock::now(), 0);
    if (last_user.empty()) {  // an empty conversation only loads the model
        return json_response(200,
                             ordered_json{{"model", name},
                                          {"created_at", created_at},
                                          {"message", {{"role", "assistant"}, {"content", ""}}},
                                          {"done", true},
                                          {"done_reason", "load"}});
    }
    FakeResponse response = json_response(
        200, ordered_json{{"model", name},
                          {"created_at", created_at},
                          {"message", {{"role", "assistant"}, {"content", "Echo: " + last_user}}},
                          {"done_reason", "stop"},
                          {"done", true},
                          {"total_duration", 412345678},
                          {"load_duration", 12345678},
                          {"prompt_eval_count", 12},
                          {"prompt_eval_duration", 45678901},
                          {"eval_count", 9},
                          {"eval_duration", 298765432}});
    response.delay_before_headers = chat_delay_;
    return response;
}

FakeResponse FakeOllama::handle_generate(const FakeRequest& request) {
    std::lock_guard lock(mutex_);
    generate_requests_.push_back(recorded_body(request));
    settle_locked();

    json body;
    if (auto error = bind_body(request, "api.GenerateRequest", body)) return *error;
    const std::string name = model_name_of(body);
    if (auto refused = refuse_model_locked(name)) return *refused;
    const FakeOllamaModel* model = find_locked(name);
    const KeepAlive keep_alive = keep_alive_of(body);
    if (!keep_alive.valid) {
        return error_response(400, "time: invalid duration " + go_quote(keep_alive.raw));
    }
    // server/routes.go GenerateHandler: scheduleRunner needs CapabilityCompletion, and an
    // embedding-only model fails with errCapabilityCompletion, answered 400.
    if (!model->capabilities.empty() &&
        std::find(model->capabilities.begin(), model->capabilities.end(), "completion") ==
            model->capabilities.end()) {
        return error_response(400, go_quote(name) + " does not support generate");
    }
    const std::string created_at = format_time(system_clock::now(), 0);
    const std::string prompt = body.contains("prompt") && body["prompt"].is_string()
                                   ? body["prompt"].get<std::string>()
                                   : "";
    const bool has_images =
        body.contains("images") && body["images"].is_array() && !body["images"].empty();

    if (keep_alive.duration == std::chrono::nanoseconds(0) && prompt.empty() && !has_images) {
        std::erase_if(loaded_, [&](const LoadedModel& entry) { return entry.name == model->name; });
        return json_response(200, ordered_json{{"model", name},
                                               {"created_at", created_at},
                                               {"response", ""},
                                               {"done", true},
                                               {"done_reason", "unload"}});
    }

    std::optional<system_clock::time_point> expires_at;
    if (keep_alive.duration >= std::chrono::nanoseconds(0)) {
        expires_at = system_clock::now() +
                     std::chrono::duration_cast<system_clock::duration>(keep_alive.duration);
    }
    std::int64_t context_length = std::min(kDefaultRunnerContext, model->context_length);
    if (body.contains("options") && body["options"].is_object() &&
        body["options"].contains("num_ctx") && body["options"]["num_ctx"].is_number_integer()) {
        context_length = body["options"]["num_ctx"].get<std::int64_t>();
    }
    const FakeOllamaModel loaded_model = *model;
    load_locked(loaded_model, expires_at, context_length);

    if (prompt.empty() && !has_images) {
        return json_response(200, ordered_json{{"model", name},
                                               {"created_at", created_at},
                                               {"response", ""},
                                               {"done", true},
                                               {"done_reason", "load"}});
    }

    // A real generation is outside what the provider needs; a short canned reply keeps the
    // endpoint honest about its shapes.
    const std::string reply = default_generate_reply();
    ordered_json final_line{{"model", name},
                            {"created_at", created_at},
                            {"response", ""},
                            {"done", true},
                            {"done_reason", "stop"},
                            {"context", {128006, 882, 128007}},
                            {"total_duration", 412345678},
                            {"load_duration", 12345678},
                            {"prompt_eval_count", 12},
                            {"prompt_eval_duration", 45678901},
                            {"eval_count", 9},
                            {"eval_duration", 298765432}};
    if (!stream_requested(body)) {
        final_line["response"] = reply;
        return json_response(200, final_line);
    }
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < reply.size()) {
        const auto space = reply.find(' ', start + 1);
        const std::size_t end = space == std::string::npos ? reply.size() : space;
        lines.push_back(go_json(ordered_json{{"model", name},
                                             {"created_at", created_at},
                                             {"response", reply.substr(start, end - start)},
                                             {"done", false}}));
        start = end;
    }
    lines.push_back(go_json(final_line));
    return FakeResponse::ndjson_stream(std::move(lines), milliseconds(5));
}

FakeResponse FakeOllama::handle_delete(const FakeRequest& request) {
    std::lock_guard lock(mutex_);
    delete_requests_.push_back(recorded_body(request));
    settle_locked();

    json body;
    if (auto error = bind_body(request, "api.DeleteRequest", body)) return *error;
    const std::string name = model_field(body);
    if (name.empty()) return error_response(400, "name " + go_quote(name) + " is invalid");
    const FakeOllamaModel* model = find_locked(name);
    if (model == nullptr) return error_response(404, "model '" + name + "' not found");

    const std::string stored = model->name;
    std::erase_if(loaded_, [&](const LoadedModel& entry) { return entry.name == stored; });
    std::erase_if(models_, [&](const FakeOllamaModel& entry) { return entry.name == stored; });
    FakeResponse response;
    response.status = 200;  // empty body, Content-Length: 0
    return response;
}

FakeResponse FakeOllama::handle_pull(const FakeRequest& request) {
    std::lock_guard lock(mutex_);
    pull_requests_.push_back(recorded_body(request));
    settle_locked();

    json body;
    if (auto error = bind_body(request, "api.PullRequest", body)) return *error;
    const std::string name = model_field(body);
    if (name.empty()) return error_response(400, "invalid model name");
    const bool stream = stream_requested(body);

    const std::string key = canonical_name(name);
    const auto scripted = std::find_if(pull_scripts_.begin(), pull_scripts_.end(),
                                       [&](const auto& entry) { return entry.first == key; });
    if (scripted == pull_scripts_.end()) {
        const std::string message = "pull model manifest: file does not exist";
        if (!stream) return error_response(500, message);
        return FakeResponse::ndjson_stream(
            {progress_line("pulling manifest"), go_json(ordered_json{{"error", message}})});
    }
    const PullScript& script = scripted->second;
    if (script.status_before_stream) {
        return error_response(script.status_before_stream->status,
                              script.status_before_stream->message);
    }

    const PullPlan plan = plan_pull(script);
    const milliseconds until_last = stream_time(plan, script);
    if (plan.end == PullPlan::End::success) {
        FakeOllamaModel model;
        if (script.model) {
            model = *script.model;
        } else {
            model = FakeOllamaModel::llama3();
            model.name.clear();
            model.digest.clear();
            model.modified_at.clear();
            model.size = 0;
            for (const PullLayer& layer : script.layers) model.size += layer.total;
        }
        if (model.name.empty()) model.name = shortest_name(name);
        // The success line leaves the server no earlier than this, so a client that has read it
        // always finds the model in the store.
        pending_.push_back(PendingModel{std::chrono::steady_clock::now() + until_last, model,
                                        stream ? script.hold_until : nullptr});
    }

    if (!stream) {
        // The real handler buffers the whole pull and answers once with the last object.
        FakeResponse response;
        switch (plan.end) {
            case PullPlan::End::success:
                response = json_response(200, ordered_json{{"status", "success"}});
                break;
            case PullPlan::End::no_success:
                response = json_response(200, ordered_json{{"status", "writing manifest"}});
                break;
            case PullPlan::End::error_line:
                response = error_response(500, plan.error);
                break;
            case PullPlan::End::stall:
                // Never answers; stop() or the client's timeout ends it.
                response = error_response(500, "unreachable");
                response.delay_before_headers = std::chrono::hours(1);
                return response;
            case PullPlan::End::reset:
                // Headers must go out before the fake can reset; the body never does.
                response = error_response(500, "unreachable");
                response.reset_after_bytes = 0;
                break;
        }
        response.delay_before_headers = until_last;
        return response;
    }

    std::size_t payload_bytes = 0;
    for (const std::string& line : plan.lines) payload_bytes += line.size() + 1;  // + '\n'
    FakeResponse response = FakeResponse::ndjson_stream(plan.lines, script.tick_delay);
    for (std::size_t i = 1; i < response.chunks.size(); ++i) {
        if (response.chunks[i - 1].data == progress_line("verifying sha256 digest") + "\n") {
            response.chunks[i].delay_before = script.verify_silence;
        }
    }
    if (script.hold_until) {
        // The first line after `hold_after_layer` completed layers waits for the release.
        std::size_t line = 1;  // after "pulling manifest"
        const std::size_t held_layers = std::min(script.hold_after_layer, script.layers.size());
        for (std::size_t index = 0; index < held_layers; ++index) {
            line += script.layers[index].already_present
                        ? 1
                        : 1 + static_cast<std::size_t>(std::max(1, script.ticks_per_layer));
        }
        response.hold_at_chunk = line;
        response.hold_until = script.hold_until;
    }
    // A count equal to the whole body fires the fault after the last line, before the chunked
    // terminator: the client has every line and then silence or a reset.
    if (plan.end == PullPlan::End::stall) response.stall_after_bytes = payload_bytes;
    if (plan.end == PullPlan::End::reset) response.reset_after_bytes = payload_bytes;
    return response;
}

FakeResponse FakeOllama::handle_openai_models() const {
    std::lock_guard lock(mutex_);
    settle_locked();
    // A nil slice in the real server: no models gives "data": null, not [].
    ordered_json data = nullptr;
    for (const FakeOllamaModel& model : models_) {
        const auto slash = model.name.find('/');
        const std::string owner =
            slash == std::string::npos ? "library" : model.name.substr(0, slash);
        data.push_back(ordered_json{{"id", model.name},
                                    {"object", "model"},
                                    {"created", unix_seconds(model.modified_at)},
                                    {"owned_by", owner}});
    }
    return json_response(200, ordered_json{{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace venom::testing

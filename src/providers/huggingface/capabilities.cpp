#include "providers/huggingface/capabilities.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "providers/chat_template.hpp"
#include "providers/gguf_header.hpp"
#include "venom/json_field_reader.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uintmax_t kMaxSmallFile = 16 << 20;

std::optional<std::string> read_small(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > kMaxSmallFile) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json read_json(const fs::path& path) {
    auto text = read_small(path);
    if (!text) return json::object();
    json parsed = json::parse(*text, nullptr, false);
    return parsed.is_object() ? parsed : json::object();
}

std::optional<std::string> chat_template(const fs::path& snapshot) {
    if (auto jinja = read_small(snapshot / "chat_template.jinja")) return jinja;
    json config = read_json(snapshot / "tokenizer_config.json");
    auto it = config.find("chat_template");
    if (it == config.end()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_array()) return std::nullopt;
    // [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]; anything else in the
    // list (a file anyone can publish) is skipped, never trusted to have that shape.
    auto field = [](const json& t, const char* key) -> std::optional<std::string> {
        if (!t.is_object()) return std::nullopt;
        auto f = t.find(key);
        if (f == t.end() || !f->is_string()) return std::nullopt;
        return f->get<std::string>();
    };
    for (const auto& t : *it) {
        if (field(t, "name") == "default" && field(t, "template")) return field(t, "template");
    }
    if (!it->empty()) return field((*it)[0], "template");
    return std::nullopt;
}

}  // namespace

ModelCapabilities capabilities_from_snapshot(const fs::path& snapshot, const std::string& weight) {
    ModelCapabilities caps;
    const json config = read_json(snapshot / "config.json");
    const json& text = config.contains("text_config") ? config["text_config"] : config;
    for (const char* key : {"max_position_embeddings", "n_positions", "max_seq_len", "seq_length",
                            "max_sequence_length"}) {
        for (const json* source : {&config, &text}) {
            auto it = source->find(key);
            if (it != source->end() && it->is_number_integer() &&
                caps.max_context_length == ModelCapabilities{}.max_context_length) {
                if (auto n = as_signed(*it); n && *n > 0) caps.max_context_length = *n;
            }
        }
    }
    if (auto q = config.find("quantization_config"); q != config.end() && q->is_object()) {
        auto m = q->find("quant_method");
        std::string method = m != q->end() && m->is_string() ? m->get<std::string>() : "";
        if (auto bits = q->find("bits"); bits != q->end() && bits->is_number_integer()) {
            method += (method.empty() ? "" : "-") + std::to_string(bits->get<int64_t>()) + "bit";
        }
        if (!method.empty()) caps.quantization = method;
    }
    std::optional<std::string> chat = chat_template(snapshot);

    if (weight.size() > 5 && weight.compare(weight.size() - 5, 5, ".gguf") == 0) {
        if (auto gguf = read_gguf_header(snapshot / weight)) {
            if (gguf->context_length) caps.max_context_length = *gguf->context_length;
            if (gguf->file_type) caps.quantization = gguf_file_type_name(*gguf->file_type);
            if (!chat && gguf->chat_template) chat = gguf->chat_template;
        }
    }
    if (chat && !chat->empty()) {
        caps.prompt_template = *chat;
        caps.supports_system_role = template_renders_system(*chat);
        caps.supports_function_calling = template_handles_tools(*chat);
    }
    caps.allowed_roles = caps.supports_system_role
                             ? std::vector<std::string>{"system", "user", "assistant"}
                             : std::vector<std::string>{"user", "assistant"};
    return caps;
}

}  // namespace venom::providers

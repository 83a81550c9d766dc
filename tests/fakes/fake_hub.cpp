#include "fakes/fake_hub.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

namespace venom::testing {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kOldRepoDate = "2022-03-02T23:29:04.000Z";
constexpr std::size_t kListPageDefault = 1000;
// The Hub caps page sizes; asking for more silently gets this many plus a Link.
constexpr std::size_t kListPageMax = 1000;
constexpr std::string_view kCdnLastModified = "Thu, 01 Aug 2024 12:00:00 GMT";

// The Hub's rate-limit buckets (hub-docs docs/hub/rate-limits.md): "resolvers" for /resolve/
// and /api/resolve-cache/, "api" for the rest; fixed 5-minute windows; the anonymous quotas.
constexpr std::int64_t kRateWindowSeconds = 300;

std::int64_t bucket_quota(std::string_view bucket) {
    return bucket == "resolvers" ? 3000 : 500;
}

std::string rate_limit_policy(std::string_view bucket) {
    return "\"fixed window\";\"" + std::string(bucket) +
           "\";q=" + std::to_string(bucket_quota(bucket)) +
           ";w=" + std::to_string(kRateWindowSeconds);
}

// ---- small text helpers -----------------------------------------------------------------------

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return lower(a) == lower(b);
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto at = text.find(separator, start);
        parts.emplace_back(text.substr(start, at - start));
        if (at == std::string_view::npos) return parts;
        start = at + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += separator;
        out += parts[i];
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// `plus_is_space` for query strings (form encoding), not for path segments.
std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

// Python's quote(text, safe=keep): unreserved characters and `keep` stay as they are.
std::string percent_encode(std::string_view text, std::string_view keep = "") {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' ||
            keep.find(c) != std::string_view::npos) {
            out += c;
        } else {
            out += '%';
            out += kDigits[u >> 4];
            out += kDigits[u & 0xF];
        }
    }
    return out;
}

struct QueryParam {
    std::string raw;  // "key=value" exactly as sent, for rebuilding the next-page URL
    std::string key;
    std::string value;
};

std::vector<QueryParam> parse_query(std::string_view query) {
    std::vector<QueryParam> params;
    if (query.empty()) return params;
    for (const std::string& part : split(query, '&')) {
        if (part.empty()) continue;
        const auto equals = part.find('=');
        QueryParam param;
        param.raw = part;
        param.key = percent_decode(std::string_view(part).substr(0, equals), true);
        if (equals != std::string::npos) {
            param.value = percent_decode(std::string_view(part).substr(equals + 1), true);
        }
        params.push_back(std::move(param));
    }
    return params;
}

std::vector<std::string> values_of(const std::vector<QueryParam>& params,
                                   std::initializer_list<std::string_view> keys) {
    std::vector<std::string> values;
    for (const QueryParam& param : params) {
        for (const std::string_view key : keys) {
            if (param.key == key) values.push_back(param.value);
        }
    }
    return values;
}

std::optional<std::string> value_of(const std::vector<QueryParam>& params, std::string_view key) {
    for (const QueryParam& param : params) {
        if (param.key == key) return param.value;
    }
    return std::nullopt;
}

bool flag_of(const std::vector<QueryParam>& params, std::string_view key) {
    const auto value = value_of(params, key);
    return value && (iequals(*value, "true") || *value == "1");
}

// ---- digests and generated bytes --------------------------------------------------------------

std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (std::size_t i = 0; i < size; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0xF];
    }
    return out;
}

std::string digest_hex(const EVP_MD* md, std::initializer_list<std::string_view> parts) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    bool ok = EVP_DigestInit_ex(ctx, md, nullptr) == 1;
    for (const std::string_view part : parts) {
        ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, out, &size) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) throw std::runtime_error("EVP digest failed");
    return to_hex(out, size);
}

std::string sha1_hex(std::string_view data) {
    return digest_hex(EVP_sha1(), {data});
}

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

// splitmix64: fast enough to generate the multi-GB files of the download benchmark, and the same
// bytes on every run so a failure reproduces.
std::string generated_bytes(std::size_t size, std::uint64_t seed) {
    std::string out(size, '\0');
    std::uint64_t state = seed;
    std::size_t i = 0;
    while (i < size) {
        state += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        for (int b = 0; b < 8 && i < size; ++b, ++i) {
            out[i] = static_cast<char>((z >> (8 * b)) & 0xFF);
        }
    }
    return out;
}

std::string base64_encode(std::string_view data) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const std::uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                                (static_cast<unsigned char>(data[i + 1]) << 8) |
                                static_cast<unsigned char>(data[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(n >> shift) & 0x3F];
    }
    const std::size_t rest = data.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<unsigned char>(data[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 0x3F];
        out += kAlphabet[(n >> 12) & 0x3F];
        out += rest == 2 ? kAlphabet[(n >> 6) & 0x3F] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') value = c - 'A';
        if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
        if (c >= '0' && c <= '9') value = c - '0' + 52;
        if (c == '+') value = 62;
        if (c == '/') value = 63;
        if (c == '=') break;
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// ---- file builders ----------------------------------------------------------------------------

// Qwen2.5's template, the common shape of a ChatML model that supports a system message and tools.
constexpr std::string_view kChatmlToolsTemplate = R"TPL({%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
)TPL";

// google/gemma-2b-it's template, verbatim: a system message is an error, not ignored.
constexpr std::string_view kGemmaTemplate =
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not "
    "supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != "
    "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
    "user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}"
    "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ "
    "'<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% "
    "endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";

// Meta-Llama-3-8B-Instruct's template, as llama.cpp conversions embed it.
constexpr std::string_view kLlama3Template =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | "
    "trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% "
    "endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

constexpr std::string_view kGitattributes =
    "*.7z filter=lfs diff=lfs merge=lfs -text\n"
    "*.bin filter=lfs diff=lfs merge=lfs -text\n"
    "*.gguf filter=lfs diff=lfs merge=lfs -text\n"
    "*.model filter=lfs diff=lfs merge=lfs -text\n"
    "*.onnx filter=lfs diff=lfs merge=lfs -text\n"
    "*.pt filter=lfs diff=lfs merge=lfs -text\n"
    "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
    "tokenizer.json filter=lfs diff=lfs merge=lfs -text\n";

std::string last_segment(std::string_view id) {
    const auto slash = id.rfind('/');
    return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
}

std::string readme(std::string_view id, std::string_view license, std::string_view library,
                   std::string_view extra_front_matter) {
    std::string text = "---\nlicense: " + std::string(license) + "\n";
    if (!library.empty()) text += "library_name: " + std::string(library) + "\n";
    text += "pipeline_tag: text-generation\n";
    text += extra_front_matter;
    text += "---\n\n# " + last_segment(id) +
            "\n\nGenerated by venomd's FakeHub for tests. Not a real model.\n";
    return text;
}

// A valid safetensors file of exactly `size` bytes holding one BF16 tensor of generated bytes, or
// plain generated bytes when `size` cannot hold the header. The header is padded with spaces (as
// the format allows) to a length fixed in advance, computed with the largest numbers it could
// hold, so the data length it announces is exact; one more space keeps that length even.
std::string safetensors_file(std::size_t size, const std::string& tensor, std::uint64_t seed,
                             std::uint64_t& data_bytes) {
    const auto header_for = [&](std::size_t data) {
        return ordered_json{{"__metadata__", {{"format", "pt"}}},
                            {tensor,
                             {{"dtype", "BF16"},
                              {"shape", ordered_json::array({data / 2})},
                              {"data_offsets", {0, data}}}}}
            .dump();
    };
    std::size_t header_size = header_for(size).size();
    header_size += (8 - header_size % 8) % 8;
    if (size < 8 + header_size + 1) {
        data_bytes = size;
        return generated_bytes(size, seed);
    }
    if ((size - 8 - header_size) % 2 != 0) ++header_size;
    const std::size_t data = size - 8 - header_size;
    std::string header = header_for(data);
    header.append(header_size - header.size(), ' ');
    data_bytes = data;

    std::string out;
    out.reserve(size);
    for (int b = 0; b < 8; ++b) {
        out += static_cast<char>((static_cast<std::uint64_t>(header_size) >> (8 * b)) & 0xFF);
    }
    out += header;
    out += generated_bytes(data, seed);
    return out;
}

std::string pretty(const ordered_json& value) {
    return value.dump(2) + "\n";
}

enum class Flavor { chatml, gemma };

FakeHubRepo build_transformers(std::string id, std::size_t weight_bytes, std::size_t shards,
                               Flavor flavor) {
    if (shards == 0) throw std::invalid_argument("FakeHubRepo: shards must be at least 1");
    const bool gemma = flavor == Flavor::gemma;
    FakeHubRepo repo;
    repo.id = std::move(id);
    repo.library_name = "transformers";
    const std::string model_type = gemma ? "gemma" : "qwen2";
    const std::string license = gemma ? "gemma" : "apache-2.0";
    repo.tags = {"transformers",
                 "safetensors",
                 model_type,
                 "text-generation",
                 "conversational",
                 "license:" + license,
                 "autotrain_compatible",
                 "text-generation-inference",
                 "endpoints_compatible",
                 "region:us"};
    const std::string bos = gemma ? "<bos>" : "<|endoftext|>";
    const std::string eos = gemma ? "<eos>" : "<|im_end|>";
    const std::string pad = gemma ? "<pad>" : "<|endoftext|>";
    const int bos_id = gemma ? 2 : 151643;
    const int eos_id = gemma ? 1 : 151645;

    ordered_json config;
    if (gemma) {
        config = {{"architectures", {"GemmaForCausalLM"}},
                  {"attention_bias", false},
                  {"bos_token_id", bos_id},
                  {"eos_token_id", eos_id},
                  {"head_dim", 256},
                  {"hidden_act", "gelu_pytorch_tanh"},
                  {"hidden_size", 2048},
                  {"initializer_range", 0.02},
                  {"intermediate_size", 16384},
                  {"max_position_embeddings", 8192},
                  {"model_type", "gemma"},
                  {"num_attention_heads", 8},
                  {"num_hidden_layers", 18},
                  {"num_key_value_heads", 1},
                  {"pad_token_id", 0},
                  {"rms_norm_eps", 1e-06},
                  {"rope_theta", 10000.0},
                  {"torch_dtype", "bfloat16"},
                  {"transformers_version", "4.38.0.dev0"},
                  {"vocab_size", 256000}};
    } else {
        config = {{"architectures", {"Qwen2ForCausalLM"}},
                  {"attention_dropout", 0.0},
                  {"bos_token_id", bos_id},
                  {"eos_token_id", eos_id},
                  {"hidden_act", "silu"},
                  {"hidden_size", 896},
                  {"initializer_range", 0.02},
                  {"intermediate_size", 4864},
                  {"max_position_embeddings", 8192},
                  {"max_window_layers", 21},
                  {"model_type", "qwen2"},
                  {"num_attention_heads", 14},
                  {"num_hidden_layers", 24},
                  {"num_key_value_heads", 2},
                  {"rms_norm_eps", 1e-06},
                  {"rope_theta", 1000000.0},
                  {"sliding_window", 8192},
                  {"tie_word_embeddings", true},
                  {"torch_dtype", "bfloat16"},
                  {"transformers_version", "4.43.1"},
                  {"use_cache", true},
                  {"use_sliding_window", false},
                  {"vocab_size", 151936}};
    }

    ordered_json generation = {
        {"bos_token_id", bos_id},
        {"do_sample", true},
        {"eos_token_id", gemma ? ordered_json(eos_id) : ordered_json({151645, 151643})},
        {"pad_token_id", gemma ? 0 : 151643},
        {"temperature", 0.7},
        {"top_p", 0.8},
        {"transformers_version", gemma ? "4.38.0.dev0" : "4.43.1"}};

    ordered_json added_tokens = ordered_json::array();
    const std::vector<std::pair<int, std::string>> specials =
        gemma ? std::vector<std::pair<int, std::string>>{{0, pad},
                                                         {1, eos},
                                                         {2, bos},
                                                         {3, "<unk>"},
                                                         {106, "<start_of_turn>"},
                                                         {107, "<end_of_turn>"}}
              : std::vector<std::pair<int, std::string>>{
                    {151643, "<|endoftext|>"}, {151644, "<|im_start|>"}, {151645, "<|im_end|>"}};
    ordered_json added_tokens_decoder = ordered_json::object();
    for (const auto& [token_id, content] : specials) {
        const ordered_json token = {{"id", token_id},  {"content", content}, {"single_word", false},
                                    {"lstrip", false}, {"rstrip", false},    {"normalized", false},
                                    {"special", true}};
        added_tokens.push_back(token);
        ordered_json decoder_entry = token;
        decoder_entry.erase("id");
        added_tokens_decoder[std::to_string(token_id)] = decoder_entry;
    }
    ordered_json vocab = ordered_json::object();
    const std::string_view pieces[] = {"!", "\"", "#", "a", "b", "c", "the", "Ġthe", "Ġa", "ing"};
    for (std::size_t i = 0; i < std::size(pieces); ++i) vocab[std::string(pieces[i])] = i;
    const ordered_json tokenizer = {{"version", "1.0"},
                                    {"truncation", nullptr},
                                    {"padding", nullptr},
                                    {"added_tokens", added_tokens},
                                    {"normalizer", {{"type", "NFC"}}},
                                    {"pre_tokenizer",
                                     {{"type", "ByteLevel"},
                                      {"add_prefix_space", false},
                                      {"trim_offsets", false},
                                      {"use_regex", true}}},
                                    {"post_processor", nullptr},
                                    {"decoder",
                                     {{"type", "ByteLevel"},
                                      {"add_prefix_space", false},
                                      {"trim_offsets", false},
                                      {"use_regex", true}}},
                                    {"model",
                                     {{"type", "BPE"},
                                      {"dropout", nullptr},
                                      {"unk_token", nullptr},
                                      {"continuing_subword_prefix", ""},
                                      {"end_of_word_suffix", ""},
                                      {"fuse_unk", false},
                                      {"byte_fallback", false},
                                      {"vocab", vocab},
                                      {"merges", {"Ġ t", "h e", "Ġt he", "i n", "in g"}}}}};

    ordered_json tokenizer_config = {{"add_bos_token", gemma},
                                     {"add_eos_token", false},
                                     {"added_tokens_decoder", added_tokens_decoder}};
    if (!gemma) tokenizer_config["additional_special_tokens"] = {"<|im_start|>", "<|im_end|>"};
    tokenizer_config["bos_token"] = gemma ? ordered_json(bos) : ordered_json(nullptr);
    tokenizer_config["chat_template"] = std::string(gemma ? kGemmaTemplate : kChatmlToolsTemplate);
    tokenizer_config["clean_up_tokenization_spaces"] = false;
    tokenizer_config["eos_token"] = eos;
    tokenizer_config["errors"] = "replace";
    // Gemma's tokenizer really says 1e30: "no limit", which must not be taken as a context size.
    tokenizer_config["model_max_length"] =
        gemma ? ordered_json(1000000000000000019884624838656.0) : ordered_json(131072);
    tokenizer_config["pad_token"] = pad;
    tokenizer_config["split_special_tokens"] = false;
    tokenizer_config["tokenizer_class"] = gemma ? "GemmaTokenizer" : "Qwen2Tokenizer";
    tokenizer_config["unk_token"] = gemma ? ordered_json("<unk>") : ordered_json(nullptr);

    ordered_json special_tokens_map = ordered_json::object();
    if (gemma) {
        special_tokens_map = {{"additional_special_tokens", {"<start_of_turn>", "<end_of_turn>"}},
                              {"bos_token", bos},
                              {"eos_token", eos},
                              {"pad_token", pad},
                              {"unk_token", "<unk>"}};
    } else {
        special_tokens_map = {{"additional_special_tokens", {"<|im_start|>", "<|im_end|>"}},
                              {"eos_token", eos},
                              {"pad_token", pad}};
    }

    // Weights: one file or N shards plus the index transformers reads to find them.
    std::vector<FakeHubFile> weights;
    std::int64_t parameters = 0;
    std::uint64_t total_data = 0;
    ordered_json weight_map = ordered_json::object();
    for (std::size_t shard = 0; shard < shards; ++shard) {
        const std::size_t size =
            weight_bytes / shards + (shard + 1 == shards ? weight_bytes % shards : 0);
        std::string name = "model.safetensors";
        if (shards > 1) {
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "model-%05zu-of-%05zu.safetensors", shard + 1,
                          shards);
            name = buffer;
        }
        const std::string tensor = shards > 1
                                       ? "model.layers." + std::to_string(shard) + ".mlp.weight"
                                       : "model.embed_tokens.weight";
        std::uint64_t data_bytes = 0;
        std::string content =
            safetensors_file(size, tensor, fnv1a(repo.id + "/" + name), data_bytes);
        parameters += static_cast<std::int64_t>(data_bytes / 2);
        total_data += data_bytes;
        weight_map[tensor] = name;
        weights.push_back(FakeHubFile{name, std::move(content), true});
    }
    repo.safetensors_total = parameters;

    std::vector<FakeHubFile>& files = repo.files;
    files.push_back({".gitattributes", std::string(kGitattributes), false});
    files.push_back(
        {"README.md", readme(repo.id, license, "transformers", "tags:\n- chat\n"), false});
    files.push_back({"config.json", pretty(config), false});
    files.push_back({"generation_config.json", pretty(generation), false});
    if (shards > 1) {
        weights.insert(weights.begin(),
                       FakeHubFile{"model.safetensors.index.json",
                                   pretty({{"metadata", {{"total_size", total_data}}},
                                           {"weight_map", weight_map}}),
                                   false});
    }
    for (FakeHubFile& weight : weights) files.push_back(std::move(weight));
    files.push_back({"special_tokens_map.json", pretty(special_tokens_map), false});
    files.push_back({"tokenizer.json", pretty(tokenizer), true});
    if (gemma) {
        files.push_back({"tokenizer.model", generated_bytes(4096, fnv1a(repo.id + "/spm")), true});
    }
    files.push_back({"tokenizer_config.json", pretty(tokenizer_config), false});
    return repo;
}

struct QuantInfo {
    std::string_view name;
    std::uint32_t file_type;  // llama.cpp's llama_ftype
    double bits_per_weight;
};

constexpr QuantInfo kQuants[] = {
    {"F32", 0, 32.0},     {"F16", 1, 16.0},     {"Q4_0", 2, 4.55},    {"Q4_1", 3, 5.0},
    {"Q8_0", 7, 8.5},     {"Q5_0", 8, 5.54},    {"Q5_1", 9, 6.0},     {"Q2_K", 10, 3.35},
    {"Q3_K_S", 11, 3.5},  {"Q3_K_M", 12, 3.91}, {"Q3_K_L", 13, 4.27}, {"Q4_K_S", 14, 4.58},
    {"Q4_K_M", 15, 4.89}, {"Q5_K_S", 16, 5.54}, {"Q5_K_M", 17, 5.7},  {"Q6_K", 18, 6.56},
    {"BF16", 32, 16.0},
};

const QuantInfo& quant_info(std::string_view name) {
    for (const QuantInfo& quant : kQuants) {
        if (iequals(quant.name, name)) return quant;
    }
    throw std::invalid_argument("FakeHubRepo::gguf: unknown quant " + std::string(name));
}

void append_le(std::string& out, std::uint64_t value, int bytes) {
    for (int b = 0; b < bytes; ++b) out += static_cast<char>((value >> (8 * b)) & 0xFF);
}

void append_gguf_string(std::string& out, std::string_view text) {
    append_le(out, text.size(), 8);
    out += text;
}

// ---- served state -----------------------------------------------------------------------------

struct StoredFile {
    std::string path;
    bool lfs = true;
    std::shared_ptr<const std::string> content;
    std::string sha256;
    std::string blob_sha1;  // git blob sha1 of the content: a git file's ETag
    // What git stores for the path: the content's blob, or for LFS the pointer file's blob.
    std::string oid;
    std::size_t pointer_size = 0;  // LFS only
    std::string signature;         // X-Amz-Signature of its CDN URL
    std::string cdn_etag;          // quoted, S3-style: deliberately not the sha256
};

struct StoredRepo {
    FakeHubRepo meta;  // `files` emptied: the bytes live in `files` below
    std::string object_id;
    std::vector<StoredFile> files;

    const StoredFile* find(std::string_view path) const {
        for (const StoredFile& file : files) {
            if (file.path == path) return &file;
        }
        return nullptr;
    }
};

struct QueuedFault {
    std::string repo;
    std::string path;
    FakeHubFault fault;
};

enum class Hop { api, resolve, content };  // api: the repo-info call, set with path ""

struct Caller {
    std::optional<std::string> token;  // the bearer token, if any Authorization was sent
};

Caller caller_of(const FakeRequest& request) {
    Caller caller;
    const auto header = request.header("Authorization");
    if (!header) return caller;
    std::string_view value = *header;
    if (value.size() >= 7 && iequals(value.substr(0, 7), "Bearer ")) value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    caller.token = std::string(value);
    return caller;
}

FakeResponse json_response(int status, const ordered_json& body) {
    FakeResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    response.body = body.dump();
    return response;
}

FakeResponse hub_error(int status, std::string_view code, const std::string& message) {
    FakeResponse response = json_response(status, {{"error", message}});
    if (!code.empty()) response.headers.emplace_back("X-Error-Code", std::string(code));
    response.headers.emplace_back("X-Error-Message", message);
    return response;
}

FakeResponse status_fault_response(const FakeHubFault& fault, Hop hop) {
    const int code = fault.status_code;
    std::string message = "Internal Error - We're working hard to fix this as soon as possible!";
    if (code == 429) {
        message =
            "You have exceeded our hourly quotas for action 'resolve'. We invite you to retry "
            "later or on a paid plan.";
    } else if (code == 503) {
        message = "Service Unavailable";
    } else if (code == 502) {
        message = "Bad Gateway";
    }
    FakeResponse response;
    if (hop == Hop::content) {
        // S3 and CloudFront speak XML; a client must not expect the Hub's JSON here.
        response = FakeResponse::text(code,
                                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                                          std::string(code == 503 ? "SlowDown" : "InternalError") +
                                          "</Code><Message>" + message + "</Message></Error>",
                                      "application/xml");
    } else {
        response = hub_error(code, "", message);
    }
    if (fault.retry_after_seconds) {
        response.headers.emplace_back("Retry-After", std::to_string(*fault.retry_after_seconds));
    }
    if (code == 429 && hop != Hop::content) {  // the CDN knows nothing of the Hub's quotas
        const std::string bucket = hop == Hop::api ? "api" : "resolvers";
        response.headers.emplace_back(
            "RateLimit",
            "\"" + bucket + "\";r=0;t=" + std::to_string(fault.retry_after_seconds.value_or(1)));
        response.headers.emplace_back("RateLimit-Policy", rate_limit_policy(bucket));
    }
    return response;
}

struct RangeSpec {
    enum class Kind { none, satisfiable, unsatisfiable };
    Kind kind = Kind::none;
    std::size_t start = 0;
    std::size_t end = 0;  // inclusive
};

std::optional<std::size_t> parse_size(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::size_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    return value;
}

// One `bytes=` range; anything else (several ranges, other units, garbage) is ignored like
// servers that do not bother with multipart answers.
RangeSpec parse_range(const std::optional<std::string>& header, std::size_t total) {
    RangeSpec range;
    if (!header) return range;
    std::string_view value = *header;
    if (value.substr(0, 6) != "bytes=" || value.find(',') != std::string_view::npos) return range;
    value.remove_prefix(6);
    const auto dash = value.find('-');
    if (dash == std::string_view::npos) return range;
    const auto first = parse_size(value.substr(0, dash));
    const auto last = parse_size(value.substr(dash + 1));
    if (!first && !last) return range;
    if (!first) {  // suffix range: the last N bytes
        if (*last == 0 || total == 0) return RangeSpec{RangeSpec::Kind::unsatisfiable};
        range.start = total - std::min(*last, total);
        range.end = total - 1;
    } else {
        if (last && *last < *first) return range;
        if (*first >= total) return RangeSpec{RangeSpec::Kind::unsatisfiable};
        range.start = *first;
        range.end = last ? std::min(*last, total - 1) : total - 1;
    }
    range.kind = RangeSpec::Kind::satisfiable;
    return range;
}

// What a content request gets, decided under the lock; the body is cut from `content` after it,
// so a multi-GB copy does not hold up the other server's handlers.
struct ContentPlan {
    std::optional<FakeResponse> early;  // a complete answer (status fault, 416)
    std::shared_ptr<const std::string> content;
    std::size_t start = 0;
    std::size_t length = 0;
    bool partial = false;
    bool head = false;
    std::optional<FakeHubFault> fault;  // a body fault
    FakeHeaders headers;
    std::uint64_t counted = 0;  // body bytes this response sends
};

std::size_t truncated_size(const FakeHubFault& fault, std::size_t length) {
    const std::size_t wanted = fault.bytes.value_or(length / 2);
    return std::min(wanted, length == 0 ? 0 : length - 1);
}

FakeResponse build_content_response(ContentPlan plan) {
    if (plan.early) return std::move(*plan.early);
    FakeResponse response;
    response.status = plan.partial ? 206 : 200;
    response.headers = std::move(plan.headers);
    if (plan.head) {
        response.content_length = plan.length;
        return response;
    }
    std::string body = plan.content->substr(plan.start, plan.length);
    if (!plan.fault) {
        response.body = std::move(body);
        return response;
    }
    const FakeHubFault& fault = *plan.fault;
    switch (fault.kind) {
        case FakeHubFault::Kind::wrong_bytes:
            if (!body.empty()) body[body.size() / 2] = static_cast<char>(~body[body.size() / 2]);
            response.body = std::move(body);
            break;
        case FakeHubFault::Kind::truncated:
            response.content_length = body.size();
            body.resize(truncated_size(fault, body.size()));
            response.body = std::move(body);
            break;
        case FakeHubFault::Kind::reset:
            response.reset_after_bytes = fault.bytes.value_or(0);
            response.body = std::move(body);
            break;
        case FakeHubFault::Kind::stall:
            response.stall_after_bytes = fault.bytes.value_or(0);
            response.body = std::move(body);
            break;
        case FakeHubFault::Kind::slow:
            if (body.empty()) break;
            response.content_length = body.size();
            for (std::size_t at = 0; at < body.size(); at += fault.chunk_size) {
                response.chunks.push_back(
                    FakeChunk{body.substr(at, fault.chunk_size),
                              at == 0 ? std::chrono::milliseconds(0) : fault.chunk_delay});
            }
            break;
        case FakeHubFault::Kind::ignore_range:
        case FakeHubFault::Kind::status:
            response.body = std::move(body);
            break;
    }
    return response;
}

std::string counter_key(std::string_view repo, std::string_view path) {
    return std::string(repo) + '\n' + std::string(path);
}

const std::set<std::string_view>& expandable_properties() {
    static const std::set<std::string_view> names = {"author",
                                                     "baseModels",
                                                     "cardData",
                                                     "childrenModelCount",
                                                     "config",
                                                     "createdAt",
                                                     "disabled",
                                                     "downloads",
                                                     "downloadsAllTime",
                                                     "evalResults",
                                                     "gated",
                                                     "gguf",
                                                     "inference",
                                                     "inferenceProviderMapping",
                                                     "lastModified",
                                                     "library_name",
                                                     "likes",
                                                     "mask_token",
                                                     "model-index",
                                                     "pipeline_tag",
                                                     "private",
                                                     "resourceGroup",
                                                     "safetensors",
                                                     "sha",
                                                     "siblings",
                                                     "spaces",
                                                     "tags",
                                                     "transformersInfo",
                                                     "trendingScore",
                                                     "usedStorage",
                                                     "widgetData"};
    return names;
}

}  // namespace

// ---- FakeHubRepo ------------------------------------------------------------------------------

FakeHubRepo FakeHubRepo::transformers(std::string id, std::size_t weight_bytes,
                                      std::size_t shards) {
    return build_transformers(std::move(id), weight_bytes, shards, Flavor::chatml);
}

FakeHubRepo FakeHubRepo::gemma(std::string id, std::size_t weight_bytes) {
    return build_transformers(std::move(id), weight_bytes, 1, Flavor::gemma);
}

FakeHubRepo FakeHubRepo::gguf(std::string id, std::vector<std::string> quants,
                              std::size_t q4_k_m_bytes) {
    if (quants.empty()) throw std::invalid_argument("FakeHubRepo::gguf: no quants");
    FakeHubRepo repo;
    repo.id = std::move(id);
    std::string base = last_segment(repo.id);
    if (base.size() > 5 && iequals(std::string_view(base).substr(base.size() - 5), "-GGUF")) {
        base.resize(base.size() - 5);
    }
    repo.tags = {"gguf",           "llama",          "text-generation",
                 "conversational", "license:llama3", "endpoints_compatible",
                 "region:us"};
    repo.files.push_back({".gitattributes", std::string(kGitattributes), false});
    repo.files.push_back(
        {"README.md", readme(repo.id, "llama3", "", "tags:\n- gguf\n- llama-cpp\n"), false});
    std::int64_t first_size = 0;
    for (const std::string& name : quants) {
        const QuantInfo& quant = quant_info(name);
        const auto size = static_cast<std::size_t>(static_cast<double>(q4_k_m_bytes) *
                                                   quant.bits_per_weight / 4.89);
        const std::string path = base + "." + std::string(quant.name) + ".gguf";
        if (first_size == 0) first_size = static_cast<std::int64_t>(size);
        repo.files.push_back({path,
                              make_gguf_bytes("llama", 4096, quant.file_type, kLlama3Template, size,
                                              fnv1a(repo.id + "/" + path)),
                              true});
    }
    repo.gguf_info = {{"total", static_cast<std::int64_t>(q4_k_m_bytes * 8 / 4.89)},
                      {"architecture", "llama"},
                      {"context_length", 4096},
                      {"chat_template", std::string(kLlama3Template)},
                      {"bos_token", "<|begin_of_text|>"},
                      {"eos_token", "<|eot_id|>"},
                      {"totalFileSize", first_size}};
    return repo;
}

FakeHubRepo FakeHubRepo::mistral(std::string id, std::size_t weight_bytes) {
    FakeHubRepo repo = build_transformers(std::move(id), weight_bytes, 2, Flavor::chatml);
    std::uint64_t data_bytes = 0;
    repo.files.push_back({"consolidated.safetensors",
                          safetensors_file(weight_bytes, "layers.0.feed_forward.w1.weight",
                                           fnv1a(repo.id + "/consolidated"), data_bytes),
                          true});
    repo.files.push_back({"params.json", pretty({{"dim", 4096}, {"n_layers", 32}}), false});
    repo.files.push_back(
        {"tekken.json",
         pretty({{"config", {{"pattern", "[^\\r\\n]+"}}}, {"vocab", ordered_json::array()}}),
         false});
    return repo;
}

FakeHubRepo FakeHubRepo::gguf_sharded(std::string id, std::vector<std::string> quants,
                                      std::size_t shards, std::size_t q4_k_m_bytes) {
    FakeHubRepo repo = gguf(std::move(id), {quants.front()}, q4_k_m_bytes);
    const std::string flat = repo.files.back().path;  // "<name>.<QUANT>.gguf"
    repo.files.pop_back();
    const std::string base = flat.substr(0, flat.find('.'));
    std::int64_t first_size = 0;
    for (const std::string& name : quants) {
        const QuantInfo& quant = quant_info(name);
        const auto size = static_cast<std::size_t>(static_cast<double>(q4_k_m_bytes) *
                                                   quant.bits_per_weight / 4.89);
        for (std::size_t shard = 1; shard <= shards; ++shard) {
            char suffix[64];
            std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu.gguf", shard, shards);
            const std::string path =
                std::string(quant.name) + "/" + base + "-" + std::string(quant.name) + suffix;
            const std::size_t part = size / shards;
            std::string bytes;
            if (shard == 1) {
                bytes = make_gguf_bytes("llama", 4096, quant.file_type, kLlama3Template, part,
                                        fnv1a(repo.id + "/" + path));
            } else {
                // GGUF v3, no tensors listed here, no metadata keys.
                bytes = std::string("GGUF\x03\0\0\0", 8) + std::string(16, '\0');
                bytes += generated_bytes(part > bytes.size() ? part - bytes.size() : 0,
                                         fnv1a(repo.id + "/" + path));
            }
            if (first_size == 0) first_size = static_cast<std::int64_t>(bytes.size());
            repo.files.push_back({path, std::move(bytes), true});
        }
    }
    repo.gguf_info["totalFileSize"] = first_size;
    return repo;
}

const FakeHubFile* FakeHubRepo::file(std::string_view path) const {
    for (const FakeHubFile& entry : files) {
        if (entry.path == path) return &entry;
    }
    return nullptr;
}

std::string make_gguf_bytes(std::string_view architecture, std::uint32_t context_length,
                            std::uint32_t file_type, std::string_view chat_template,
                            std::size_t total_size, std::uint64_t seed) {
    constexpr std::uint32_t kTypeUint32 = 4;
    constexpr std::uint32_t kTypeString = 8;
    std::string out = "GGUF";
    append_le(out, 3, 4);  // version
    append_le(out, 0, 8);  // tensor_count
    append_le(out, 4, 8);  // metadata_kv_count
    append_gguf_string(out, "general.architecture");
    append_le(out, kTypeString, 4);
    append_gguf_string(out, architecture);
    append_gguf_string(out, std::string(architecture) + ".context_length");
    append_le(out, kTypeUint32, 4);
    append_le(out, context_length, 4);
    append_gguf_string(out, "general.file_type");
    append_le(out, kTypeUint32, 4);
    append_le(out, file_type, 4);
    append_gguf_string(out, "tokenizer.chat_template");
    append_le(out, kTypeString, 4);
    append_gguf_string(out, chat_template);
    // Tensor data starts at general.alignment (default 32); there is none, but a parser that
    // seeks there must land inside the file.
    out.append((32 - out.size() % 32) % 32, '\0');
    if (out.size() < total_size) out += generated_bytes(total_size - out.size(), seed);
    return out;
}

// ---- FakeHubFault -----------------------------------------------------------------------------

FakeHubFault FakeHubFault::wrong_bytes() {
    return FakeHubFault{};
}

FakeHubFault FakeHubFault::truncated(std::optional<std::size_t> bytes_sent) {
    FakeHubFault fault;
    fault.kind = Kind::truncated;
    fault.bytes = bytes_sent;
    return fault;
}

FakeHubFault FakeHubFault::reset_after_bytes(std::size_t bytes) {
    FakeHubFault fault;
    fault.kind = Kind::reset;
    fault.bytes = bytes;
    return fault;
}

FakeHubFault FakeHubFault::stall_after_bytes(std::size_t bytes) {
    FakeHubFault fault;
    fault.kind = Kind::stall;
    fault.bytes = bytes;
    return fault;
}

FakeHubFault FakeHubFault::ignore_range() {
    FakeHubFault fault;
    fault.kind = Kind::ignore_range;
    return fault;
}

FakeHubFault FakeHubFault::status(int code, int times) {
    FakeHubFault fault;
    fault.kind = Kind::status;
    fault.status_code = code;
    fault.times = times;
    if (code == 429) fault.retry_after_seconds = 1;
    return fault;
}

FakeHubFault FakeHubFault::slow(std::size_t chunk_size, std::chrono::milliseconds delay) {
    if (chunk_size == 0) throw std::invalid_argument("FakeHubFault::slow: chunk_size is 0");
    FakeHubFault fault;
    fault.kind = Kind::slow;
    fault.chunk_size = chunk_size;
    fault.chunk_delay = delay;
    return fault;
}

FakeHubFault& FakeHubFault::sticky() & {
    times = always;
    return *this;
}

FakeHubFault&& FakeHubFault::sticky() && {
    times = always;
    return std::move(*this);
}

FakeHubFault& FakeHubFault::at_content() & {
    on_content = true;
    return *this;
}

FakeHubFault&& FakeHubFault::at_content() && {
    on_content = true;
    return std::move(*this);
}

// ---- FakeHub::State ---------------------------------------------------------------------------

class FakeHub::State {
public:
    // Set once, before any route is registered; read without the lock afterwards.
    std::string hub_url;
    std::string cdn_url;

    void add_repo(FakeHubRepo repo) {
        if (repo.id.empty()) throw std::invalid_argument("FakeHub::add_repo: empty id");
        StoredRepo stored;
        stored.object_id = sha1_hex("_id:" + repo.id).substr(0, 24);
        if (repo.sha.empty()) repo.sha = sha1_hex("commit:" + repo.id);
        if (repo.created_at.empty()) repo.created_at = std::string(kOldRepoDate);
        if (repo.last_modified.empty()) repo.last_modified = repo.created_at;
        // Hashing happens before taking the lock, so serving is not blocked meanwhile.
        for (FakeHubFile& file : repo.files) {
            StoredFile entry;
            entry.path = file.path;
            entry.lfs = file.lfs;
            entry.sha256 = FakeHub::sha256_hex(file.content);
            entry.blob_sha1 = FakeHub::git_blob_sha1(file.content);
            if (file.lfs) {
                const std::string pointer =
                    "version https://git-lfs.github.com/spec/v1\noid sha256:" + entry.sha256 +
                    "\nsize " + std::to_string(file.content.size()) + "\n";
                entry.pointer_size = pointer.size();
                entry.oid = FakeHub::git_blob_sha1(pointer);
            } else {
                entry.oid = entry.blob_sha1;
            }
            entry.signature = FakeHub::sha256_hex(repo.id + "\n" + file.path + "\n" + entry.sha256);
            entry.cdn_etag = "\"" + FakeHub::sha256_hex("s3:" + entry.sha256).substr(0, 32) + "\"";
            entry.content = std::make_shared<const std::string>(std::move(file.content));
            stored.files.push_back(std::move(entry));
        }
        repo.files.clear();
        stored.meta = std::move(repo);

        std::lock_guard lock(mutex_);
        for (StoredRepo& existing : repos_) {
            if (existing.meta.id == stored.meta.id) {
                existing = std::move(stored);
                return;
            }
        }
        repos_.push_back(std::move(stored));
    }

    void add_redirect(std::string old_id, std::string new_id) {
        std::lock_guard lock(mutex_);
        redirects_[std::move(old_id)] = std::move(new_id);
    }

    void add_token(std::string token) {
        std::lock_guard lock(mutex_);
        tokens_.insert(std::move(token));
    }

    void grant_access(std::string repo_id, std::string token) {
        std::lock_guard lock(mutex_);
        grants_.emplace(std::move(repo_id), std::move(token));
    }

    void reject_sort(std::string sort) {
        std::lock_guard lock(mutex_);
        rejected_sorts_.insert(std::move(sort));
    }

    void set_listing_patch(std::string repo_id, FakeHub::ListingPatch patch) {
        std::lock_guard lock(mutex_);
        listing_patches_[std::move(repo_id)] = std::move(patch);
    }

    void set_tree_page_size(std::size_t entries) {
        if (entries == 0) throw std::invalid_argument("FakeHub::set_tree_page_size: 0");
        std::lock_guard lock(mutex_);
        tree_page_size_ = entries;
    }

    void add_fault(std::string_view repo_id, std::string_view path, FakeHubFault fault,
                   bool replace) {
        if (fault.times == 0 || fault.times < FakeHubFault::always) {
            throw std::invalid_argument("FakeHubFault: times must be positive or `always`");
        }
        std::lock_guard lock(mutex_);
        if (replace) {
            std::erase_if(faults_, [&](const QueuedFault& queued) {
                return queued.repo == repo_id && queued.path == path;
            });
        }
        faults_.push_back(QueuedFault{std::string(repo_id), std::string(path), fault});
    }

    void clear_faults() {
        std::lock_guard lock(mutex_);
        faults_.clear();
    }

    // Copies, so the caller can read them without the lock.
    StoredRepo repo_copy(std::string_view repo_id) const {
        std::lock_guard lock(mutex_);
        const StoredRepo* repo = find_repo_locked(repo_id);
        if (repo == nullptr) throw std::out_of_range("FakeHub: no repo " + std::string(repo_id));
        return *repo;
    }

    StoredFile file_copy(std::string_view repo_id, std::string_view path) const {
        std::lock_guard lock(mutex_);
        const StoredRepo* repo = find_repo_locked(repo_id);
        if (repo == nullptr) throw std::out_of_range("FakeHub: no repo " + std::string(repo_id));
        const StoredFile* file = repo->find(path);
        if (file == nullptr) {
            throw std::out_of_range("FakeHub: no file " + std::string(path) + " in " +
                                    std::string(repo_id));
        }
        return *file;
    }

    std::string cdn_url_for(std::string_view repo_id, std::string_view path) const {
        const StoredFile file = file_copy(repo_id, path);
        if (!file.lfs) {
            throw std::out_of_range("FakeHub::cdn_url: " + std::string(path) + " is not LFS");
        }
        return signed_cdn_url(file);
    }

    std::uint64_t cdn_bytes_served(std::string_view sha256) const {
        std::lock_guard lock(mutex_);
        const auto it = cdn_bytes_.find(std::string(sha256));
        return it == cdn_bytes_.end() ? 0 : it->second;
    }

    std::uint64_t bytes_served(std::string_view repo_id, std::string_view path) const {
        std::lock_guard lock(mutex_);
        const auto it = file_bytes_.find(counter_key(repo_id, path));
        return it == file_bytes_.end() ? 0 : it->second;
    }

    void reset_counters() {
        std::lock_guard lock(mutex_);
        cdn_bytes_.clear();
        file_bytes_.clear();
    }

    // Every Hub answer carries a request id, as the real one does; clients log it. And the
    // IETF draft RateLimit headers of the bucket the request counts against (see
    // rate_limit_policy), with what is left and the seconds to the window's end. Only counted,
    // never enforced: 429s come from faults, whose exhausted RateLimit is kept.
    FakeResponse stamped(const FakeRequest& request, FakeResponse response) {
        const bool resolver = request.path.find("/resolve/") != std::string::npos ||
                              request.path.rfind("/api/resolve-cache/", 0) == 0;
        const std::string bucket = resolver ? "resolvers" : "api";
        const std::int64_t quota = bucket_quota(bucket);
        const std::int64_t elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::steady_clock::now() - started_)
                                         .count();
        std::uint64_t number = 0;
        std::int64_t used = 0;
        {
            std::lock_guard lock(mutex_);
            number = ++request_counter_;
            if (elapsed / kRateWindowSeconds != window_) {
                window_ = elapsed / kRateWindowSeconds;
                bucket_used_.clear();
            }
            used = ++bucket_used_[bucket];
        }
        char id[64];
        std::snprintf(id, sizeof id, "Root=1-66ab1234-%024llx",
                      static_cast<unsigned long long>(number));
        response.headers.emplace_back("X-Request-Id", id);
        const bool limited = std::any_of(response.headers.begin(), response.headers.end(),
                                         [](const auto& h) { return h.first == "RateLimit"; });
        if (!limited) {
            response.headers.emplace_back(
                "RateLimit",
                "\"" + bucket + "\";r=" + std::to_string(std::max<std::int64_t>(quota - used, 0)) +
                    ";t=" + std::to_string(kRateWindowSeconds - elapsed % kRateWindowSeconds));
            response.headers.emplace_back("RateLimit-Policy", rate_limit_policy(bucket));
        }
        return response;
    }

    // ---- GET /api/models ----------------------------------------------------------------------

    FakeResponse list_models(const FakeRequest& request) {
        const Caller caller = caller_of(request);
        const std::vector<QueryParam> params = parse_query(request.query);
        std::lock_guard lock(mutex_);
        if (auto refused = check_token_locked(caller)) return std::move(*refused);

        const std::string sort = value_of(params, "sort").value_or("");
        static const std::set<std::string_view> sorts = {"downloads", "likes", "trendingScore",
                                                         "lastModified", "createdAt"};
        if (!sort.empty() && (rejected_sorts_.contains(sort) || !sorts.contains(sort))) {
            return json_response(400, {{"error", "Invalid sort parameter: " + sort}});
        }
        std::size_t limit = kListPageDefault;
        if (const auto text = value_of(params, "limit")) {
            const auto parsed = parse_size(*text);
            if (!parsed || *parsed == 0) {
                return json_response(400, {{"error", "\"limit\" must be a positive integer"}});
            }
            limit = std::min(*parsed, kListPageMax);
        }
        const std::vector<std::string> expand = values_of(params, {"expand", "expand[]"});
        for (const std::string& name : expand) {
            if (!expandable_properties().contains(name)) {
                return json_response(400, {{"error", "Invalid expand: " + name}});
            }
        }
        std::size_t offset = 0;
        if (const auto cursor = value_of(params, "cursor")) {
            const auto decoded = base64_decode(*cursor);
            const json state = decoded ? json::parse(*decoded, nullptr, false) : json();
            if (!state.is_object() || !state.contains("$skip") ||
                !state["$skip"].is_number_unsigned()) {
                return json_response(400, {{"error", "Invalid cursor"}});
            }
            offset = state["$skip"].get<std::size_t>();
        }

        std::vector<const StoredRepo*> matches;
        for (const StoredRepo& repo : repos_) {
            if (can_see_locked(repo, caller) && matches_query(repo, params)) {
                matches.push_back(&repo);
            }
        }
        if (!sort.empty()) {
            std::stable_sort(matches.begin(), matches.end(),
                             [&](const StoredRepo* a, const StoredRepo* b) {
                                 return sorts_before(a->meta, b->meta, sort);
                             });
        }

        std::vector<std::string> names;
        if (!expand.empty()) {
            names = {"_id", "id"};
            for (const std::string& name : expand) {
                if (std::find(names.begin(), names.end(), name) == names.end()) {
                    names.push_back(name);
                }
            }
        } else if (flag_of(params, "full")) {
            names = {"_id",          "id",        "author",        "gated",
                     "lastModified", "likes",     "trendingScore", "private",
                     "sha",          "downloads", "tags",          "pipeline_tag",
                     "library_name", "createdAt", "modelId",       "siblings"};
        } else {
            names = {"_id",          "id",        "likes",  "trendingScore",
                     "private",      "downloads", "tags",   "pipeline_tag",
                     "library_name", "createdAt", "modelId"};
        }
        if (expand.empty() && flag_of(params, "config")) names.push_back("config");
        if (expand.empty() && flag_of(params, "cardData")) names.push_back("cardData");

        ordered_json body = ordered_json::array();
        const std::size_t end = std::min(matches.size(), offset + limit);
        for (std::size_t i = offset; i < end; ++i) {
            body.push_back(project_locked(*matches[i], names, false, false));
        }
        FakeResponse response = json_response(200, body);
        if (end < matches.size()) {
            response.headers.emplace_back(
                "Link", "<" + next_page_url(request.path, params, end) + ">; rel=\"next\"");
        }
        return response;
    }

    // ---- GET /api/models/{id}[/revision/{rev}] and /api/models/{id}/tree/{rev}[/{path}] --------

    FakeResponse models_api(const FakeRequest& request) {
        constexpr std::string_view prefix = "/api/models/";
        const std::vector<std::string> segments =
            split(std::string_view(request.path).substr(prefix.size()), '/');
        const Caller caller = caller_of(request);
        const std::vector<QueryParam> params = parse_query(request.query);
        std::lock_guard lock(mutex_);
        if (auto refused = check_token_locked(caller)) return std::move(*refused);
        const auto [id, consumed] = repo_id_of_locked(segments);
        if (id.empty())
            return hub_error(404, "", "Sorry, we can't find the page you are looking for.");
        if (const auto renamed = redirects_.find(id); renamed != redirects_.end()) {
            return renamed_redirect(std::string(prefix), renamed->second, segments, consumed,
                                    request.query);
        }
        const StoredRepo* repo = find_repo_locked(id);
        if (repo == nullptr || !can_see_locked(*repo, caller)) return repo_not_found(caller);

        const std::vector<std::string> rest(segments.begin() + static_cast<long>(consumed),
                                            segments.end());
        const bool info = rest.empty() || (rest.size() == 2 && rest[0] == "revision");
        if (info) {
            if (auto fault = take_fault_locked(id, "", Hop::api, true, false, true)) {
                return status_fault_response(*fault, Hop::api);
            }
        }
        if (rest.empty()) return model_info_locked(*repo, params);
        if (rest.size() == 2 && rest[0] == "revision") {
            const std::string revision = percent_decode(rest[1], false);
            if (!revision_matches(*repo, revision)) return revision_not_found(revision);
            return model_info_locked(*repo, params);
        }
        if (rest.size() >= 2 && rest[0] == "tree") {
            const std::string revision = percent_decode(rest[1], false);
            if (!revision_matches(*repo, revision)) return revision_not_found(revision);
            std::vector<std::string> path_parts;
            for (std::size_t i = 2; i < rest.size(); ++i) {
                if (!rest[i].empty()) path_parts.push_back(percent_decode(rest[i], false));
            }
            return tree_locked(*repo, request, params, join(path_parts, "/"));
        }
        return hub_error(404, "", "Sorry, we can't find the page you are looking for.");
    }

    // ---- HEAD/GET /{id}/resolve/{rev}/{path} ---------------------------------------------------

    FakeResponse resolve(const FakeRequest& request) {
        const std::vector<std::string> segments =
            split(std::string_view(request.path).substr(1), '/');
        const Caller caller = caller_of(request);
        std::lock_guard lock(mutex_);
        const auto [id, consumed] = repo_id_of_locked(segments);
        if (id.empty() || segments.size() < consumed + 3 || segments[consumed] != "resolve") {
            return FakeResponse::text(404, "Not Found");
        }
        if (auto refused = check_token_locked(caller)) return std::move(*refused);
        if (const auto renamed = redirects_.find(id); renamed != redirects_.end()) {
            return renamed_redirect("/", renamed->second, segments, consumed, request.query);
        }
        const StoredRepo* repo = find_repo_locked(id);
        if (repo == nullptr || !can_see_locked(*repo, caller)) return repo_not_found(caller);
        if (auto refused = check_gate_locked(*repo, caller)) return std::move(*refused);
        const std::string revision = percent_decode(segments[consumed + 1], false);
        if (!revision_matches(*repo, revision)) return revision_not_found(revision);
        std::vector<std::string> path_parts;
        for (std::size_t i = consumed + 2; i < segments.size(); ++i) {
            path_parts.push_back(percent_decode(segments[i], false));
        }
        const std::string path = join(path_parts, "/");
        const std::string& commit = repo->meta.sha;

        if (auto fault =
                take_fault_locked(id, path, Hop::resolve, request.method == "GET", false, true)) {
            return status_fault_response(*fault, Hop::resolve).with_header("X-Repo-Commit", commit);
        }
        const StoredFile* file = repo->find(path);
        if (file == nullptr) {
            return hub_error(404, "EntryNotFound", "Entry not found")
                .with_header("X-Repo-Commit", commit);
        }
        if (file->lfs) {
            const std::string location = signed_cdn_url(*file);
            // The Hub's redirect body is a line of text with its own weak ETag; only the
            // X-Linked-* headers describe the file.
            const std::string text = "Found. Redirecting to " + location;
            FakeResponse response = FakeResponse::text(302, text);
            response.headers.emplace_back("Location", location);
            response.headers.emplace_back("X-Repo-Commit", commit);
            response.headers.emplace_back("X-Linked-Etag", "\"" + file->sha256 + "\"");
            response.headers.emplace_back("X-Linked-Size", std::to_string(file->content->size()));
            response.headers.emplace_back("ETag", "W/\"" + std::to_string(text.size()) + "-" +
                                                      sha1_hex(text).substr(0, 27) + "\"");
            response.headers.emplace_back("Vary", "Origin, Accept");
            return response;
        }
        const std::string location =
            "/api/resolve-cache/models/" + id + "/" + commit + "/" + percent_encode(path, "/") +
            "?" + percent_encode("/" + id + "/resolve/" + revision + "/" + path) + "=&etag=%22" +
            file->blob_sha1 + "%22";
        FakeResponse response =
            FakeResponse::text(307, "Temporary Redirect. Redirecting to " + location);
        response.headers.emplace_back("Location", location);
        response.headers.emplace_back("X-Repo-Commit", commit);
        response.headers.emplace_back("Vary", "Origin, Accept");
        return response;
    }

    // ---- HEAD/GET /api/resolve-cache/models/{id}/{commit}/{path} -------------------------------

    FakeResponse resolve_cache(const FakeRequest& request) {
        constexpr std::string_view prefix = "/api/resolve-cache/models/";
        const std::vector<std::string> segments =
            split(std::string_view(request.path).substr(prefix.size()), '/');
        const Caller caller = caller_of(request);
        ContentPlan plan;
        {
            std::lock_guard lock(mutex_);
            if (auto refused = check_token_locked(caller)) return std::move(*refused);
            const auto [id, consumed] = repo_id_of_locked(segments);
            if (id.empty() || segments.size() < consumed + 2) {
                return FakeResponse::text(404, "Not Found");
            }
            const StoredRepo* repo = find_repo_locked(id);
            if (repo == nullptr || !can_see_locked(*repo, caller)) return repo_not_found(caller);
            if (auto refused = check_gate_locked(*repo, caller)) return std::move(*refused);
            const std::string revision = percent_decode(segments[consumed], false);
            if (!revision_matches(*repo, revision)) return revision_not_found(revision);
            std::vector<std::string> path_parts;
            for (std::size_t i = consumed + 1; i < segments.size(); ++i) {
                path_parts.push_back(percent_decode(segments[i], false));
            }
            const std::string path = join(path_parts, "/");
            const StoredFile* file = repo->find(path);
            if (file == nullptr) {
                return hub_error(404, "EntryNotFound", "Entry not found")
                    .with_header("X-Repo-Commit", repo->meta.sha);
            }
            FakeHeaders headers = {{"Content-Type", content_type_of(path)},
                                   {"X-Repo-Commit", repo->meta.sha},
                                   {"Accept-Ranges", "bytes"}};
            plan = plan_content_locked(request, id, *file, "\"" + file->blob_sha1 + "\"",
                                       std::move(headers));
            file_bytes_[counter_key(id, path)] += plan.counted;
        }
        return build_content_response(std::move(plan));
    }

    // ---- CDN: HEAD/GET /blobs/{sha256}?X-Amz-…&X-Amz-Signature=… ---------------------------

    FakeResponse cdn_blob(const FakeRequest& request) {
        constexpr std::string_view prefix = "/blobs/";
        const std::string sha256(std::string_view(request.path).substr(prefix.size()));
        const auto signature = value_of(parse_query(request.query), "X-Amz-Signature");
        ContentPlan plan;
        {
            std::lock_guard lock(mutex_);
            const StoredRepo* owner = nullptr;
            const StoredFile* file = nullptr;
            for (const StoredRepo& repo : repos_) {
                for (const StoredFile& candidate : repo.files) {
                    if (candidate.lfs && signature && candidate.signature == *signature &&
                        candidate.sha256 == sha256) {
                        owner = &repo;
                        file = &candidate;
                    }
                }
            }
            if (file == nullptr) {
                // A presigned URL with its query lost or altered: what S3 answers.
                return FakeResponse::text(
                    403,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
                    "<Message>Access Denied</Message></Error>",
                    "application/xml");
            }
            const std::string filename = last_segment(file->path);
            FakeHeaders headers = {
                {"Content-Type", "application/octet-stream"},
                {"Accept-Ranges", "bytes"},
                {"Last-Modified", std::string(kCdnLastModified)},
                {"Content-Disposition", "inline; filename*=UTF-8''" + percent_encode(filename) +
                                            "; filename=\"" + filename + "\";"},
                {"Cache-Control", "public, max-age=604800, immutable, s-maxage=604800"},
                {"X-Cache", "Miss from cloudfront"}};
            plan = plan_content_locked(request, owner->meta.id, *file, file->cdn_etag,
                                       std::move(headers));
            cdn_bytes_[sha256] += plan.counted;
            file_bytes_[counter_key(owner->meta.id, file->path)] += plan.counted;
        }
        return build_content_response(std::move(plan));
    }

private:
    const StoredRepo* find_repo_locked(std::string_view id) const {
        for (const StoredRepo& repo : repos_) {
            if (repo.meta.id == id) return &repo;
        }
        return nullptr;
    }

    bool known_id_locked(const std::string& id) const {
        return find_repo_locked(id) != nullptr || redirects_.contains(id);
    }

    // Splits "org/name/rest…" (raw, percent-encoded segments) into the repo id and how many
    // segments it took: ids have one or two segments, and a known id wins over an unknown one.
    std::pair<std::string, std::size_t> repo_id_of_locked(
        const std::vector<std::string>& segments) const {
        if (segments.empty() || segments[0].empty()) return {"", 0};
        const std::string first = percent_decode(segments[0], false);
        if (first.find('/') != std::string::npos) return {first, 1};  // "org%2Fname"
        static const std::set<std::string_view> markers = {"revision", "tree", "resolve"};
        if (segments.size() >= 2 && !segments[1].empty()) {
            const std::string two = first + "/" + percent_decode(segments[1], false);
            if (known_id_locked(two)) return {two, 2};
            if (known_id_locked(first)) return {first, 1};
            if (!markers.contains(segments[1])) return {two, 2};
        }
        return {first, 1};
    }

    static FakeResponse renamed_redirect(const std::string& prefix, const std::string& new_id,
                                         const std::vector<std::string>& segments,
                                         std::size_t consumed, const std::string& query) {
        std::vector<std::string> rest(segments.begin() + static_cast<long>(consumed),
                                      segments.end());
        std::string location = prefix + new_id;
        if (!rest.empty()) location += "/" + join(rest, "/");
        if (!query.empty()) location += "?" + query;
        FakeResponse response =
            FakeResponse::text(307, "Temporary Redirect. Redirecting to " + location);
        response.headers.emplace_back("Location", location);
        return response;
    }

    bool token_valid_locked(const std::string& token) const {
        if (tokens_.empty() || tokens_.contains(token)) return true;
        return std::any_of(grants_.begin(), grants_.end(),
                           [&](const auto& grant) { return grant.second == token; });
    }

    std::optional<FakeResponse> check_token_locked(const Caller& caller) const {
        if (!caller.token || token_valid_locked(*caller.token)) return std::nullopt;
        return hub_error(401, "", "Invalid credentials in Authorization header");
    }

    bool granted_locked(const StoredRepo& repo, const Caller& caller) const {
        return caller.token && grants_.contains({repo.meta.id, *caller.token});
    }

    bool can_see_locked(const StoredRepo& repo, const Caller& caller) const {
        return !repo.meta.private_repo || granted_locked(repo, caller);
    }

    static FakeResponse repo_not_found(const Caller& caller) {
        if (!caller.token) return hub_error(401, "RepoNotFound", "Invalid username or password.");
        return hub_error(404, "RepoNotFound", "Repository not found");
    }

    static FakeResponse revision_not_found(const std::string& revision) {
        return hub_error(404, "RevisionNotFound", "Invalid rev id: " + revision);
    }

    // Downloads of gated repos: metadata stays public, file content does not.
    std::optional<FakeResponse> check_gate_locked(const StoredRepo& repo,
                                                  const Caller& caller) const {
        if (!repo.meta.gated || granted_locked(repo, caller)) return std::nullopt;
        const std::string& id = repo.meta.id;
        if (!caller.token) {
            return hub_error(401, "GatedRepo",
                             "Access to model " + id +
                                 " is restricted. You must have access to it and be "
                                 "authenticated to access it. Please log in.")
                .with_header("WWW-Authenticate",
                             "Bearer realm=\"Authentication required\", "
                             "charset=\"UTF-8\"");
        }
        return hub_error(403, "GatedRepo",
                         "Access to model " + id +
                             " is restricted and you are not in the authorized list. Visit "
                             "https://huggingface.co/" +
                             id + " to ask for access.");
    }

    static bool revision_matches(const StoredRepo& repo, const std::string& revision) {
        return revision == "main" || revision == repo.meta.sha;
    }

    static bool matches_query(const StoredRepo& repo, const std::vector<QueryParam>& params) {
        const FakeHubRepo& meta = repo.meta;
        const std::string id = lower(meta.id);
        for (const std::string& term : values_of(params, {"search"})) {
            if (id.find(lower(term)) == std::string::npos) return false;
        }
        if (const auto author = value_of(params, "author")) {
            if (!id.starts_with(lower(*author) + "/")) return false;
        }
        const auto has_tag = [&](const std::string& wanted) {
            const std::string tag = lower(wanted);
            return tag == lower(meta.pipeline_tag) || tag == lower(meta.library_name) ||
                   std::any_of(meta.tags.begin(), meta.tags.end(),
                               [&](const std::string& own) { return lower(own) == tag; });
        };
        for (const std::string& filter : values_of(params, {"filter"})) {
            for (const std::string& tag : split(filter, ',')) {
                if (!tag.empty() && !has_tag(tag)) return false;
            }
        }
        if (const auto pipeline = value_of(params, "pipeline_tag")) {
            if (lower(*pipeline) != lower(meta.pipeline_tag)) return false;
        }
        if (const auto library = value_of(params, "library")) {
            if (!has_tag(*library)) return false;
        }
        if (const auto gated = value_of(params, "gated")) {
            if (iequals(*gated, "true") != meta.gated.has_value()) return false;
        }
        return true;
    }

    // Descending, as the Hub always sorts; entries without the key go last.
    static bool sorts_before(const FakeHubRepo& a, const FakeHubRepo& b, const std::string& key) {
        if (key == "downloads") return a.downloads > b.downloads;
        if (key == "likes") return a.likes > b.likes;
        if (key == "lastModified") return a.last_modified > b.last_modified;
        if (key == "createdAt") return a.created_at > b.created_at;
        if (!a.trending_score || !b.trending_score) {
            return a.trending_score.has_value() && !b.trending_score.has_value();
        }
        return *a.trending_score > *b.trending_score;
    }

    // The same request with an opaque cursor, absolute like the Hub's Link URLs.
    std::string next_page_url(const std::string& path, const std::vector<QueryParam>& params,
                              std::size_t skip) const {
        std::vector<std::string> kept;
        for (const QueryParam& param : params) {
            if (param.key != "cursor") kept.push_back(param.raw);
        }
        const std::string cursor = base64_encode(
            json{{"$skip", skip}, {"$nonce", sha1_hex(std::to_string(skip)).substr(0, 12)}}.dump());
        kept.push_back("cursor=" + percent_encode(cursor));
        return hub_url + path + "?" + join(kept, "&");
    }

    std::optional<ordered_json> config_property(const StoredRepo& repo) const {
        const StoredFile* config_file = repo.find("config.json");
        const StoredFile* tokenizer_file = repo.find("tokenizer_config.json");
        if (config_file == nullptr && tokenizer_file == nullptr) return std::nullopt;
        ordered_json config = ordered_json::object();
        if (config_file != nullptr) {
            const json parsed = json::parse(*config_file->content, nullptr, false);
            if (parsed.is_object()) {
                for (const char* key : {"architectures", "model_type"}) {
                    if (parsed.contains(key)) config[key] = parsed[key];
                }
            }
        }
        if (tokenizer_file != nullptr) {
            const json parsed = json::parse(*tokenizer_file->content, nullptr, false);
            if (parsed.is_object()) {
                ordered_json subset = ordered_json::object();
                for (const char* key :
                     {"bos_token", "chat_template", "eos_token", "pad_token", "unk_token"}) {
                    if (parsed.contains(key)) subset[key] = parsed[key];
                }
                config["tokenizer_config"] = subset;
            }
        }
        return config;
    }

    // One property of a repo as the API writes it, or nullopt when it does not apply (and so is
    // omitted rather than null).
    std::optional<ordered_json> property_locked(const StoredRepo& repo, std::string_view name,
                                                bool info_endpoint, bool blobs) const {
        const FakeHubRepo& meta = repo.meta;
        if (name == "_id") return repo.object_id;
        if (name == "id" || name == "modelId") return meta.id;
        if (name == "author") {
            const auto slash = meta.id.find('/');
            if (slash == std::string::npos) return std::nullopt;
            return meta.id.substr(0, slash);
        }
        if (name == "sha") return meta.sha;
        if (name == "lastModified") return meta.last_modified;
        if (name == "createdAt") return meta.created_at;
        if (name == "private") return meta.private_repo;
        if (name == "disabled") return false;
        if (name == "gated") return meta.gated ? ordered_json(*meta.gated) : ordered_json(false);
        if (name == "downloads") return meta.downloads;
        if (name == "downloadsAllTime") return meta.downloads * 12;
        if (name == "likes") return meta.likes;
        if (name == "trendingScore") {
            if (!meta.trending_score) return std::nullopt;
            return *meta.trending_score;
        }
        if (name == "tags") return meta.tags;
        if (name == "pipeline_tag") {
            if (meta.pipeline_tag.empty()) return std::nullopt;
            return meta.pipeline_tag;
        }
        if (name == "library_name") {
            if (meta.library_name.empty()) return std::nullopt;
            return meta.library_name;
        }
        if (name == "siblings") {
            ordered_json siblings = ordered_json::array();
            for (const StoredFile& file : repo.files) {
                ordered_json sibling = {{"rfilename", file.path}};
                if (blobs) {
                    sibling["blobId"] = file.oid;
                    sibling["size"] = file.content->size();
                    sibling["lfs"] = file.lfs ? ordered_json{{"sha256", file.sha256},
                                                             {"size", file.content->size()},
                                                             {"pointerSize", file.pointer_size}}
                                              : ordered_json(nullptr);
                }
                siblings.push_back(sibling);
            }
            return siblings;
        }
        if (name == "safetensors") {
            if (!meta.safetensors_total) return std::nullopt;
            return ordered_json{{"parameters", {{"BF16", *meta.safetensors_total}}},
                                {"total", *meta.safetensors_total}};
        }
        if (name == "gguf") {
            if (meta.gguf_info.is_null()) return std::nullopt;
            return ordered_json::parse(meta.gguf_info.dump());
        }
        if (name == "usedStorage") {
            std::uint64_t total = 0;
            for (const StoredFile& file : repo.files) total += file.content->size();
            return total;
        }
        if (name == "spaces") return ordered_json::array();
        if (name == "childrenModelCount") return 0;
        if (name == "inferenceProviderMapping") {
            // A list in listings, a dict keyed by provider on the single-repo endpoint.
            return info_endpoint ? ordered_json::object() : ordered_json::array();
        }
        if (name == "config") return config_property(repo);
        if (name == "cardData") {
            if (repo.find("README.md") == nullptr) return std::nullopt;
            ordered_json card = ordered_json::object();
            for (const std::string& tag : meta.tags) {
                if (tag.starts_with("license:")) card["license"] = tag.substr(8);
            }
            if (!meta.library_name.empty()) card["library_name"] = meta.library_name;
            if (!meta.pipeline_tag.empty()) card["pipeline_tag"] = meta.pipeline_tag;
            if (!meta.base_model.empty()) card["base_model"] = meta.base_model;
            return card;
        }
        if (name == "transformersInfo") {
            if (meta.library_name != "transformers") return std::nullopt;
            return ordered_json{{"auto_model", "AutoModelForCausalLM"},
                                {"pipeline_tag", meta.pipeline_tag},
                                {"processor", "AutoTokenizer"}};
        }
        if (name == "model-index") {
            if (!info_endpoint) return std::nullopt;
            return ordered_json(nullptr);
        }
        // baseModels, evalResults, inference, mask_token, resourceGroup, widgetData: not
        // modelled, so never applicable.
        return std::nullopt;
    }

    ordered_json project_locked(const StoredRepo& repo, const std::vector<std::string>& names,
                                bool info_endpoint, bool blobs) const {
        ordered_json out = ordered_json::object();
        for (const std::string& name : names) {
            if (auto value = property_locked(repo, name, info_endpoint, blobs)) {
                out[name] = std::move(*value);
            }
        }
        return out;
    }

    FakeResponse model_info_locked(const StoredRepo& repo,
                                   const std::vector<QueryParam>& params) const {
        const std::vector<std::string> expand = values_of(params, {"expand", "expand[]"});
        std::vector<std::string> names;
        if (!expand.empty()) {
            for (const std::string& name : expand) {
                if (!expandable_properties().contains(name)) {
                    return json_response(400, {{"error", "Invalid expand: " + name}});
                }
            }
            names = {"_id", "id"};
            names.insert(names.end(), expand.begin(), expand.end());
        } else {
            names = {"_id",         "id",           "modelId",
                     "author",      "sha",          "lastModified",
                     "private",     "disabled",     "gated",
                     "downloads",   "likes",        "library_name",
                     "tags",        "pipeline_tag", "model-index",
                     "config",      "cardData",     "transformersInfo",
                     "siblings",    "spaces",       "createdAt",
                     "safetensors", "gguf",         "usedStorage"};
        }
        ordered_json body = project_locked(repo, names, true, flag_of(params, "blobs"));
        const int served = ++listings_served_[repo.meta.id];
        if (const auto patch = listing_patches_.find(repo.meta.id);
            patch != listing_patches_.end()) {
            patch->second(body, served);
        }
        return json_response(200, body);
    }

    FakeResponse tree_locked(const StoredRepo& repo, const FakeRequest& request,
                             const std::vector<QueryParam>& params, const std::string& path) const {
        const bool recursive = flag_of(params, "recursive");
        const bool expand = flag_of(params, "expand");
        std::set<std::string> directories;
        for (const StoredFile& file : repo.files) {
            for (auto slash = file.path.find('/'); slash != std::string::npos;
                 slash = file.path.find('/', slash + 1)) {
                directories.insert(file.path.substr(0, slash));
            }
        }
        if (!path.empty() && !directories.contains(path)) {
            return hub_error(404, "EntryNotFound",
                             "Entry not found: " + path + " does not exist in this revision");
        }
        const std::string under = path.empty() ? "" : path + "/";
        const auto listed = [&](const std::string& entry) {
            if (!entry.starts_with(under)) return false;
            return recursive || entry.find('/', under.size()) == std::string::npos;
        };

        std::vector<std::pair<std::string, ordered_json>> entries;
        for (const std::string& directory : directories) {
            if (!listed(directory)) continue;
            entries.emplace_back(
                directory,
                ordered_json{{"type", "directory"},
                             {"oid", sha1_hex("tree:" + repo.meta.sha + ":" + directory)},
                             {"size", 0},
                             {"path", directory}});
        }
        for (const StoredFile& file : repo.files) {
            if (!listed(file.path)) continue;
            ordered_json entry = {{"type", "file"},
                                  {"oid", file.oid},
                                  {"size", file.content->size()},
                                  {"path", file.path}};
            if (file.lfs) {
                entry["lfs"] = {{"oid", file.sha256},
                                {"size", file.content->size()},
                                {"pointerSize", file.pointer_size}};
            }
            entries.emplace_back(file.path, std::move(entry));
        }
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [name, entry] : entries) {
            if (!expand) continue;
            entry["lastCommit"] = {{"id", repo.meta.sha},
                                   {"title", "Upload folder using huggingface_hub"},
                                   {"date", repo.meta.last_modified}};
            if (entry["type"] == "file") {
                entry["securityFileStatus"] = {
                    {"status", "safe"},
                    {"avScan", {{"status", "safe"}}},
                    {"pickleImportScan", {{"status", "unscanned"}, {"pickleImports", nullptr}}}};
            }
        }

        std::size_t offset = 0;
        if (const auto cursor = value_of(params, "cursor")) {
            const auto decoded = base64_decode(*cursor);
            const json state = decoded ? json::parse(*decoded, nullptr, false) : json();
            if (!state.is_object() || !state.contains("$skip") ||
                !state["$skip"].is_number_unsigned()) {
                return json_response(400, {{"error", "Invalid cursor"}});
            }
            offset = state["$skip"].get<std::size_t>();
        }
        ordered_json body = ordered_json::array();
        const std::size_t end = std::min(entries.size(), offset + tree_page_size_);
        for (std::size_t i = offset; i < end; ++i) body.push_back(entries[i].second);
        FakeResponse response = json_response(200, body);
        if (end < entries.size()) {
            response.headers.emplace_back(
                "Link", "<" + next_page_url(request.path, params, end) + ">; rel=\"next\"");
        }
        return response;
    }

    std::string signed_cdn_url(const StoredFile& file) const {
        return cdn_url + "/blobs/" + file.sha256 +
               "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"
               "&X-Amz-Credential=FAKEHUBKEY%2F20240801%2Fus-east-1%2Fs3%2Faws4_request"
               "&X-Amz-Date=20240801T120000Z&X-Amz-Expires=3600&X-Amz-Signature=" +
               file.signature + "&X-Amz-SignedHeaders=host&x-id=GetObject";
    }

    static std::string content_type_of(std::string_view path) {
        if (path.ends_with(".json")) return "application/json; charset=utf-8";
        if (path.ends_with(".md") || path.ends_with(".txt") || path.ends_with(".gitattributes") ||
            path.ends_with(".jinja")) {
            return "text/plain; charset=utf-8";
        }
        return "application/octet-stream";
    }

    // Takes (consumes) the first queued fault of the file that applies to this request.
    std::optional<FakeHubFault> take_fault_locked(std::string_view repo, std::string_view path,
                                                  Hop hop, bool is_get, bool ranged,
                                                  bool satisfiable) {
        for (auto it = faults_.begin(); it != faults_.end(); ++it) {
            if (it->repo != repo || it->path != path) continue;
            const FakeHubFault& fault = it->fault;
            bool applies = false;
            if (fault.kind == FakeHubFault::Kind::status) {
                applies = fault.on_content == (hop == Hop::content);
            } else {
                applies = hop == Hop::content && is_get && satisfiable &&
                          (fault.kind != FakeHubFault::Kind::ignore_range || ranged);
            }
            if (!applies) continue;
            FakeHubFault taken = fault;
            if (it->fault.times != FakeHubFault::always && --it->fault.times <= 0) {
                faults_.erase(it);
            }
            return taken;
        }
        return std::nullopt;
    }

    ContentPlan plan_content_locked(const FakeRequest& request, const std::string& repo_id,
                                    const StoredFile& file, const std::string& etag,
                                    FakeHeaders headers) {
        ContentPlan plan;
        const std::size_t total = file.content->size();
        const bool is_get = request.method == "GET";
        RangeSpec range = parse_range(request.header("Range"), total);
        if (const auto if_range = request.header("If-Range");
            if_range && range.kind != RangeSpec::Kind::none && *if_range != etag) {
            range = RangeSpec{};  // RFC 9110: a validator mismatch means "send it all"
        }
        const auto fault = take_fault_locked(repo_id, file.path, Hop::content, is_get,
                                             range.kind == RangeSpec::Kind::satisfiable,
                                             range.kind != RangeSpec::Kind::unsatisfiable);
        if (fault && fault->kind == FakeHubFault::Kind::status) {
            plan.early = status_fault_response(*fault, Hop::content);
            return plan;
        }
        if (fault && fault->kind == FakeHubFault::Kind::ignore_range) range = RangeSpec{};
        if (range.kind == RangeSpec::Kind::unsatisfiable) {
            FakeResponse response = FakeResponse::text(
                416,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRange</Code>"
                "<Message>The requested range is not satisfiable</Message></Error>",
                "application/xml");
            response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(total));
            plan.early = std::move(response);
            return plan;
        }
        plan.content = file.content;
        plan.head = !is_get;
        plan.fault = fault;
        plan.headers = std::move(headers);
        plan.headers.emplace_back("ETag", etag);
        if (range.kind == RangeSpec::Kind::satisfiable) {
            plan.partial = true;
            plan.start = range.start;
            plan.length = range.end - range.start + 1;
            plan.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.start) +
                                                           "-" + std::to_string(range.end) + "/" +
                                                           std::to_string(total));
        } else {
            plan.length = total;
        }
        if (is_get) {
            plan.counted = plan.length;
            if (fault && fault->kind == FakeHubFault::Kind::truncated) {
                plan.counted = truncated_size(*fault, plan.length);
            } else if (fault && (fault->kind == FakeHubFault::Kind::reset ||
                                 fault->kind == FakeHubFault::Kind::stall)) {
                plan.counted = std::min(fault->bytes.value_or(0), plan.length);
            }
        }
        return plan;
    }

    mutable std::mutex mutex_;
    std::vector<StoredRepo> repos_;                                 // guarded by mutex_
    std::map<std::string, std::string> redirects_;                  // old id → new id
    std::set<std::string> tokens_;                                  // guarded by mutex_
    std::set<std::pair<std::string, std::string>> grants_;          // (repo id, token)
    std::set<std::string> rejected_sorts_;                          // guarded by mutex_
    std::size_t tree_page_size_ = 1000;                             // guarded by mutex_
    std::map<std::string, FakeHub::ListingPatch> listing_patches_;  // guarded by mutex_
    mutable std::map<std::string, int> listings_served_;            // guarded by mutex_
    std::vector<QueuedFault> faults_;                               // in queue order
    std::map<std::string, std::uint64_t> cdn_bytes_;                // by sha256
    std::map<std::string, std::uint64_t> file_bytes_;               // by counter_key()
    std::uint64_t request_counter_ = 0;                             // guarded by mutex_
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::int64_t window_ = 0;                          // guarded by mutex_
    std::map<std::string, std::int64_t> bucket_used_;  // guarded by mutex_, this window
};

// ---- FakeHub ----------------------------------------------------------------------------------

FakeHub::FakeHub() : state_(std::make_unique<State>()) {
    hub_.start();
    cdn_.start();
    state_->hub_url = hub_.base_url();
    state_->cdn_url = cdn_.base_url();
    State* state = state_.get();
    const auto hub_route = [state](FakeResponse (State::*handler)(const FakeRequest&)) {
        return [state, handler](const FakeRequest& request) {
            return state->stamped(request, (state->*handler)(request));
        };
    };
    hub_.on("GET", "/api/models", hub_route(&State::list_models));
    hub_.on_prefix("GET", "/api/models/", hub_route(&State::models_api));
    hub_.on_prefix("GET", "/api/resolve-cache/models/", hub_route(&State::resolve_cache));
    // Everything else on the Hub is a candidate /{id}/resolve/… URL; the handler 404s the rest.
    hub_.on_prefix("GET", "/", hub_route(&State::resolve));
    cdn_.on_prefix("GET", "/blobs/",
                   [state](const FakeRequest& request) { return state->cdn_blob(request); });
}

FakeHub::~FakeHub() {
    cdn_.stop();
    hub_.stop();
}

std::string FakeHub::base_url() const {
    return hub_.base_url();
}

std::string FakeHub::cdn_base_url() const {
    return cdn_.base_url();
}

FakeHttpServer& FakeHub::hub() {
    return hub_;
}

FakeHttpServer& FakeHub::cdn() {
    return cdn_;
}

void FakeHub::add_repo(FakeHubRepo repo) {
    state_->add_repo(std::move(repo));
}

void FakeHub::add_redirect(std::string old_id, std::string new_id) {
    state_->add_redirect(std::move(old_id), std::move(new_id));
}

void FakeHub::add_token(std::string token) {
    state_->add_token(std::move(token));
}

void FakeHub::grant_access(std::string repo_id, std::string token) {
    state_->grant_access(std::move(repo_id), std::move(token));
}

void FakeHub::reject_sort(std::string sort) {
    state_->reject_sort(std::move(sort));
}

void FakeHub::set_listing_patch(std::string repo_id, ListingPatch patch) {
    state_->set_listing_patch(std::move(repo_id), std::move(patch));
}

void FakeHub::set_tree_page_size(std::size_t entries) {
    state_->set_tree_page_size(entries);
}

void FakeHub::set_fault(std::string_view repo_id, std::string_view path, FakeHubFault fault) {
    state_->add_fault(repo_id, path, fault, true);
}

void FakeHub::add_fault(std::string_view repo_id, std::string_view path, FakeHubFault fault) {
    state_->add_fault(repo_id, path, fault, false);
}

void FakeHub::clear_faults() {
    state_->clear_faults();
}

std::string FakeHub::commit(std::string_view repo_id) const {
    return state_->repo_copy(repo_id).meta.sha;
}

std::string FakeHub::file_content(std::string_view repo_id, std::string_view path) const {
    return *state_->file_copy(repo_id, path).content;
}

std::string FakeHub::file_sha256(std::string_view repo_id, std::string_view path) const {
    return state_->file_copy(repo_id, path).sha256;
}

std::string FakeHub::file_etag(std::string_view repo_id, std::string_view path) const {
    const auto file = state_->file_copy(repo_id, path);
    return file.lfs ? file.sha256 : file.blob_sha1;
}

std::string FakeHub::resolve_url(std::string_view repo_id, std::string_view path,
                                 std::string_view revision) const {
    return base_url() + "/" + std::string(repo_id) + "/resolve/" + percent_encode(revision) + "/" +
           percent_encode(path, "/");
}

std::string FakeHub::cdn_url(std::string_view repo_id, std::string_view path) const {
    return state_->cdn_url_for(repo_id, path);
}

std::uint64_t FakeHub::cdn_bytes_served(std::string_view sha256) const {
    return state_->cdn_bytes_served(sha256);
}

std::uint64_t FakeHub::bytes_served(std::string_view repo_id, std::string_view path) const {
    return state_->bytes_served(repo_id, path);
}

void FakeHub::reset_counters() {
    state_->reset_counters();
}

std::string FakeHub::sha256_hex(std::string_view data) {
    return digest_hex(EVP_sha256(), {data});
}

std::string FakeHub::git_blob_sha1(std::string_view data) {
    const std::string header = "blob " + std::to_string(data.size());
    // The NUL separator is part of the hashed text, so it goes in as its own one-byte part.
    return digest_hex(EVP_sha1(), {header, std::string_view("\0", 1), data});
}

}  // namespace venom::testing

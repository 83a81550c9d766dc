#include "providers/gguf_header.hpp"

#include <fstream>
#include <map>

namespace venom::providers {
namespace {

// ggml docs/gguf.md: gguf_metadata_value_type.
enum GgufType : uint32_t {
    u8 = 0,
    i8 = 1,
    u16 = 2,
    i16 = 3,
    u32 = 4,
    i32 = 5,
    f32 = 6,
    boolean = 7,
    string = 8,
    array = 9,
    u64 = 10,
    i64 = 11,
    f64 = 12,
};

// Caps on top of "no length past the end of the file": a header has no reason to hold more.
constexpr uint64_t kMaxString = 16ull << 20;
constexpr uint64_t kMaxArray = 64ull << 20;
constexpr uint64_t kMaxKeys = 1'000'000;
constexpr int kMaxNesting = 8;

uint64_t scalar_size(uint32_t type) {
    switch (type) {
        case u8:
        case i8:
        case boolean:
            return 1;
        case u16:
        case i16:
            return 2;
        case u32:
        case i32:
        case f32:
            return 4;
        case u64:
        case i64:
        case f64:
            return 8;
        default:
            return 0;
    }
}

bool is_signed(uint32_t type) {
    return type == i8 || type == i16 || type == i32 || type == i64;
}

class Reader {
public:
    Reader(std::ifstream& in, uint64_t file_size) : in_(in), left_(file_size) {}

    void set_format(bool little_endian, uint32_t version) {
        little_ = little_endian;
        wide_ = version >= 2;  // GGUF v1: counts and string lengths are 32-bit
    }

    // Unsigned little- or big-endian integer of `size` bytes.
    bool read_uint(uint64_t size, uint64_t& out) {
        unsigned char bytes[8] = {};
        if (size > 8 || !read_bytes(reinterpret_cast<char*>(bytes), size)) return false;
        out = 0;
        for (uint64_t b = 0; b < size; ++b) {
            const uint64_t shift = little_ ? 8 * b : 8 * (size - 1 - b);
            out |= static_cast<uint64_t>(bytes[b]) << shift;
        }
        return true;
    }
    bool read_u32(uint32_t& out) {
        uint64_t v = 0;
        if (!read_uint(4, v)) return false;
        out = static_cast<uint32_t>(v);
        return true;
    }
    // A count or a string length: 64-bit from v2 on, 32-bit in v1.
    bool read_size(uint64_t& out) { return read_uint(wide_ ? 8 : 4, out); }

    bool read_string(std::string& out) {
        uint64_t n = 0;
        if (!read_size(n) || n > kMaxString || n > left_) return false;
        out.resize(n);
        return read_bytes(out.data(), n);
    }
    bool skip(uint64_t bytes) {
        if (bytes > left_) return false;
        in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
        left_ -= bytes;
        return static_cast<bool>(in_);
    }
    uint64_t left() const { return left_; }
    bool wide() const { return wide_; }

private:
    bool read_bytes(char* out, uint64_t n) {
        if (n > left_) return false;
        in_.read(out, static_cast<std::streamsize>(n));
        left_ -= n;
        return static_cast<bool>(in_);
    }

    std::ifstream& in_;
    uint64_t left_;
    bool little_ = true;
    bool wide_ = true;
};

// Skips an array value, arrays of arrays included (huggingface.js gguf.ts readMetadataValue
// recurses the same way). False when it is malformed.
bool skip_array(Reader& r, int depth) {
    uint32_t element_type = 0;
    uint64_t count = 0;
    if (depth > kMaxNesting || !r.read_u32(element_type) || !r.read_size(count) ||
        count > kMaxArray) {
        return false;
    }
    if (element_type == string || element_type == array) {
        // Every element takes at least its length (or type + count) bytes: a count that cannot
        // fit in what is left is refused before looping over it.
        const uint64_t min_element =
            element_type == string ? (r.wide() ? 8 : 4) : (r.wide() ? 12 : 8);
        if (count > r.left() / min_element) return false;
        for (uint64_t i = 0; i < count; ++i) {
            if (element_type == array) {
                if (!skip_array(r, depth + 1)) return false;
                continue;
            }
            uint64_t n = 0;
            if (!r.read_size(n) || n > kMaxString || !r.skip(n)) return false;
        }
        return true;
    }
    const uint64_t size = scalar_size(element_type);
    return size > 0 && count <= r.left() / size && r.skip(size * count);
}

uint32_t byte_swap(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

}  // namespace

Result<GgufInfo> read_gguf_header(const std::filesystem::path& path) {
    auto bad = [&](const std::string& why) {
        return make_error(400, "bad_gguf", path.filename().string() + ": " + why);
    };
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) return bad("cannot open");
    Reader r(in, file_size);
    uint64_t magic = 0;
    if (!r.read_uint(4, magic) || magic != 0x46554747u /* "GGUF" read little-endian */) {
        return bad("not a GGUF file");
    }
    uint32_t version = 0;
    if (!r.read_u32(version)) return bad("truncated header");
    // huggingface.js packages/gguf/src/gguf.ts: a version whose low 16 bits are zero was
    // written big-endian; byte-swap it and read the rest big-endian too.
    bool little = true;
    if ((version & 0xffffu) == 0) {
        little = false;
        version = byte_swap(version);
    }
    if (version < 1 || version > 3)
        return bad("unsupported GGUF version " + std::to_string(version));
    r.set_format(little, version);
    uint64_t tensors = 0, kv_count = 0;
    if (!r.read_size(tensors) || !r.read_size(kv_count)) return bad("truncated header");
    if (kv_count > kMaxKeys) return bad("bad header: too many keys");

    GgufInfo info;
    std::map<std::string, int64_t> integers;
    auto finish = [&]() {
        if (!info.architecture.empty()) {
            auto it = integers.find(info.architecture + ".context_length");
            if (it != integers.end()) info.context_length = it->second;
        }
        if (auto it = integers.find("general.file_type"); it != integers.end()) {
            info.file_type = static_cast<uint32_t>(it->second);
        }
        return info;
    };
    // A malformed key after the architecture keeps what was read before it.
    auto malformed = [&](const std::string& why) -> Result<GgufInfo> {
        if (info.architecture.empty()) return bad(why);
        info.incomplete = true;
        return finish();
    };
    for (uint64_t i = 0; i < kv_count; ++i) {
        std::string key;
        uint32_t type = 0;
        if (!r.read_string(key) || !r.read_u32(type)) return malformed("truncated metadata");
        // ggml docs/gguf.md: a key is ASCII, at most 65535 bytes.
        if (key.size() > 65535) return malformed("metadata key longer than 65535 bytes");
        if (type == string) {
            std::string value;
            if (!r.read_string(value)) return malformed("truncated metadata");
            if (key == "general.architecture") info.architecture = value;
            if (key == "tokenizer.chat_template") info.chat_template = value;
            continue;
        }
        if (type == array) {
            if (!skip_array(r, 0)) return malformed("malformed array in metadata");
            continue;
        }
        const uint64_t size = scalar_size(type);
        if (size == 0) return malformed("unknown metadata type " + std::to_string(type));
        uint64_t raw = 0;
        if (!r.read_uint(size, raw)) return malformed("truncated metadata");
        if (type == f32 || type == f64) continue;  // no float key is read
        int64_t value = static_cast<int64_t>(raw);
        if (is_signed(type) && size < 8 && (raw >> (8 * size - 1)) & 1u) {
            value = static_cast<int64_t>(raw | (~uint64_t{0} << (8 * size)));
        }
        // Only the keys finish() reads are kept, so memory stays bounded whatever the count.
        const std::string_view k = key;
        if (k == "general.file_type" ||
            (k.size() > 15 && k.substr(k.size() - 15) == ".context_length")) {
            integers[key] = value;
        }
    }
    return finish();
}

std::optional<std::string> gguf_file_type_name(uint32_t t) {
    // huggingface.js packages/tasks/src/gguf.ts GGMLFileQuantizationType (llama.cpp llama_ftype),
    // unsloth's naming-only values from 1000 included.
    static const std::map<uint32_t, std::string> names = {
        {0, "F32"},           {1, "F16"},        {2, "Q4_0"},       {3, "Q4_1"},
        {4, "Q4_1_SOME_F16"}, {5, "Q4_2"},       {6, "Q4_3"},       {7, "Q8_0"},
        {8, "Q5_0"},          {9, "Q5_1"},       {10, "Q2_K"},      {11, "Q3_K_S"},
        {12, "Q3_K_M"},       {13, "Q3_K_L"},    {14, "Q4_K_S"},    {15, "Q4_K_M"},
        {16, "Q5_K_S"},       {17, "Q5_K_M"},    {18, "Q6_K"},      {19, "IQ2_XXS"},
        {20, "IQ2_XS"},       {21, "Q2_K_S"},    {22, "IQ3_XS"},    {23, "IQ3_XXS"},
        {24, "IQ1_S"},        {25, "IQ4_NL"},    {26, "IQ3_S"},     {27, "IQ3_M"},
        {28, "IQ2_S"},        {29, "IQ2_M"},     {30, "IQ4_XS"},    {31, "IQ1_M"},
        {32, "BF16"},         {33, "Q4_0_4_4"},  {34, "Q4_0_4_8"},  {35, "Q4_0_8_8"},
        {36, "TQ1_0"},        {37, "TQ2_0"},     {38, "MXFP4_MOE"}, {39, "NVFP4"},
        {40, "Q1_0"},         {41, "Q2_0"},      {1000, "Q2_K_XL"}, {1001, "Q3_K_XL"},
        {1002, "Q4_K_XL"},    {1003, "Q5_K_XL"}, {1004, "Q6_K_XL"}, {1005, "Q8_K_XL"},
    };
    if (auto it = names.find(t); it != names.end()) return it->second;
    return std::nullopt;
}

}  // namespace venom::providers

#include "providers/gguf_header.hpp"

#include <fstream>
#include <map>

namespace venom::providers {
namespace {

enum GgufType : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8,
    array = 9, u64 = 10, i64 = 11, f64 = 12,
};

// Bounds every read: a corrupt length must not make us allocate or skip gigabytes.
constexpr uint64_t kMaxString = 16ull << 20;
constexpr uint64_t kMaxArray = 64ull << 20;

class Reader {
public:
    explicit Reader(std::ifstream& in) : in_(in) {}
    template <typename T>
    bool read(T& value) {
        in_.read(reinterpret_cast<char*>(&value), sizeof value);
        return static_cast<bool>(in_);
    }
    bool read_string(std::string& out) {
        uint64_t n = 0;
        if (!read(n) || n > kMaxString) return false;
        out.resize(n);
        in_.read(out.data(), static_cast<std::streamsize>(n));
        return static_cast<bool>(in_);
    }
    bool skip(uint64_t bytes) {
        in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
        return static_cast<bool>(in_);
    }

private:
    std::ifstream& in_;
};

uint64_t scalar_size(uint32_t type) {
    switch (type) {
        case u8: case i8: case boolean: return 1;
        case u16: case i16: return 2;
        case u32: case i32: case f32: return 4;
        case u64: case i64: case f64: return 8;
        default: return 0;
    }
}

// Skips an array value. False when it is malformed.
bool skip_array(Reader& r) {
    uint32_t element_type = 0;
    uint64_t count = 0;
    if (!r.read(element_type) || !r.read(count) || count > kMaxArray) return false;
    if (element_type == string) {
        for (uint64_t i = 0; i < count; ++i) {
            uint64_t n = 0;
            if (!r.read(n) || n > kMaxString || !r.skip(n)) return false;
        }
        return true;
    }
    const uint64_t size = scalar_size(element_type);
    return size > 0 && r.skip(size * count);
}

}  // namespace

Result<GgufInfo> read_gguf_header(const std::filesystem::path& path) {
    auto bad = [&](const std::string& why) {
        return make_error(400, "bad_gguf", path.filename().string() + ": " + why);
    };
    std::ifstream in(path, std::ios::binary);
    if (!in) return bad("cannot open");
    Reader r(in);
    char magic[4];
    in.read(magic, 4);
    if (!in || std::string(magic, 4) != "GGUF") return bad("not a GGUF file");
    uint32_t version = 0;
    uint64_t tensors = 0, kv_count = 0;
    if (!r.read(version) || version < 2 || version > 3) return bad("unsupported GGUF version");
    if (!r.read(tensors) || !r.read(kv_count) || kv_count > 1'000'000) return bad("bad header");

    GgufInfo info;
    std::map<std::string, int64_t> integers;
    for (uint64_t i = 0; i < kv_count; ++i) {
        std::string key;
        uint32_t type = 0;
        if (!r.read_string(key) || !r.read(type)) return bad("truncated metadata");
        if (type == string) {
            std::string value;
            if (!r.read_string(value)) return bad("truncated metadata");
            if (key == "general.architecture") info.architecture = value;
            if (key == "tokenizer.chat_template") info.chat_template = value;
            continue;
        }
        const uint64_t size = scalar_size(type);
        if (type != array && size > 0) {
            unsigned char bytes[8] = {};
            in.read(reinterpret_cast<char*>(bytes), static_cast<std::streamsize>(size));
            if (!in) return bad("truncated metadata");
            uint64_t raw = 0;
            for (uint64_t b = 0; b < size; ++b) raw |= static_cast<uint64_t>(bytes[b]) << (8 * b);
            integers[key] = static_cast<int64_t>(raw);
            continue;
        }
        if (type != array || !skip_array(r)) return bad("malformed metadata");
    }
    if (!info.architecture.empty()) {
        if (auto it = integers.find(info.architecture + ".context_length"); it != integers.end()) {
            info.context_length = it->second;
        }
    }
    if (auto it = integers.find("general.file_type"); it != integers.end()) {
        info.file_type = static_cast<uint32_t>(it->second);
    }
    return info;
}

std::optional<std::string> gguf_file_type_name(uint32_t t) {
    static const std::map<uint32_t, std::string> names = {
        {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
        {8, "Q5_0"},    {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
        {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
        {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"}, {24, "IQ1_S"},  {25, "IQ4_NL"},
        {26, "IQ3_S"},  {27, "IQ3_M"},  {28, "IQ2_S"},  {29, "IQ2_M"},  {30, "IQ4_XS"},
        {31, "IQ1_M"},  {32, "BF16"},
    };
    if (auto it = names.find(t); it != names.end()) return it->second;
    return std::nullopt;
}

}  // namespace venom::providers

// GGUF headers built byte by byte, one case per rule of the reference parser
// (huggingface.js packages/gguf/src/gguf.ts, ggml docs/gguf.md).
#include "providers/gguf_header.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "support/temp_dir.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

// Writes GGUF header bytes in a chosen version and byte order.
class GgufBytes {
public:
    GgufBytes(uint32_t version, bool little = true) : version_(version), little_(little) {
        bytes_ = "GGUF";
        u32(version);
    }
    GgufBytes& uint(uint64_t v, int size) {
        for (int b = 0; b < size; ++b) {
            const int shift = little_ ? 8 * b : 8 * (size - 1 - b);
            bytes_.push_back(static_cast<char>((v >> shift) & 0xff));
        }
        return *this;
    }
    GgufBytes& u32(uint32_t v) { return uint(v, 4); }
    GgufBytes& count(uint64_t v) { return uint(v, version_ == 1 ? 4 : 8); }
    GgufBytes& str(const std::string& s) {
        count(s.size());
        bytes_ += s;
        return *this;
    }
    GgufBytes& header(uint64_t kv) { return count(0).count(kv); }
    GgufBytes& kv_string(const std::string& k, const std::string& v) {
        return str(k).u32(8).str(v);
    }
    GgufBytes& kv_u32(const std::string& k, uint32_t v) { return str(k).u32(4).u32(v); }
    std::string bytes() const { return bytes_; }
    fs::path write(const fs::path& path, size_t padding = 32) const {
        std::ofstream(path, std::ios::binary) << bytes_ << std::string(padding, '\0');
        return path;
    }

private:
    uint32_t version_;
    bool little_;
    std::string bytes_;
};

GgufBytes llama(uint32_t version, bool little = true) {
    GgufBytes g(version, little);
    g.header(4)
        .kv_string("general.architecture", "llama")
        .kv_u32("llama.context_length", 8192)
        .kv_u32("general.file_type", 15)
        .kv_string("tokenizer.chat_template", "{{ messages }}");
    return g;
}

void expect_llama(const Result<GgufInfo>& info) {
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->architecture, "llama");
    EXPECT_EQ(info->context_length, 8192);
    EXPECT_EQ(info->file_type, 15u);
    EXPECT_EQ(info->chat_template, "{{ messages }}");
    EXPECT_FALSE(info->incomplete);
}

TEST(GgufHeaderTest, ReadsVersionsOneToThree) {
    testing::TempDir dir;
    for (uint32_t v : {1u, 2u, 3u}) {
        SCOPED_TRACE(v);
        expect_llama(read_gguf_header(llama(v).write(dir / ("v" + std::to_string(v) + ".gguf"))));
    }
    EXPECT_FALSE(read_gguf_header(GgufBytes(4).header(0).write(dir / "v4.gguf")).ok());
}

TEST(GgufHeaderTest, ReadsBigEndianFiles) {
    testing::TempDir dir;
    expect_llama(read_gguf_header(llama(3, false).write(dir / "be3.gguf")));
    expect_llama(read_gguf_header(llama(2, false).write(dir / "be2.gguf")));
}

TEST(GgufHeaderTest, SkipsNestedArrays) {
    testing::TempDir dir;
    GgufBytes g(3);
    g.header(3).kv_string("general.architecture", "qwen2");
    // An array of two arrays: [[1,2,3], ["a","bc"]], then a key that must still be read.
    g.str("tokenizer.ggml.merges_nested").u32(9).u32(9).count(2);
    g.u32(4).count(3).u32(1).u32(2).u32(3);
    g.u32(8).count(2).str("a").str("bc");
    g.kv_u32("qwen2.context_length", 32768);
    auto info = read_gguf_header(g.write(dir / "n.gguf"));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->context_length, 32768);
}

TEST(GgufHeaderTest, NamesEveryFileTypeOfTheCurrentTable) {
    EXPECT_EQ(gguf_file_type_name(15), "Q4_K_M");
    EXPECT_EQ(gguf_file_type_name(21), "Q2_K_S");
    EXPECT_EQ(gguf_file_type_name(36), "TQ1_0");
    EXPECT_EQ(gguf_file_type_name(38), "MXFP4_MOE");
    EXPECT_EQ(gguf_file_type_name(39), "NVFP4");
    EXPECT_EQ(gguf_file_type_name(41), "Q2_0");
    EXPECT_EQ(gguf_file_type_name(1002), "Q4_K_XL");
    for (uint32_t t = 0; t <= 41; ++t) EXPECT_TRUE(gguf_file_type_name(t)) << t;
    EXPECT_FALSE(gguf_file_type_name(42));
}

TEST(GgufHeaderTest, ABadKeyAfterTheArchitectureKeepsWhatWasRead) {
    testing::TempDir dir;
    GgufBytes g(3);
    g.header(4).kv_string("general.architecture", "llama").kv_u32("llama.context_length", 4096);
    g.str("weird.key").u32(77).u32(0);  // unknown value type
    g.kv_u32("general.file_type", 7);
    auto info = read_gguf_header(g.write(dir / "b.gguf"));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->architecture, "llama");
    EXPECT_EQ(info->context_length, 4096);
    EXPECT_TRUE(info->incomplete);
    // Before the architecture, the same fault is an error.
    GgufBytes early(3);
    early.header(2).str("weird.key").u32(77).u32(0).kv_string("general.architecture", "llama");
    EXPECT_FALSE(read_gguf_header(early.write(dir / "e.gguf")).ok());
}

TEST(GgufHeaderTest, KeysPastTheSpecsLengthEndTheReadingAndOnlyReadKeysAreKept) {
    testing::TempDir dir;
    GgufBytes g(3);
    g.header(4).kv_string("general.architecture", "llama").kv_u32("llama.context_length", 2048);
    g.kv_u32("general.file_type", 15);
    g.kv_u32(std::string(70000, 'k'), 1);  // ggml docs/gguf.md: a key is at most 65535 bytes
    auto info = read_gguf_header(g.write(dir / "k.gguf"));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->context_length, 2048);
    EXPECT_EQ(info->file_type, 15u);
    EXPECT_TRUE(info->incomplete);
}

TEST(GgufHeaderTest, HostileHeadersAreRefusedQuickly) {
    testing::TempDir dir;
    const auto start = std::chrono::steady_clock::now();
    // A string length past the end of the file.
    GgufBytes long_string(3);
    long_string.header(1).str("general.architecture").u32(8).count(1ull << 40);
    EXPECT_FALSE(read_gguf_header(long_string.write(dir / "s.gguf")).ok());
    // A key count in the billions.
    EXPECT_FALSE(read_gguf_header(GgufBytes(3).header(1ull << 40).write(dir / "k.gguf")).ok());
    // An array of 2^60 u64 elements, and one of 60 million empty strings in a tiny file.
    GgufBytes huge(3);
    huge.header(1).str("a").u32(9).u32(10).count(1ull << 60);
    EXPECT_FALSE(read_gguf_header(huge.write(dir / "a.gguf")).ok());
    GgufBytes strings(3);
    strings.header(1).str("a").u32(9).u32(8).count(60'000'000);
    EXPECT_FALSE(read_gguf_header(strings.write(dir / "t.gguf")).ok());
    // Arrays nested deeper than any real file.
    GgufBytes deep(3);
    deep.header(1).str("a").u32(9);
    for (int i = 0; i < 100; ++i) deep.u32(9).count(1);
    EXPECT_FALSE(read_gguf_header(deep.write(dir / "d.gguf", 4096)).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace venom::providers

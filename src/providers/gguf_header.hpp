#pragma once
// Reads the metadata of a GGUF file (llama.cpp's format): enough to learn a model's context
// length, quantization and chat template from the file itself, never from its name.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "venom/result.hpp"

namespace venom::providers {

struct GgufInfo {
    std::string architecture;                  // general.architecture
    std::optional<int64_t> context_length;     // <arch>.context_length
    std::optional<uint32_t> file_type;         // general.file_type (llama_ftype)
    std::optional<std::string> chat_template;  // tokenizer.chat_template
    // True when a malformed key/value came after general.architecture: the fields above hold
    // what was read before it.
    bool incomplete = false;
};

// Parses the header key/value section of GGUF versions 1 to 3 in either byte order, the way
// huggingface.js packages/gguf/src/gguf.ts does. 400 bad_gguf when the file is not GGUF, or its
// header is malformed or truncated before general.architecture was read. Reads only the header;
// every count and length is checked against the bytes left in the file, so a hostile header is
// refused in bounded time and memory. Thread-safe.
Result<GgufInfo> read_gguf_header(const std::filesystem::path& path);

// llama_ftype number to its usual name ("Q4_K_M" for 15, "MXFP4_MOE" for 38); nullopt when
// unknown. Pure.
std::optional<std::string> gguf_file_type_name(uint32_t file_type);

}  // namespace venom::providers

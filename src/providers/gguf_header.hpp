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
    std::string architecture;                 // general.architecture
    std::optional<int64_t> context_length;    // <arch>.context_length
    std::optional<uint32_t> file_type;        // general.file_type (llama_ftype)
    std::optional<std::string> chat_template;  // tokenizer.chat_template
};

// Parses the header key/value section (versions 2 and 3). 400 bad_gguf when the file is not
// GGUF or its header is malformed or truncated. Reads only the header.
Result<GgufInfo> read_gguf_header(const std::filesystem::path& path);

// llama_ftype number to its usual name ("Q4_K_M" for 15); nullopt when unknown.
std::optional<std::string> gguf_file_type_name(uint32_t file_type);

}  // namespace venom::providers

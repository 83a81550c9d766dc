#pragma once
// What a downloaded Hub model can do, read from its files (never guessed from its name):
// config.json, the chat template (chat_template.jinja or tokenizer_config.json), or the GGUF
// header.

#include <filesystem>
#include <string>

#include "venom/model_types.hpp"

namespace venom::providers {

// `snapshot` holds the installed files; `weight` is the main weight file in it. Reads only
// small files and the GGUF header. Missing or unreadable files leave the defaults.
ModelCapabilities capabilities_from_snapshot(const std::filesystem::path& snapshot,
                                             const std::string& weight);

}  // namespace venom::providers

#pragma once
// Model names arrive from clients and end up in paths and upstream URLs, so they are checked
// once, at the edge, with one rule set (issue 2): the spec's ^[\w\-.:/]+$ restricted to ASCII
// word characters, 1-200 characters, no "..", no leading "/", no empty segment. Hub and
// Ollama names are ASCII, so rejecting Unicode look-alikes ("／", "‥") costs nobody anything.

#include <filesystem>
#include <string>
#include <string_view>

#include "venom/result.hpp"

namespace venom {

// 400 invalid_model_name with the reason when `name` breaks a rule. Thread-safe, pure.
Result<void> validate_model_name(std::string_view name);

// `base / relative`, normalised, when it stays inside `base`; 400 unsafe_path otherwise
// (for example a symlink-free ".." escape or an absolute `relative`). Pure: no disk access.
Result<std::filesystem::path> path_inside(const std::filesystem::path& base,
                                          std::string_view relative);

}  // namespace venom

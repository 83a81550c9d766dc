#pragma once
// One spdlog logger per area (DESIGN.md convention 9), all writing to the default sink, so a
// line says where it comes from: "[manifest] write failed path=...". Never log a secret.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace venom {

// Returns the logger named `area`, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& area);

// Sets the level of every area logger, present and future ("trace".."critical", "off").
void set_log_level(spdlog::level::level_enum level);

}  // namespace venom

#pragma once

namespace venom {

// The version string /health and `venomd --version` report.
const char* venom_version();

}  // namespace venom

#pragma once
// Numbers as a person reads them in venomctl's tables and progress lines.

#include <cstdint>
#include <string>

namespace venom::cli {

// 4661211808 → "4.3 GiB"; binary units, as the API's `size_gb` (GiB).
std::string human_bytes(double bytes);
// 4.34 (GiB) → "4.3 GiB"; "-" for a negative value (the API's null).
std::string human_gib(double gib);
// 83 → "1:23", 3725 → "1:02:05".
std::string human_duration(double seconds);
// 108300000 → "108.3M".
std::string human_count(std::int64_t count);

}  // namespace venom::cli

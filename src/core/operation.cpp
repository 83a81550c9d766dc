#include "venom/operation.hpp"

#include <array>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace venom {
namespace {

constexpr std::array<std::string_view, 3> kTypes = {"install", "remove", "activate"};
constexpr std::array<std::string_view, 5> kStatuses = {"pending", "in_progress", "completed",
                                                       "failed", "cancelled"};

}  // namespace

std::string_view to_string(OperationType type) {
    return kTypes[static_cast<int>(type)];
}
std::string_view to_string(OperationStatus status) {
    return kStatuses[static_cast<int>(status)];
}

std::optional<OperationType> parse_operation_type(std::string_view text) {
    for (std::size_t i = 0; i < kTypes.size(); ++i) {
        if (kTypes[i] == text) return static_cast<OperationType>(i);
    }
    return std::nullopt;
}

std::optional<OperationStatus> parse_operation_status(std::string_view text) {
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
        if (kStatuses[i] == text) return static_cast<OperationStatus>(i);
    }
    return std::nullopt;
}

std::string make_uuid_v4() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::array<unsigned char, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 8) {
        uint64_t r = rng();
        for (std::size_t k = 0; k < 8; ++k) b[i + k] = static_cast<unsigned char>(r >> (8 * k));
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

}  // namespace venom

#include "api/request_id.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

namespace venom::api {

std::string new_request_id() {
    static const std::uint64_t prefix = [] {
        std::random_device device;
        return (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }();
    static std::atomic<std::uint64_t> counter{0};
    const std::uint64_t n = prefix + counter.fetch_add(1, std::memory_order_relaxed);
    char text[24];
    std::snprintf(text, sizeof text, "r-%016llx", static_cast<unsigned long long>(n));
    return text;
}

}  // namespace venom::api

#pragma once
// A loopback port nothing listens on right now, for tests that must hand a runtime a fixed port
// (`ollama serve` and `vllm serve` take one; they cannot report an ephemeral one back). The
// kernel picks it, so parallel tests do not collide; the short window between closing it here
// and the runtime binding it is the price of not being able to pass a socket down.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace venom::testing {

inline std::uint16_t free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("bind() to 127.0.0.1:0 failed");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace venom::testing

#pragma once
// The HTTP/1.1 front door: Boost.Beast sessions on a small io_context pool. Beast and Asio stay
// inside http_server.cpp so no other translation unit pays their compile cost.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/http_types.hpp"
#include "venom/result.hpp"

namespace venom::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8000;  // 0: any free port, see HttpServer::port()
    int threads = 2;
    int max_connections = 512;
    uint64_t max_body_bytes = 1 << 20;
    std::chrono::seconds request_timeout{30};     // read one request, write one response
    std::chrono::seconds keep_alive_timeout{60};  // idle between requests
    // Live-event streams: an SSE heartbeat comment, or a WebSocket ping, after this long idle;
    // a WebSocket client that sends nothing (not even a pong) for twice this is closed.
    std::chrono::milliseconds events_keepalive{15000};
};

// Called on an I/O thread for every complete request; must not block. It returns the answer
// when it has one at once; otherwise it calls `later()` once for a Responder and calls that
// exactly once, later, from any thread (the request stays alive until then).
using Responder = std::function<void(api::HttpResponse)>;
using MakeResponder = std::function<Responder()>;
using Dispatch =
    std::function<std::optional<api::HttpResponse>(const api::HttpRequest&, const MakeResponder&)>;

class HttpServer {
public:
    HttpServer(ServerOptions options, Dispatch dispatch);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts serving on background threads. 500 bind_failed naming the address.
    Result<void> start();
    // The bound port (after start()).
    uint16_t port() const;
    // Stops accepting, closes idle connections, lets requests in flight finish (at most
    // `grace`), then stops the threads. Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace venom::http

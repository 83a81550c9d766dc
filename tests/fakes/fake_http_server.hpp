#pragma once

// In-process HTTP/1.1 server that integration tests script to impersonate upstreams (Ollama, the
// Hugging Face Hub and its CDN, OpenAI, vLLM, Gemini). Besides well-behaved responses it can
// misbehave on purpose: stall, reset, close early, lie about Content-Length, stream slowly.
//
// Asio and Beast stay inside fake_http_server.cpp so that the many test files including this
// header do not pay their compile cost.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace venom::testing {

using FakeHeaders = std::vector<std::pair<std::string, std::string>>;

struct FakeRequest {
    std::string method;   // as sent, e.g. "GET"
    std::string target;   // full request target as sent, query included
    std::string path;     // target without the query string, not percent-decoded
    std::string query;    // raw text after '?', empty when absent
    FakeHeaders headers;  // in arrival order, names as sent
    std::string body;     // de-chunked when the client sent a chunked body
    // Requests that arrived on the same TCP connection share an id, so a test can tell whether
    // its client reused a keep-alive connection.
    std::uint64_t connection_id = 0;

    // Case-insensitive; the first occurrence wins. std::nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
};

struct FakeChunk {
    std::string data;  // empty data is a pure delay: it never emits the chunked terminator
    std::chrono::milliseconds delay_before{0};
};

// What the fake sends back. The server generates the framing headers (Content-Length or
// Transfer-Encoding) itself: do not put them in `headers`, use `content_length`/`chunks`.
//
// Body modes:
// - `chunks` empty: `body` is sent whole with Content-Length (`content_length` when set).
// - `chunks` non-empty, `content_length` unset: `Transfer-Encoding: chunked`, one HTTP chunk per
//   FakeChunk, each after its delay.
// - `chunks` non-empty, `content_length` set: the chunks' bytes are sent raw, unframed, under
//   that Content-Length.
// `content_length` may lie. When it differs from the bytes actually sent the server closes the
// connection after the body, so the client sees a short body (partial-file error) or excess bytes
// instead of a corrupted next response.
//
// Faults count body payload bytes, i.e. what the client's body callback receives (chunk framing
// is not counted). When the body is shorter than the count, the fault fires after the whole body
// (before the chunked terminator). When both are set the smaller count wins, reset on a tie.
struct FakeResponse {
    int status = 200;
    std::string reason;  // empty: the standard reason phrase for `status`
    FakeHeaders headers;
    std::string body;
    std::vector<FakeChunk> chunks;
    std::optional<std::size_t> content_length;
    // Waited before the status line, for tests of time-to-first-byte timeouts.
    std::chrono::milliseconds delay_before_headers{0};
    // Send this many body bytes, then go silent with the socket open until the client closes it
    // or the server stops: what a client needs low-speed/stall detection for.
    std::optional<std::size_t> stall_after_bytes;
    // Send this many body bytes, then abort the connection with a TCP RST (SO_LINGER 0). The
    // server waits (bounded) for those bytes to be acknowledged first, so the client receives
    // exactly them before the reset even for large bodies.
    std::optional<std::size_t> reset_after_bytes;
    // Send the status line and headers, then close the connection gracefully (FIN).
    bool close_after_headers = false;
    // A stream a test holds at a gate: chunk number `hold_at_chunk` (from 0) also waits, after
    // its delay, until `hold_until` returns true (asked every 10 ms on the server's thread, so it
    // must be cheap and never block) or the server stops.
    std::optional<std::size_t> hold_at_chunk;
    std::function<bool()> hold_until;

    static FakeResponse json(int status, std::string json_body);
    static FakeResponse text(int status, std::string body,
                             std::string content_type = "text/plain; charset=utf-8");
    // Empty body; `location` is sent verbatim, so it may be relative or absolute.
    static FakeResponse redirect(int status, std::string location);
    // 200, application/x-ndjson, chunked, one chunk per line; a '\n' is appended to lines that
    // lack one. The first line goes out at once, each later one after `delay_between`.
    static FakeResponse ndjson_stream(std::vector<std::string> lines,
                                      std::chrono::milliseconds delay_between = {});

    // Chainable: FakeResponse::json(200, "{}").with_header("X-Repo-Commit", "abc").
    FakeResponse& with_header(std::string name, std::string value) &;
    FakeResponse&& with_header(std::string name, std::string value) &&;
};

// Handlers run on the server's single io thread, one at a time, and must return promptly: to make
// a response slow, script delays in the FakeResponse instead of blocking. A handler that throws
// yields a 500 response with a JSON error body. A handler may call on()/on_prefix() itself, e.g.
// to change what the next request gets.
using FakeHandler = std::function<FakeResponse(const FakeRequest&)>;

// Thread-safety: every public member function may be called from any thread while the server
// runs, except that construction, start() and destruction must not race with other calls, and
// stop() and destruction must not happen inside a handler (they join the thread running it).
class FakeHttpServer {
public:
    FakeHttpServer();
    // Stops the server (see stop()) and joins its thread; never waits on a client.
    ~FakeHttpServer();

    FakeHttpServer(const FakeHttpServer&) = delete;
    FakeHttpServer& operator=(const FakeHttpServer&) = delete;
    FakeHttpServer(FakeHttpServer&&) = delete;
    FakeHttpServer& operator=(FakeHttpServer&&) = delete;

    // Binds 127.0.0.1 on an ephemeral port and starts the io thread. Connections are accepted
    // from the moment it returns. Throws std::system_error if the socket cannot be bound and
    // std::logic_error when called twice.
    void start();
    // Like start() on 127.0.0.1:`port` (0: an ephemeral port, exactly start()). For a fake that
    // plays a real server at a fixed address (tests/fakes/runtime/fake_llm_runtime.cpp), so the
    // socket gets SO_REUSEADDR: a restarted fake takes over its predecessor's port while that
    // one's connections linger in TIME_WAIT, as real servers do. Throws like start(), e.g. when
    // the port is taken.
    void start(std::uint16_t port);

    // Closes the listener and every open connection (stalled or mid-delay ones included), then
    // joins the io thread. Idempotent. Later connection attempts are refused, which is how a
    // test makes an upstream "go down". Cannot be restarted.
    void stop();

    // 0 before start().
    std::uint16_t port() const;
    // "http://127.0.0.1:PORT", no trailing slash.
    std::string base_url() const;

    // Routes the request whose path equals `path` exactly (query excluded). Registering the same
    // method and path again replaces the handler, also while requests are in flight. `method`
    // "*" matches any method; a HEAD request without its own route uses the GET route and gets
    // its headers without the body.
    void on(std::string method, std::string path, FakeHandler handler);
    // Like on(), for paths starting with `prefix`. An exact route beats a prefix route, and a
    // longer prefix beats a shorter one. Unmatched requests get 404 {"error":"not found"}.
    void on_prefix(std::string method, std::string prefix, FakeHandler handler);
    void clear_routes();

    // Every request received, in arrival order, unmatched ones included. A request is logged
    // once it has been fully read, before its handler runs.
    std::vector<FakeRequest> requests() const;
    std::size_t request_count(std::string_view path) const;
    void clear_requests();
    // Blocks until at least `count` requests have been logged or `timeout` elapses; returns
    // whether the count was reached.
    bool wait_for_requests(std::size_t count,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace venom::testing

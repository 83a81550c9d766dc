#include "http/http_server.hpp"

#include <fcntl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "api/json_response.hpp"
#include "events/event_bus.hpp"
#include "http/request_parser_limits.hpp"
#include "venom/logging.hpp"

namespace venom::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Asio opens and accepts sockets without close-on-exec; a runtime started from the daemon must
// not inherit them (it would keep the listening port bound after the daemon exits).
void set_close_on_exec(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// Accept errors that mean "the process or the system is out of something": accepting again at
// once fails the same way, so the loop waits before the next try.
bool is_resource_exhaustion(const beast::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory ||
           ec == beast::error_code(ENFILE, boost::system::system_category());
}

constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr std::chrono::seconds kAcceptLogInterval{10};

// Live-event streams: what wakes a stream's writer. The bus's dispatcher posts to the
// session's strand (it must not block); the writer waits on `timer` (its keep-alive deadline),
// which a wake cancels. A client that lets its queue overflow is dropped by closing its socket,
// which also ends a write it is stuck in.
struct StreamSignal {
    explicit StreamSignal(asio::any_io_executor executor) : timer(executor) {}
    asio::steady_timer timer;
    std::atomic<bool> posted{false};
    // Strand only:
    bool done = false;              // the stream ended; `socket` may be gone
    bool reader_done = false;       // the client closed, or the connection failed
    tcp::socket* socket = nullptr;  // valid while !done
};

void close_socket(tcp::socket& socket) {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

std::function<void()> wake_for(const std::shared_ptr<StreamSignal>& signal,
                               const std::weak_ptr<events::Subscription>& subscription) {
    return [signal, subscription] {
        if (signal->posted.exchange(true)) return;  // one wake in flight is enough
        asio::post(signal->timer.get_executor(), [signal, subscription] {
            signal->posted = false;
            if (signal->done) return;
            auto strong = subscription.lock();
            if (strong && strong->overflowed() && signal->socket) close_socket(*signal->socket);
            signal->timer.cancel();
        });
    };
}

// One SSE message per event: "id:" (absent for a snapshot), "event:", "data:", blank line.
std::string sse_text(const std::vector<events::EventPtr>& batch) {
    std::string out;
    for (const auto& event : batch) {
        // A snapshot (id 0) stands where the sequence was when it was taken, so a reconnect
        // with its id resumes from there.
        out += "id: " + std::to_string(event->id ? event->id : event->resume_id) + "\n";
        out += "event: " + event->type + "\ndata: " + event->json + "\n\n";
    }
    return out;
}

}  // namespace

// What the server knows of one connection, to close it at shutdown if it is idle.
struct Session {
    beast::tcp_stream* stream = nullptr;
    // Between reading a request and finishing its response. Atomic rather than under
    // sessions_mutex: every request sets it twice, and one lock for all sessions cost the
    // cheap endpoints measurable throughput (bench/http_bench.sh).
    std::atomic<bool> busy{false};
};

struct HttpServer::Impl {
    ServerOptions options;
    Dispatch dispatch;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::vector<std::thread> threads;
    std::atomic<bool> stopping{false};
    uint16_t port = 0;

    std::mutex sessions_mutex;
    std::condition_variable sessions_cv;
    std::set<std::shared_ptr<Session>> sessions;

    Impl(ServerOptions o, Dispatch d)
        : options(std::move(o)), dispatch(std::move(d)), ioc(std::max(1, options.threads)) {}

    static api::HttpRequest to_api(bhttp::request<bhttp::string_body>&& req) {
        api::HttpRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        for (const auto& field : req) {
            request.headers.emplace_back(std::string(field.name_string()),
                                         std::string(field.value()));
        }
        request.body = std::move(req.body());
        return request;
    }

    // Where a response meets the coroutine waiting for it: handlers that answer at once never
    // suspend the session; handlers that answer later (from a worker) resume it on its strand.
    struct PendingResponse {
        std::mutex mutex;
        std::optional<api::HttpResponse> response;
        std::function<void(api::HttpResponse)> resume;

        void deliver(api::HttpResponse r) {
            std::unique_lock lock(mutex);
            if (resume) {
                auto resume_now = std::move(resume);
                lock.unlock();
                resume_now(std::move(r));
            } else {
                response = std::move(r);
            }
        }
    };

    // Waits for an answer that was not there at once: the handler's Respond holds `pending`,
    // the caller keeps it alive while it waits. A named initiation capturing a raw pointer:
    // GCC 12 destroys some temporaries of a co_await expression twice, which freed a captured
    // shared_ptr too early (caught by ASan under load).
    static auto answer_later(PendingResponse* raw) {
        auto initiation = [raw](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto resume = [shared](api::HttpResponse response) {
                auto executor = asio::get_associated_executor(*shared);
                asio::post(executor, [shared, response = std::move(response)]() mutable {
                    std::move (*shared)(std::move(response));
                });
            };
            std::unique_lock lock(raw->mutex);
            if (raw->response) {
                auto response = std::move(*raw->response);
                raw->response.reset();
                lock.unlock();
                resume(std::move(response));
            } else {
                raw->resume = std::move(resume);
            }
        };
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(api::HttpResponse)>(
            initiation, asio::use_awaitable);
    }

    // Takes the body: a large answer (GET /models) is not copied again.
    static bhttp::response<bhttp::string_body> to_beast(api::HttpResponse&& r, unsigned version,
                                                        bool keep_alive) {
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
        res.set(bhttp::field::server, "venomd");
        if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
        for (const auto& [name, value] : r.headers) res.set(name, value);
        res.body() = std::move(r.body);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        return res;
    }

    // Takes the response by value: a coroutine keeps only references to reference parameters.
    asio::awaitable<void> write_error_and_close(beast::tcp_stream& stream, api::HttpResponse r) {
        auto res = to_beast(std::move(r), 11, false);
        stream.expires_after(options.request_timeout);
        co_await bhttp::async_write(stream, res, use_tuple);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    // What to tell a client whose request could not be read; nothing when the connection just
    // ended (closed, reset, timed out, cancelled at shutdown) or nothing was received.
    std::optional<api::HttpResponse> read_error_response(const beast::error_code& ec,
                                                         bool received_something) const {
        if (ec == bhttp::error::body_limit) {
            return api::error_response(
                413, "body_too_large",
                "Request body larger than " + std::to_string(options.max_body_bytes) + " bytes");
        }
        // buffer_overflow: an unparsed part (a chunked trailer) outgrew the read buffer.
        if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
            return api::error_response(431, "headers_too_large",
                                       "Request headers or trailers too large");
        }
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof || !received_something) {
            return std::nullopt;
        }
        return api::error_response(400, "bad_request", "Malformed HTTP request");
    }

    static void close_after_failure(beast::tcp_stream& stream) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.socket().close(ignored);
    }

    asio::awaitable<void> run_session(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        auto session = std::make_shared<Session>();
        session->stream = &stream;
        {
            std::lock_guard lock(sessions_mutex);
            sessions.insert(session);
        }
        try {
            co_await serve(stream, *session);
        } catch (const std::exception& e) {
            // One connection's failure must never reach the io_context (and end the process):
            // log it and close this connection.
            logger("http")->error("session failed error=\"{}\"", e.what());
            close_after_failure(stream);
        } catch (...) {
            logger("http")->error("session failed with an unknown exception");
            close_after_failure(stream);
        }
        {
            std::lock_guard lock(sessions_mutex);
            session->stream = nullptr;  // a close posted by stop() may still be queued
            sessions.erase(session);
        }
        sessions_cv.notify_all();
    }

    asio::awaitable<void> serve(beast::tcp_stream& stream, Session& session) {
        if (sessions_size() > static_cast<std::size_t>(options.max_connections)) {
            api::HttpResponse busy = api::error_response(
                503, "too_many_connections", "Too many open connections; retry shortly");
            co_await write_error_and_close(stream, std::move(busy));
            co_return;
        }
        const RequestLimits limits = request_limits(options);
        beast::flat_buffer buffer(limits.buffer_limit);
        bool first = true;
        while (!stopping) {
            RequestParser parser(limits);
            stream.expires_after(first ? options.request_timeout : options.keep_alive_timeout);
            first = false;
            auto [header_ec, header_bytes] =
                co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
            if (header_ec) {
                // Beast checks Content-Length against the body limit with the headers.
                std::optional<api::HttpResponse> answer =
                    read_error_response(header_ec, buffer.size() > 0);
                if (answer) co_await write_error_and_close(stream, std::move(*answer));
                co_return;
            }
            session.busy = true;
            // One deadline for the rest of the request, armed once: re-arming a tcp_stream's
            // timers costs the cheap endpoints measurable throughput (bench/http_bench.sh).
            stream.expires_after(options.request_timeout);
            if (!parser.is_done()) {
                auto [body_ec, body_bytes] =
                    co_await bhttp::async_read(stream, buffer, parser, use_tuple);
                if (body_ec) {
                    std::optional<api::HttpResponse> answer = read_error_response(body_ec, true);
                    if (answer) co_await write_error_and_close(stream, std::move(*answer));
                    co_return;
                }
            }
            auto req = parser.release();
            const unsigned version = req.version();
            const bool wants_keep_alive = req.keep_alive();
            std::optional<bhttp::request<bhttp::string_body>> upgrade;
            if (websocket::is_upgrade(req)) upgrade = req;
            const api::HttpRequest request = to_api(std::move(req));
            // Answered at once (the cheap endpoints): no PendingResponse, no Responder.
            std::shared_ptr<PendingResponse> pending;
            std::optional<api::HttpResponse> now = dispatch(request, [&pending]() -> Responder {
                pending = std::make_shared<PendingResponse>();
                return [pending](api::HttpResponse r) { pending->deliver(std::move(r)); };
            });
            const bool answered_at_once = now.has_value();
            api::HttpResponse answer;
            if (answered_at_once) {
                answer = std::move(*now);
            } else if (pending) {
                answer = co_await answer_later(pending.get());
            } else {  // a broken Dispatch: neither an answer nor a Responder
                answer = api::error_response(500, "internal_error", "No answer for the request");
            }
            if (answer.stream == api::HttpResponse::Stream::websocket && !upgrade) {
                // Upgrade: websocket alone is not a handshake (Beast also needs HTTP/1.1 and
                // Connection: Upgrade); such a client gets the refusal, not an event stream.
                answer = api::error_response(
                    426, "upgrade_required",
                    "/ws/events needs a WebSocket handshake (HTTP/1.1, Connection: Upgrade, "
                    "Upgrade: websocket); for a plain HTTP stream use GET /api/v1/events");
                answer.headers.emplace_back("Upgrade", "websocket");
            }
            if (answer.events) {
                // A live-event stream holds the connection until it ends; shutdown closes it
                // like an idle one.
                session.busy = false;
                if (answer.stream == api::HttpResponse::Stream::websocket) {
                    co_await serve_websocket(stream, std::move(*upgrade), answer.events);
                } else {
                    co_await serve_server_sent_events(stream, answer, version);
                }
                co_return;
            }
            const bool keep_alive = wants_keep_alive && !upgrade && !stopping;
            auto res = to_beast(std::move(answer), version, keep_alive);
            // A handler that answered later may have used up the request's deadline.
            if (!answered_at_once) stream.expires_after(options.request_timeout);
            auto [write_ec, written] = co_await bhttp::async_write(stream, res, use_tuple);
            session.busy = false;
            if (write_ec || !keep_alive) break;
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    // Reads until the client closes or the connection fails (shutdown closes it too), then
    // wakes the writer. SSE clients send nothing after their request.
    asio::awaitable<void> watch_for_close(beast::tcp_stream& stream,
                                          std::shared_ptr<StreamSignal> signal) {
        char sink[512];
        for (;;) {
            auto [ec, n] = co_await stream.socket().async_read_some(asio::buffer(sink), use_tuple);
            if (ec) break;
        }
        signal->reader_done = true;
        signal->timer.cancel();
    }

    // Pongs, close frames and anything a client sends are read here; Beast answers pings and
    // sends its own keep-alive pings while this read is pending.
    static asio::awaitable<void> read_websocket(websocket::stream<beast::tcp_stream&>& ws,
                                                std::shared_ptr<StreamSignal> signal) {
        beast::flat_buffer buffer;
        for (;;) {
            buffer.clear();
            auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
            if (ec) break;
        }
        signal->reader_done = true;
        signal->timer.cancel();
    }

    // Ends a stream: no more wakes, the reader stopped and gone before the frame it reads
    // into is.
    asio::awaitable<void> finish_stream(events::Subscription& subscription, StreamSignal& signal) {
        subscription.set_wake(nullptr);
        if (!signal.reader_done && signal.socket) close_socket(*signal.socket);
        signal.done = true;
        while (!signal.reader_done) {
            signal.timer.expires_after(std::chrono::seconds(1));
            co_await signal.timer.async_wait(use_tuple);
        }
    }

    void log_dropped(const events::Subscription& subscription, const char* transport) {
        if (subscription.overflowed()) {
            logger("http")->warn("event client dropped transport={} reason=too_slow", transport);
        }
    }

    asio::awaitable<void> serve_server_sent_events(beast::tcp_stream& stream,
                                                   const api::HttpResponse& answer,
                                                   unsigned version) {
        std::shared_ptr<events::Subscription> subscription = answer.events;
        auto signal = std::make_shared<StreamSignal>(stream.get_executor());
        signal->socket = &stream.socket();
        bhttp::response<bhttp::empty_body> res{bhttp::status::ok, version};
        res.set(bhttp::field::server, "venomd");
        res.set(bhttp::field::content_type, "text/event-stream");
        res.set(bhttp::field::cache_control, "no-cache");
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        const bool chunked = version >= 11;  // HTTP/1.0: the body ends when the connection does
        if (chunked) {
            res.chunked(true);
        } else {
            res.keep_alive(false);
        }
        auto write = [&](std::string text) -> asio::awaitable<bool> {
            stream.expires_after(options.request_timeout);
            beast::error_code ec;
            if (chunked) {
                std::tie(ec, std::ignore) = co_await asio::async_write(
                    stream, bhttp::make_chunk(asio::buffer(text)), use_tuple);
            } else {
                std::tie(ec, std::ignore) =
                    co_await asio::async_write(stream, asio::buffer(text), use_tuple);
            }
            // An expiry left running would fail the next write if it passed meanwhile.
            stream.expires_never();
            co_return !ec;
        };
        bhttp::response_serializer<bhttp::empty_body> serializer{res};
        stream.expires_after(options.request_timeout);
        auto [header_ec, header_bytes] =
            co_await bhttp::async_write_header(stream, serializer, use_tuple);
        stream.expires_never();
        bool open = !header_ec && co_await write("retry: 3000\n\n");
        if (open) {
            subscription->set_wake(wake_for(signal, subscription));
            asio::co_spawn(stream.get_executor(), watch_for_close(stream, signal), asio::detached);
        } else {
            signal->reader_done = true;
        }
        while (open && !signal->reader_done && !stopping) {
            const bool closed = subscription->topic_closed();  // before take(): nothing follows
            std::vector<events::EventPtr> batch = subscription->take();
            if (subscription->overflowed()) break;
            if (!batch.empty()) open = co_await write(sse_text(batch));
            if (!open) break;
            if (closed) {  // the closing event went out in this batch or an earlier one
                if (chunked) {
                    stream.expires_after(options.request_timeout);
                    co_await asio::async_write(stream, bhttp::make_chunk_last(), use_tuple);
                }
                break;
            }
            if (!batch.empty()) continue;
            signal->timer.expires_after(options.events_keepalive);
            auto [ec] = co_await signal->timer.async_wait(use_tuple);
            if (!ec) open = co_await write(": keep-alive\n\n");
        }
        log_dropped(*subscription, "sse");
        co_await finish_stream(*subscription, *signal);
    }

    asio::awaitable<void> serve_websocket(beast::tcp_stream& stream,
                                          bhttp::request<bhttp::string_body> upgrade,
                                          std::shared_ptr<events::Subscription> subscription) {
        auto signal = std::make_shared<StreamSignal>(stream.get_executor());
        signal->socket = &stream.socket();
        websocket::stream<beast::tcp_stream&> ws(stream);
        stream.expires_never();  // the websocket's own timeouts apply from here on
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = options.request_timeout;
        timeouts.idle_timeout = 2 * options.events_keepalive;  // a ping goes out at half of it
        timeouts.keep_alive_pings = true;
        ws.set_option(timeouts);
        ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(bhttp::field::server, "venomd"); }));
        ws.read_message_max(4096);  // clients have nothing to say
        auto [accept_ec] = co_await ws.async_accept(upgrade, use_tuple);
        if (accept_ec) {
            signal->reader_done = true;
        } else {
            ws.text(true);
            subscription->set_wake(wake_for(signal, subscription));
            asio::co_spawn(stream.get_executor(), read_websocket(ws, signal), asio::detached);
        }
        bool open = !accept_ec;
        while (open && !signal->reader_done && !stopping) {
            const bool closed = subscription->topic_closed();
            std::vector<events::EventPtr> batch = subscription->take();
            if (subscription->overflowed()) break;
            for (const auto& event : batch) {
                auto [ec, n] = co_await ws.async_write(asio::buffer(event->json), use_tuple);
                if (ec) {
                    open = false;
                    break;
                }
            }
            if (!open) break;
            if (closed) {
                co_await ws.async_close(websocket::close_code::normal, use_tuple);
                break;
            }
            if (!batch.empty()) continue;
            // Only a wake or the reader ends this wait; Beast sends the keep-alive pings.
            signal->timer.expires_after(std::chrono::hours(24));
            co_await signal->timer.async_wait(use_tuple);
        }
        log_dropped(*subscription, "websocket");
        co_await finish_stream(*subscription, *signal);
    }

    std::size_t sessions_size() {
        std::lock_guard lock(sessions_mutex);
        return sessions.size();
    }

    asio::awaitable<void> accept_loop() {
        asio::steady_timer backoff(ioc);
        std::chrono::steady_clock::time_point last_log{};
        std::size_t failures_since_log = 0;
        while (!stopping) {
            // Named, not a temporary of the co_await expression (see answer_later()).
            auto strand = asio::make_strand(ioc);
            auto [ec, socket] = co_await acceptor.async_accept(strand, use_tuple);
            if (ec) {
                if (stopping || ec == asio::error::operation_aborted) break;
                // One line per interval, counting the failures in between: out of descriptors,
                // accept fails as fast as it is called.
                ++failures_since_log;
                const auto now = std::chrono::steady_clock::now();
                if (now - last_log >= kAcceptLogInterval) {
                    logger("http")->warn("accept failed error=\"{}\" failures={} open_sessions={}",
                                         ec.message(), failures_since_log, sessions_size());
                    last_log = now;
                    failures_since_log = 0;
                }
                if (is_resource_exhaustion(ec)) {
                    // The pending connection stays in the backlog; it is accepted once a
                    // session ends and frees its descriptor.
                    backoff.expires_after(kAcceptBackoff);
                    co_await backoff.async_wait(use_tuple);
                }
                continue;
            }
            set_close_on_exec(socket.native_handle());
            auto executor = socket.get_executor();
            asio::co_spawn(executor, run_session(std::move(socket)), [](std::exception_ptr e) {
                // run_session catches what serve() throws; anything left is logged, never
                // rethrown into the io_context.
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    logger("http")->error("session ended by exception error=\"{}\"", ex.what());
                } catch (...) {
                    logger("http")->error("session ended by unknown exception");
                }
            });
        }
    }

    // Closes connections waiting for their next request; busy ones finish their response and
    // then see `stopping` and close themselves.
    void close_idle_sessions() {
        std::lock_guard lock(sessions_mutex);
        for (const auto& session : sessions) {
            if (session->busy) continue;
            // Runs on the session's strand, where the stream lives; by then the session may
            // have ended and cleared `stream`.
            asio::post(session->stream->get_executor(), [this, session] {
                beast::tcp_stream* stream = nullptr;
                {
                    std::lock_guard inner(sessions_mutex);
                    stream = session->stream;
                }
                if (!stream) return;
                beast::error_code ignored;
                stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                stream->cancel();
            });
        }
    }
};

HttpServer::HttpServer(ServerOptions options, Dispatch dispatch)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(dispatch))) {}

HttpServer::~HttpServer() {
    stop(std::chrono::seconds(2));
}

Result<void> HttpServer::start() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(impl_->options.host, ec);
    if (ec) {
        return make_error(500, "bind_failed",
                          "Invalid listen address '" + impl_->options.host + "': " + ec.message());
    }
    tcp::endpoint endpoint{address, impl_->options.port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) set_close_on_exec(acceptor.native_handle());
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return make_error(500, "bind_failed",
                          "Cannot listen on " + impl_->options.host + ":" +
                              std::to_string(impl_->options.port) + ": " + ec.message());
    }
    impl_->port = acceptor.local_endpoint().port();
    asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
    for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
        impl_->threads.emplace_back([this] {
            // A handler that throws must not end the thread (std::terminate): log and go on
            // serving, as Asio's documentation recommends.
            for (;;) {
                try {
                    impl_->ioc.run();
                    return;
                } catch (const std::exception& e) {
                    logger("http")->error("I/O handler threw error=\"{}\"", e.what());
                } catch (...) {
                    logger("http")->error("I/O handler threw an unknown exception");
                }
            }
        });
    }
    return {};
}

uint16_t HttpServer::port() const {
    return impl_->port;
}

void HttpServer::stop(std::chrono::milliseconds grace) {
    if (impl_->stopping.exchange(true)) {
        for (auto& t : impl_->threads) {
            if (t.joinable()) t.join();
        }
        return;
    }
    asio::post(impl_->ioc, [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
    });
    impl_->close_idle_sessions();
    {
        std::unique_lock lock(impl_->sessions_mutex);
        impl_->sessions_cv.wait_for(lock, grace, [&] { return impl_->sessions.empty(); });
    }
    impl_->ioc.stop();
    for (auto& t : impl_->threads) {
        if (t.joinable()) t.join();
    }
}

}  // namespace venom::http

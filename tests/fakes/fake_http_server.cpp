#include "fakes/fake_http_server.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>

namespace venom::testing {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Every awaited operation reports failure as a value: a peer that vanishes is routine for a
// fake whose purpose is misbehaving connections, not an exceptional event.
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// The request-body ceiling only guards against a runaway test; uploads in tests are far smaller.
constexpr std::uint64_t max_request_body = std::uint64_t{1} << 30;
constexpr std::uint32_t max_request_header = 64 * 1024;
// Bounds how long reset_after_bytes waits for the client to acknowledge what was sent. A client
// that stops reading never acknowledges, and then it gets its reset late rather than never.
constexpr std::chrono::seconds reset_drain_limit{5};
constexpr std::chrono::milliseconds reset_drain_poll{1};

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

const std::string* find_header(const FakeHeaders& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            // Handler messages only need to stay valid JSON, not byte-exact.
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string reason_phrase(int status) {
    const std::string_view reason = http::obsolete_reason(http::int_to_status(status));
    return reason == "<unknown-status>" ? std::string("Unknown") : std::string(reason);
}

std::string to_hex(std::size_t value) {
    std::array<char, 2 * sizeof(std::size_t)> digits{};
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value, 16);
    return std::string(digits.data(), result.ptr);
}

// Proxy-style clients send absolute-form targets; routes are written for the path alone.
std::string_view path_and_query_of(std::string_view target) {
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (target.substr(0, scheme.size()) == scheme) {
            const auto slash = target.find('/', scheme.size());
            return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target;
}

struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    // Shared so a handler can run outside the lock while on() replaces it.
    std::shared_ptr<const FakeHandler> handler;
};

// 0 means no match; higher means more specific.
int method_rank(std::string_view route_method, std::string_view request_method) {
    if (route_method == request_method) {
        return 3;
    }
    if (request_method == "HEAD" && route_method == "GET") {
        return 2;
    }
    return route_method == "*" ? 1 : 0;
}

struct Fault {
    enum class Kind { stall, reset };
    Kind kind;
    std::size_t after_bytes;
};

std::optional<Fault> fault_of(const FakeResponse& response) {
    const auto& stall = response.stall_after_bytes;
    const auto& reset = response.reset_after_bytes;
    if (reset && (!stall || *reset <= *stall)) {
        return Fault{Fault::Kind::reset, *reset};
    }
    if (stall) {
        return Fault{Fault::Kind::stall, *stall};
    }
    return std::nullopt;
}

enum class AfterResponse { keep_alive, close };

asio::awaitable<void> pause(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) {
        co_return;
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(use_nothrow);
}

// Writes as much of `data` as the fault budget allows. A chunk cut short keeps its full declared
// size, so the client sees a truncated chunk, as it would from a real upstream dying mid-write.
asio::awaitable<bool> write_payload(tcp::socket& socket, std::string_view data, bool chunk_frame,
                                    const std::optional<Fault>& fault, std::size_t& sent) {
    if (data.empty()) {
        co_return true;
    }
    std::size_t allowed = data.size();
    if (fault) {
        allowed = std::min(allowed, fault->after_bytes - std::min(fault->after_bytes, sent));
    }
    if (allowed == 0) {
        co_return true;
    }
    const std::string size_line = chunk_frame ? to_hex(data.size()) + "\r\n" : std::string();
    const std::string_view chunk_end = (chunk_frame && allowed == data.size()) ? "\r\n" : "";
    const std::array<asio::const_buffer, 3> buffers{
        asio::buffer(size_line), asio::buffer(data.substr(0, allowed)), asio::buffer(chunk_end)};
    auto [ec, written] = co_await asio::async_write(socket, buffers, use_nothrow);
    sent += allowed;
    co_return !ec;
}

asio::awaitable<void> reset_connection(tcp::socket& socket) {
    // Closing with SO_LINGER 0 discards whatever the kernel has not transmitted yet, so wait until
    // the peer has acknowledged everything: only then does it receive exactly the promised bytes.
    const auto deadline = std::chrono::steady_clock::now() + reset_drain_limit;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        int unacknowledged = 0;
        if (::ioctl(socket.native_handle(), SIOCOUTQ, &unacknowledged) != 0 ||
            unacknowledged == 0 || std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        timer.expires_after(reset_drain_poll);
        co_await timer.async_wait(use_nothrow);
    }
    error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

asio::awaitable<void> hold_open_until_peer_leaves(tcp::socket& socket) {
    // Reading (and discarding) is how we notice the client giving up; until then the socket stays
    // open and silent, which is what a hung upstream looks like.
    std::array<char, 4096> sink{};
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(asio::buffer(sink), use_nothrow);
        if (ec) {
            co_return;
        }
    }
}

asio::awaitable<AfterResponse> send_response(tcp::socket& socket, const FakeRequest& request,
                                             bool client_keep_alive, FakeResponse response) {
    const int status = response.status;
    const bool bodiless_status = (status >= 100 && status < 200) || status == 204 || status == 304;
    const bool send_body = request.method != "HEAD" && !bodiless_status;
    const bool streamed = !response.chunks.empty();
    const bool chunked = streamed && !response.content_length;

    std::size_t payload_size = response.body.size();
    if (streamed) {
        payload_size = 0;
        for (const auto& chunk : response.chunks) {
            payload_size += chunk.data.size();
        }
    }
    const bool lies = response.content_length && *response.content_length != payload_size;
    const std::string* connection_header = find_header(response.headers, "Connection");
    const bool handler_closes = connection_header && iequals(*connection_header, "close");
    // After a lying Content-Length the stream is out of step with the framing, so the next
    // response on this connection would be garbage: end the connection instead.
    const bool close_after = !client_keep_alive || handler_closes || (send_body && lies);

    co_await pause(response.delay_before_headers);

    std::string head = "HTTP/1.1 " + std::to_string(status) + " " +
                       (response.reason.empty() ? reason_phrase(status) : response.reason) + "\r\n";
    for (const auto& [name, value] : response.headers) {
        head += name + ": " + value + "\r\n";
    }
    if (!bodiless_status) {
        if (chunked) {
            head += "Transfer-Encoding: chunked\r\n";
        } else {
            head += "Content-Length: " +
                    std::to_string(response.content_length.value_or(payload_size)) + "\r\n";
        }
    }
    if (close_after && !connection_header) {
        head += "Connection: close\r\n";
    }
    head += "\r\n";
    // Headers go out on their own so a client sees them before the first chunk's delay.
    if (auto [ec, n] = co_await asio::async_write(socket, asio::buffer(head), use_nothrow); ec) {
        co_return AfterResponse::close;
    }
    if (response.close_after_headers) {
        co_return AfterResponse::close;
    }
    if (!send_body) {
        co_return close_after ? AfterResponse::close : AfterResponse::keep_alive;
    }

    const std::optional<Fault> fault = fault_of(response);
    std::size_t sent = 0;
    if (!streamed) {
        if (!co_await write_payload(socket, response.body, false, fault, sent)) {
            co_return AfterResponse::close;
        }
    } else {
        for (std::size_t index = 0; index < response.chunks.size(); ++index) {
            const FakeChunk& chunk = response.chunks[index];
            if (fault && sent >= fault->after_bytes) {
                break;
            }
            co_await pause(chunk.delay_before);
            if (response.hold_until && response.hold_at_chunk == index) {
                while (!response.hold_until()) {
                    co_await pause(std::chrono::milliseconds(10));
                }
            }
            if (!co_await write_payload(socket, chunk.data, chunked, fault, sent)) {
                co_return AfterResponse::close;
            }
        }
    }
    if (fault) {
        if (fault->kind == Fault::Kind::reset) {
            co_await reset_connection(socket);
        } else {
            co_await hold_open_until_peer_leaves(socket);
        }
        co_return AfterResponse::close;
    }
    if (chunked) {
        constexpr std::string_view last_chunk = "0\r\n\r\n";
        if (auto [ec, n] =
                co_await asio::async_write(socket, asio::buffer(last_chunk), use_nothrow);
            ec) {
            co_return AfterResponse::close;
        }
    }
    co_return close_after ? AfterResponse::close : AfterResponse::keep_alive;
}

bool is_malformed_request(const error_code& ec) {
    // end_of_stream and partial_message mean the client left; everything else from the parser
    // means it sent something that is not HTTP/1.1, which deserves a 400 like a real server.
    static const auto& parser_category = http::make_error_code(http::error::bad_target).category();
    return ec.category() == parser_category && ec != http::error::end_of_stream &&
           ec != http::error::partial_message;
}

}  // namespace

std::optional<std::string> FakeRequest::header(std::string_view name) const {
    if (const std::string* value = find_header(headers, name)) {
        return *value;
    }
    return std::nullopt;
}

FakeResponse FakeResponse::json(int status, std::string json_body) {
    FakeResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = std::move(json_body);
    return response;
}

FakeResponse FakeResponse::text(int status, std::string body, std::string content_type) {
    FakeResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", std::move(content_type));
    response.body = std::move(body);
    return response;
}

FakeResponse FakeResponse::redirect(int status, std::string location) {
    FakeResponse response;
    response.status = status;
    response.headers.emplace_back("Location", std::move(location));
    return response;
}

FakeResponse FakeResponse::ndjson_stream(std::vector<std::string> lines,
                                         std::chrono::milliseconds delay_between) {
    FakeResponse response;
    response.headers.emplace_back("Content-Type", "application/x-ndjson");
    response.chunks.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string& line = lines[i];
        if (line.empty() || line.back() != '\n') {
            line += '\n';
        }
        response.chunks.push_back(
            FakeChunk{std::move(line), i == 0 ? std::chrono::milliseconds(0) : delay_between});
    }
    return response;
}

FakeResponse& FakeResponse::with_header(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

FakeResponse&& FakeResponse::with_header(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
}

class FakeHttpServer::Impl {
public:
    ~Impl() { stop(); }

    void start(std::uint16_t port) {
        std::lock_guard lock(lifecycle_mutex_);
        if (started_ || stopped_) {
            throw std::logic_error("FakeHttpServer::start: already started or stopped");
        }
        const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
        error_code ec;
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec && port != 0) {
            acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor_.bind(endpoint, ec);
        }
        if (!ec) {
            acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        }
        tcp::endpoint local;
        if (!ec) {
            local = acceptor_.local_endpoint(ec);
        }
        if (ec) {
            throw std::system_error(
                static_cast<std::error_code>(ec),
                "FakeHttpServer: cannot listen on 127.0.0.1:" + std::to_string(port));
        }
        port_ = local.port();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
        started_ = true;
    }

    void stop() {
        std::lock_guard lock(lifecycle_mutex_);
        if (stopped_) {
            return;
        }
        stopped_ = true;
        if (!started_) {
            return;
        }
        // Closing from the io thread avoids racing the connection coroutines on the sockets.
        // Stopping the io_context in the same handler means nothing waits for a delay or a
        // stalled client to finish: the suspended coroutines are destroyed with io_.
        asio::post(io_, [this] {
            error_code ignored;
            acceptor_.close(ignored);
            for (tcp::socket* socket : open_sockets_) {
                socket->shutdown(tcp::socket::shutdown_both, ignored);
                socket->close(ignored);
            }
            io_.stop();
        });
        thread_.join();
    }

    std::uint16_t port() const { return port_.load(); }

    void add_route(std::string method, std::string path, bool prefix, FakeHandler handler) {
        auto shared = std::make_shared<const FakeHandler>(std::move(handler));
        std::lock_guard lock(mutex_);
        for (Route& route : routes_) {
            if (route.prefix == prefix && route.method == method && route.path == path) {
                route.handler = std::move(shared);
                return;
            }
        }
        routes_.push_back(Route{std::move(method), std::move(path), prefix, std::move(shared)});
    }

    void clear_routes() {
        std::lock_guard lock(mutex_);
        routes_.clear();
    }

    std::vector<FakeRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    std::size_t request_count(std::string_view path) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(requests_.begin(), requests_.end(),
                          [path](const FakeRequest& request) { return request.path == path; }));
    }

    void clear_requests() {
        std::lock_guard lock(mutex_);
        requests_.clear();
    }

    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mutex_);
        return requests_changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
    }

private:
    asio::awaitable<void> accept_loop() {
        while (acceptor_.is_open()) {
            auto [ec, socket] = co_await acceptor_.async_accept(use_nothrow);
            if (ec == asio::error::operation_aborted) {
                co_return;
            }
            if (ec) {
                // A client that connected and vanished before accept: not our problem.
                continue;
            }
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            asio::co_spawn(io_, serve_connection(std::move(socket), next_connection_id_++),
                           asio::detached);
        }
    }

    asio::awaitable<void> serve_connection(tcp::socket socket, std::uint64_t connection_id) {
        // stop() must reach sockets that are parked in a delay or a stall.
        open_sockets_.insert(&socket);
        struct Unregister {
            std::set<tcp::socket*>& sockets;
            tcp::socket* socket;
            ~Unregister() { sockets.erase(socket); }
        } unregister{open_sockets_, &socket};

        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(max_request_header);
            parser.body_limit(max_request_body);
            auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, use_nothrow);
            if (!ec && parser.get().version() >= 11 &&
                iequals(parser.get()[http::field::expect], "100-continue")) {
                // curl holds back large uploads for up to a second waiting for this.
                constexpr std::string_view go_ahead = "HTTP/1.1 100 Continue\r\n\r\n";
                std::tie(ec, n) =
                    co_await asio::async_write(socket, asio::buffer(go_ahead), use_nothrow);
            }
            if (!ec && !parser.is_done()) {
                std::tie(ec, n) = co_await http::async_read(socket, buffer, parser, use_nothrow);
            }
            if (ec) {
                if (is_malformed_request(ec)) {
                    const FakeRequest unparsed;
                    co_await send_response(socket, unparsed, false,
                                           FakeResponse::json(400, R"({"error":"bad request"})"));
                    close_gracefully(socket);
                }
                co_return;
            }

            auto& message = parser.get();
            const bool keep_alive = message.keep_alive();
            FakeRequest request;
            request.method = std::string(message.method_string());
            request.target = std::string(message.target());
            const std::string_view path_and_query = path_and_query_of(request.target);
            const auto question = path_and_query.find('?');
            request.path = std::string(path_and_query.substr(0, question));
            if (question != std::string_view::npos) {
                request.query = std::string(path_and_query.substr(question + 1));
            }
            for (const auto& field : message) {
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            }
            request.body = std::move(message.body());
            request.connection_id = connection_id;

            record(request);
            FakeResponse response = dispatch(request);
            const AfterResponse after =
                co_await send_response(socket, request, keep_alive, std::move(response));
            if (after == AfterResponse::close) {
                close_gracefully(socket);
                co_return;
            }
        }
    }

    static void close_gracefully(tcp::socket& socket) {
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
    }

    void record(const FakeRequest& request) {
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
        }
        requests_changed_.notify_all();
    }

    std::shared_ptr<const FakeHandler> find_handler(const FakeRequest& request) const {
        std::lock_guard lock(mutex_);
        std::shared_ptr<const FakeHandler> best;
        std::tuple<bool, std::size_t, int> best_score{false, 0, 0};
        for (const Route& route : routes_) {
            const int rank = method_rank(route.method, request.method);
            if (rank == 0) {
                continue;
            }
            const bool matches =
                route.prefix ? request.path.starts_with(route.path) : request.path == route.path;
            if (!matches) {
                continue;
            }
            const std::tuple<bool, std::size_t, int> score{!route.prefix, route.path.size(), rank};
            if (!best || score > best_score) {
                best = route.handler;
                best_score = score;
            }
        }
        return best;
    }

    FakeResponse dispatch(const FakeRequest& request) const {
        const std::shared_ptr<const FakeHandler> handler = find_handler(request);
        if (!handler || !*handler) {
            return FakeResponse::json(404, R"({"error":"not found"})");
        }
        // A throwing handler is a bug in the test; a 500 with its message surfaces it in the
        // client's assertion output instead of killing the io thread.
        try {
            return (*handler)(request);
        } catch (const std::exception& error) {
            return FakeResponse::json(
                500, R"({"error":"fake handler threw: )" + json_escape(error.what()) + "\"}");
        } catch (...) {
            return FakeResponse::json(500, R"({"error":"fake handler threw"})");
        }
    }

    mutable std::mutex mutex_;
    mutable std::condition_variable requests_changed_;
    std::vector<Route> routes_;          // guarded by mutex_
    std::vector<FakeRequest> requests_;  // guarded by mutex_

    std::mutex lifecycle_mutex_;
    bool started_ = false;  // guarded by lifecycle_mutex_
    bool stopped_ = false;  // guarded by lifecycle_mutex_
    std::atomic<std::uint16_t> port_{0};

    // Touched only on the io thread, or after it has been joined.
    std::uint64_t next_connection_id_ = 1;
    std::set<tcp::socket*> open_sockets_;

    // Declared after everything the connection coroutines use: destroying io_ destroys the
    // coroutines still suspended after stop(), and their cleanup touches open_sockets_.
    asio::io_context io_{1};
    tcp::acceptor acceptor_{io_};
    std::thread thread_;
};

FakeHttpServer::FakeHttpServer() : impl_(std::make_unique<Impl>()) {}

FakeHttpServer::~FakeHttpServer() = default;

void FakeHttpServer::start() {
    impl_->start(0);
}

void FakeHttpServer::start(std::uint16_t port) {
    impl_->start(port);
}

void FakeHttpServer::stop() {
    impl_->stop();
}

std::uint16_t FakeHttpServer::port() const {
    return impl_->port();
}

std::string FakeHttpServer::base_url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port());
}

void FakeHttpServer::on(std::string method, std::string path, FakeHandler handler) {
    impl_->add_route(std::move(method), std::move(path), false, std::move(handler));
}

void FakeHttpServer::on_prefix(std::string method, std::string prefix, FakeHandler handler) {
    impl_->add_route(std::move(method), std::move(prefix), true, std::move(handler));
}

void FakeHttpServer::clear_routes() {
    impl_->clear_routes();
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
    return impl_->requests();
}

std::size_t FakeHttpServer::request_count(std::string_view path) const {
    return impl_->request_count(path);
}

void FakeHttpServer::clear_requests() {
    impl_->clear_requests();
}

bool FakeHttpServer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    return impl_->wait_for_requests(count, timeout);
}

}  // namespace venom::testing

// Baseline for bench/http_bench.sh: the cheapest HTTP/1.1 server built the way venomd's
// http::Server is built (one coroutine session per connection, flat_buffer, a
// request_parser<string_body> per request, keep-alive loop, tcp_stream with a 30 s expiry, one
// io_context run on T threads). It answers every request with the same small JSON body, so the
// gap between it and venomd is the cost of venomd's routing, handlers and JSON, nothing else.
// Keep it free of tricks that venomd does not also use, or the "% of bare" figure means nothing.
//
// Usage: bare_server --port N [--host ADDR] [--threads T]
// Port 0 picks a free port; the chosen port is printed as "listening on PORT".

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view body_text = R"({"status":"ok","version":"bare"})";
constexpr auto io_timeout = std::chrono::seconds(30);
constexpr std::uint64_t body_limit = 1024 * 1024;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    unsigned threads = 2;
};

template <typename T>
std::optional<T> parse_number(std::string_view text, T min, T max) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

constexpr std::string_view usage = "usage: bare_server --port N [--host ADDR] [--threads T]\n";

[[noreturn]] void fail_usage(const std::string& message) {
    std::cerr << "bare_server: " << message << "\n" << usage;
    std::exit(2);
}

options parse_options(int argc, char** argv) {
    options opts;
    bool have_port = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << usage;
            std::exit(0);
        }
        if (i + 1 >= argc) {
            fail_usage("missing value for " + std::string(flag));
        }
        std::string_view value = argv[++i];
        if (flag == "--port") {
            auto port = parse_number<unsigned>(value, 0, 65535);
            if (!port) {
                fail_usage("invalid --port: " + std::string(value));
            }
            opts.port = static_cast<unsigned short>(*port);
            have_port = true;
        } else if (flag == "--threads") {
            auto threads = parse_number<unsigned>(value, 1, 256);
            if (!threads) {
                fail_usage("invalid --threads: " + std::string(value));
            }
            opts.threads = *threads;
        } else if (flag == "--host") {
            opts.host = value;
        } else {
            fail_usage("unknown flag " + std::string(flag));
        }
    }
    if (!have_port) {
        fail_usage("--port is required");
    }
    return opts;
}

http::response<http::string_body> make_response(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "bare");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = body_text;
    res.prepare_payload();
    return res;
}

net::awaitable<void> run_session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        stream.expires_after(io_timeout);
        http::request_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (read_ec) {
            // end_of_stream is the client closing a keep-alive connection; any other error
            // (timeout, reset, bad request) also just ends the session in a baseline.
            break;
        }
        auto res = make_response(parser.get());
        auto [write_ec, write_bytes] = co_await http::async_write(stream, res, use_tuple);
        if (write_ec || !res.keep_alive()) {
            break;
        }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> run_listener(net::io_context& ioc, tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), use_tuple);
        if (ec == net::error::operation_aborted) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: keep accepting rather than dying under load.
            continue;
        }
        auto executor = socket.get_executor();
        net::co_spawn(executor, run_session(std::move(socket)), net::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    options opts = parse_options(argc, argv);
    try {
        net::io_context ioc{static_cast<int>(opts.threads)};

        tcp::endpoint endpoint{net::ip::make_address(opts.host), opts.port};
        tcp::acceptor acceptor{net::make_strand(ioc)};
        acceptor.open(endpoint.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);

        std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;

        net::signal_set signals{ioc, SIGINT, SIGTERM};
        // Stopping the io_context is enough: pending sessions are destroyed with it, and the
        // acceptor belongs to a strand this handler does not run on.
        signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });

        net::co_spawn(acceptor.get_executor(), run_listener(ioc, acceptor), net::detached);

        std::vector<std::thread> workers;
        workers.reserve(opts.threads - 1);
        for (unsigned i = 1; i < opts.threads; ++i) {
            workers.emplace_back([&ioc] { ioc.run(); });
        }
        ioc.run();
        for (auto& worker : workers) {
            worker.join();
        }
    } catch (const std::exception& e) {
        std::cerr << "bare_server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

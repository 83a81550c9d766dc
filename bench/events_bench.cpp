// events_bench: live events under load (issue 11). Runs the real venomd binary against an
// in-process FakeHub and measures, side by side in one run:
//   1. GET /api/v1/health requests/s with wrk while an install runs and no event client is
//      connected;
//   2. the same while another install runs and N WebSocket clients (Beast's client) are
//      connected to /ws/events;
// and whether every client received the second install's events up to its final state.
//
// Usage: events_bench VENOMD_BIN [CLIENTS] [SECONDS]   (defaults 200, 5)
// Exit status: 0 when both runs completed and every client got the final event; 1 otherwise
// (BENCH_STRICT=1 in the environment: also when the run with clients is below 90 % of the other).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_hub.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using venom::testing::FakeHub;
using venom::testing::FakeHubFault;
using venom::testing::FakeHubRepo;
using steady = std::chrono::steady_clock;

constexpr std::size_t kModelBytes = 32 * 1024 * 1024;
constexpr std::size_t kChunk = 256 * 1024;

[[noreturn]] void die(const std::string& why) {
    std::cerr << "events_bench: " << why << "\n";
    std::exit(1);
}

uint16_t free_port() {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// One request on a fresh connection; status and body ("" and 0 when the connection failed).
std::pair<int, std::string> http(const std::string& method, uint16_t port,
                                 const std::string& target, const std::string& body = "") {
    try {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.expires_after(std::chrono::seconds(10));
        stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
        bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
        req.set(bhttp::field::host, "127.0.0.1");
        if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        bhttp::write(stream, req);
        beast::flat_buffer buffer;
        bhttp::response<bhttp::string_body> res;
        bhttp::read(stream, buffer, res);
        return {res.result_int(), res.body()};
    } catch (const std::exception&) {
        return {0, ""};
    }
}

std::string install(uint16_t port, const std::string& name) {
    auto [status, body] = http("POST", port, "/api/v1/models/registry/install",
                               json{{"name", name}, {"provider", "huggingface"}}.dump());
    if (status != 202)
        die("install of " + name + " answered " + std::to_string(status) + ": " + body);
    return json::parse(body)["operation_id"];
}

std::string wait_finished(uint16_t port, const std::string& id, std::chrono::seconds bound) {
    const auto deadline = steady::now() + bound;
    while (steady::now() < deadline) {
        auto [status, body] = http("GET", port, "/api/v1/models/operations/" + id);
        if (status == 200) {
            json op = json::parse(body)["operation"];
            if (!op["completed_at"].is_null()) return op["status"];
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "timed out";
}

double wrk_requests_per_second(uint16_t port, int seconds) {
    const std::string command = "wrk -t2 -c50 -d" + std::to_string(seconds) +
                                "s http://127.0.0.1:" + std::to_string(port) + "/api/v1/health";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) die("cannot run wrk");
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    if (::pclose(pipe) != 0) die("wrk failed:\n" + out);
    const auto at = out.find("Requests/sec:");
    if (at == std::string::npos) die("no Requests/sec in wrk's output:\n" + out);
    return std::stod(out.substr(at + 13));
}

// N WebSocket clients on one I/O thread, counting what they receive.
class Swarm {
public:
    Swarm(uint16_t port, int clients) : clients_(static_cast<std::size_t>(clients)) {
        for (auto& c : clients_) c = std::make_unique<Client>(ioc_);
        for (auto& c : clients_) start(*c, port);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~Swarm() {
        ioc_.stop();
        thread_.join();
    }
    void follow(const std::string& id) {
        std::lock_guard lock(mutex_);
        target_ = id;
    }
    int open() const { return open_.load(); }
    int finished() const { return finished_.load(); }
    int failed() const { return failed_.load(); }
    // min, mean, max events per client
    std::tuple<long, double, long> per_client() const {
        long lo = -1, hi = 0, sum = 0;
        for (const auto& c : clients_) {
            const long n = c->events.load();
            lo = lo < 0 ? n : std::min(lo, n);
            hi = std::max(hi, n);
            sum += n;
        }
        return {lo, static_cast<double>(sum) / static_cast<double>(clients_.size()), hi};
    }

private:
    struct Client {
        explicit Client(asio::io_context& ioc) : ws(ioc) {}
        websocket::stream<tcp::socket> ws;
        beast::flat_buffer buffer;
        std::atomic<long> events{0};
        bool finished = false;
    };

    void start(Client& c, uint16_t port) {
        c.ws.next_layer().async_connect(
            {asio::ip::make_address("127.0.0.1"), port}, [this, &c, port](beast::error_code ec) {
                if (ec) return fail();
                c.ws.async_handshake("127.0.0.1:" + std::to_string(port), "/ws/events",
                                     [this, &c](beast::error_code ec2) {
                                         if (ec2) return fail();
                                         ++open_;
                                         read(c);
                                     });
            });
    }
    void fail() { ++failed_; }
    void read(Client& c) {
        c.ws.async_read(c.buffer, [this, &c](beast::error_code ec, std::size_t) {
            if (ec) {
                --open_;
                return fail();
            }
            ++c.events;
            json event = json::parse(beast::buffers_to_string(c.buffer.data()), nullptr, false);
            c.buffer.consume(c.buffer.size());
            if (!c.finished && event.is_object() && event["type"] == "OPERATION_STATUS_UPDATE" &&
                !event["data"]["completed_at"].is_null()) {
                std::lock_guard lock(mutex_);
                if (event["data"]["operation_id"] == target_) {
                    c.finished = true;
                    ++finished_;
                }
            }
            read(c);
        });
    }

    asio::io_context ioc_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::thread thread_;
    std::mutex mutex_;
    std::string target_;
    std::atomic<int> open_{0};
    std::atomic<int> finished_{0};
    std::atomic<int> failed_{0};
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 4) {
        std::cerr << "usage: events_bench VENOMD_BIN [CLIENTS] [SECONDS]\n";
        return 2;
    }
    const std::string venomd = argv[1];
    const int clients = argc > 2 ? std::atoi(argv[2]) : 200;
    const int seconds = argc > 3 ? std::atoi(argv[3]) : 5;
    if (clients < 1 || clients > 5000 || seconds < 1 || seconds > 600) {
        std::cerr << "events_bench: CLIENTS 1-5000, SECONDS 1-600\n";
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);

    // Installs that outlast a wrk run: the Hub sends the weights slowly.
    FakeHub hub;
    const auto delay = std::chrono::milliseconds((seconds + 2) * 1000 / (kModelBytes / kChunk));
    for (const char* name : {"bench/without-clients", "bench/with-clients"}) {
        hub.add_repo(FakeHubRepo::transformers(name, kModelBytes));
        hub.set_fault(name, "model.safetensors", FakeHubFault::slow(kChunk, delay).sticky());
    }

    char dir_template[] = "/tmp/venomd-events-bench.XXXXXX";
    if (!::mkdtemp(dir_template)) die("mkdtemp failed");
    const std::filesystem::path dir = dir_template;
    const uint16_t port = free_port();
    const pid_t child = ::fork();
    if (child == 0) {
        const int log = ::open((dir / "venomd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        ::setenv("HF_ENDPOINT", hub.base_url().c_str(), 1);
        ::unsetenv("VENOM_API_TOKEN");
        ::unsetenv("VENOM_CONFIG");
        const std::string port_text = std::to_string(port);
        const std::string data = (dir / "data").string();
        ::execl(venomd.c_str(), venomd.c_str(), "--host", "127.0.0.1", "--port", port_text.c_str(),
                "--data-dir", data.c_str(), "--log-level", "warn", nullptr);
        ::_exit(127);
    }
    struct Cleanup {
        pid_t pid;
        std::filesystem::path dir;
        ~Cleanup() {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup{child, dir};
    bool ready = false;
    for (int i = 0; i < 250 && !ready; ++i) {
        ready = http("GET", port, "/api/v1/health").first == 200;
        if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ready) die("venomd did not answer /api/v1/health; see its log");

    // 1. No event clients, an install running.
    const std::string first = install(port, "bench/without-clients");
    const double without = wrk_requests_per_second(port, seconds);
    const std::string first_status = wait_finished(port, first, std::chrono::seconds(120));

    // 2. N clients connected, another install running.
    Swarm swarm(port, clients);
    const auto connect_deadline = steady::now() + std::chrono::seconds(30);
    while (swarm.open() + swarm.failed() < clients && steady::now() < connect_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const int connected = swarm.open();
    const std::string second = install(port, "bench/with-clients");
    swarm.follow(second);
    const auto install_start = steady::now();
    const double with = wrk_requests_per_second(port, seconds);
    const std::string second_status = wait_finished(port, second, std::chrono::seconds(120));
    const double install_seconds =
        std::chrono::duration<double>(steady::now() - install_start).count();
    const auto delivery_deadline = steady::now() + std::chrono::seconds(30);
    while (swarm.finished() < connected && steady::now() < delivery_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto [lo, mean, hi] = swarm.per_client();
    const double ratio = without > 0 ? 100.0 * with / without : 0;

    std::printf(
        "events_bench: %d WebSocket clients on /ws/events, wrk -t2 -c50 -d%ds on "
        "/api/v1/health\n\n",
        clients, seconds);
    std::printf("%-34s %14s %14s\n", "", "no clients", "with clients");
    std::printf("%-34s %14.0f %14.0f\n", "health requests/s", without, with);
    std::printf("%-34s %14s %13.1f%%\n", "share of the run without clients", "100.0%", ratio);
    std::printf("%-34s %14s %14s\n", "install status", first_status.c_str(), second_status.c_str());
    std::printf("\nclients connected: %d of %d (failed: %d)\n", connected, clients, swarm.failed());
    std::printf("clients that got the install's final event: %d of %d\n", swarm.finished(),
                connected);
    std::printf("events per client: min %ld, mean %.1f, max %ld (install took %.1f s)\n", lo, mean,
                hi, install_seconds);
    const bool delivered = connected == clients && swarm.finished() == connected;
    const bool within = ratio >= 90.0;
    std::printf("target: every client gets the events: %s; requests/s within 10 %%: %s\n",
                delivered ? "met" : "MISSED", within ? "met" : "MISSED");
    const char* strict = std::getenv("BENCH_STRICT");
    if (!delivered || first_status != "completed" || second_status != "completed") return 1;
    if (strict && std::string(strict) == "1" && !within) return 1;
    return 0;
}

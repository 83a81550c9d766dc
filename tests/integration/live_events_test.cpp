// Live events end to end: a real venomd (in-process, FakeHub behind it) pushing operation
// events to Beast's own WebSocket client and to curl as Server-Sent Events; slow and silent
// clients dropped while others keep receiving; reconnect with Last-Event-ID.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "events/event_bus.hpp"
#include "integration/hub_daemon_test.hpp"
#include "support/eventually.hpp"
#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::size_t kWeights = 3 * 1024 * 1024;

// Beast's WebSocket client with bounded reads (the I/O runs only inside next()).
class WsClient {
public:
    WsClient(uint16_t port, const std::string& target = "/ws/events",
             const std::string& origin = "", int receive_buffer = 0)
        : ws_(ioc_) {
        auto& socket = beast::get_lowest_layer(ws_);
        socket.open(tcp::v4());
        if (receive_buffer > 0) {
            socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        }
        socket.connect({asio::ip::make_address("127.0.0.1"), port});
        ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
            if (!origin.empty()) req.set(beast::http::field::origin, origin);
        }));
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::ping) ++pings;
        });
        ws_.handshake(response_, "127.0.0.1:" + std::to_string(port), target, error_);
    }

    // The next message as JSON; nullopt when none came within `bound` or the stream ended.
    std::optional<json> next(std::chrono::milliseconds bound = 5000ms) {
        if (closed_) return std::nullopt;
        if (!reading_) {
            reading_ = true;
            done_ = false;
            ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
                done_ = true;
                read_error_ = ec;
            });
        }
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (!done_ && std::chrono::steady_clock::now() < deadline) {
            ioc_.restart();
            ioc_.run_one_until(deadline);
        }
        if (!done_) return std::nullopt;
        reading_ = false;
        if (read_error_) {
            closed_ = true;
            return std::nullopt;
        }
        json message = json::parse(beast::buffers_to_string(buffer_.data()));
        buffer_.consume(buffer_.size());
        return message;
    }

    // Reads until `stop` holds for a message (returned), at most `bound` overall.
    std::optional<json> until(const std::function<bool(const json&)>& stop,
                              std::chrono::milliseconds bound = 10000ms,
                              std::vector<json>* seen = nullptr) {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (std::chrono::steady_clock::now() < deadline) {
            auto message = next(std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
            if (!message) return std::nullopt;
            if (seen) seen->push_back(*message);
            if (stop(*message)) return message;
        }
        return std::nullopt;
    }

    bool handshake_ok() const { return !error_; }
    unsigned status() const { return response_.result_int(); }
    bool closed() const { return closed_; }
    int pings = 0;

private:
    asio::io_context ioc_;
    websocket::stream<tcp::socket> ws_;
    websocket::response_type response_;
    beast::error_code error_;
    beast::flat_buffer buffer_;
    bool reading_ = false;
    bool done_ = false;
    bool closed_ = false;
    beast::error_code read_error_;
};

struct SseMessage {
    std::optional<std::string> id;
    std::string event;
    json data;
};

// Splits an SSE body into messages, checking the framing: "field: value" lines, a blank line
// after each message; comments (":") and "retry:" skipped.
std::vector<SseMessage> parse_sse(const std::string& body) {
    std::vector<SseMessage> out;
    std::size_t start = 0;
    while (start < body.size()) {
        const std::size_t end = body.find("\n\n", start);
        EXPECT_NE(end, std::string::npos)
            << "a message without its blank line: " << body.substr(start, 200);
        if (end == std::string::npos) break;
        const std::string block = body.substr(start, end - start);
        start = end + 2;
        SseMessage message;
        bool has_data = false;
        std::size_t line_start = 0;
        while (line_start <= block.size()) {
            std::size_t line_end = block.find('\n', line_start);
            if (line_end == std::string::npos) line_end = block.size();
            const std::string line = block.substr(line_start, line_end - line_start);
            line_start = line_end + 1;
            if (line.empty() || line[0] == ':' || line.rfind("retry: ", 0) == 0) continue;
            if (line.rfind("id: ", 0) == 0) {
                message.id = line.substr(4);
            } else if (line.rfind("event: ", 0) == 0) {
                message.event = line.substr(7);
            } else if (line.rfind("data: ", 0) == 0) {
                message.data = json::parse(line.substr(6));
                has_data = true;
            } else {
                ADD_FAILURE() << "not an SSE line: " << line;
            }
        }
        if (has_data) out.push_back(std::move(message));
    }
    return out;
}

class LiveEventsTest : public HubDaemonTest {
protected:
    uint16_t port() { return daemon_->daemon().port(); }
    events::EventBus& bus() { return daemon_->daemon().events(); }
    HttpReply sse(const std::string& query, std::vector<std::string> headers = {}) {
        return http_call(HttpCall{
            "GET", daemon_->url("/api/v1/events" + query), std::move(headers), std::nullopt, {}});
    }
};

bool is_final(const json& m, const std::string& id) {
    return m["type"] == "OPERATION_STATUS_UPDATE" && m["data"]["operation_id"] == id &&
           !m["data"]["completed_at"].is_null();
}

TEST_F(LiveEventsTest, AWebSocketClientSeesAnInstallsStatesAndProgress) {
    hub_.add_repo(FakeHubRepo::transformers("org/ws-model", kWeights));
    hub_.set_fault("org/ws-model", "model.safetensors", FakeHubFault::slow(256 * 1024, 20ms));
    start();
    WsClient client(port());
    ASSERT_TRUE(client.handshake_ok());
    EXPECT_EQ(client.status(), 101u);
    const std::string id = install("org/ws-model");
    std::vector<json> seen;
    auto last = client.until([&](const json& m) { return is_final(m, id); }, 20000ms, &seen);
    ASSERT_TRUE(last) << "no final state event";
    EXPECT_EQ((*last)["data"]["status"], "completed");
    std::vector<std::string> states;
    int progress = 0;
    for (const auto& m : seen) {
        ASSERT_TRUE(m["id"].is_number()) << m.dump();
        if (m["data"]["operation_id"] != id) continue;
        if (m["type"] == "OPERATION_STATUS_UPDATE") states.push_back(m["data"]["status"]);
        if (m["type"] == "OPERATION_PROGRESS") {
            ++progress;
            EXPECT_EQ(m["data"]["status"], "in_progress");
        }
    }
    EXPECT_EQ(states, (std::vector<std::string>{"pending", "in_progress", "completed"}));
    EXPECT_GT(progress, 0) << "no progress event during a 3 MB download";
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_LT(seen[i - 1]["id"].get<uint64_t>(), seen[i]["id"].get<uint64_t>());
    }
}

TEST_F(LiveEventsTest, ProgressIsCoalescedToAboutTenEventsASecond) {
    hub_.add_repo(FakeHubRepo::transformers("org/fast", 32 * 1024 * 1024));
    start();
    WsClient client(port());
    const auto begin = std::chrono::steady_clock::now();
    const std::string id = install("org/fast");
    std::vector<json> seen;
    ASSERT_TRUE(client.until([&](const json& m) { return is_final(m, id); }, 30000ms, &seen));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    int progress = 0;
    for (const auto& m : seen) progress += m["type"] == "OPERATION_PROGRESS" ? 1 : 0;
    // 32 MB arrive in hundreds of set_bytes calls; at most one event per 100 ms goes out.
    EXPECT_LE(progress, 2 + static_cast<int>(seconds * 10)) << seconds << " s";
}

TEST_F(LiveEventsTest, ASlowClientIsDroppedWhileAnotherKeepsReceiving) {
    // Keep-alive far off: the slow client must be dropped for its full queue, not for pongs
    // it never sent.
    start([](Config& c) {
        c.events_client_queue = 8;
        c.events_keepalive_ms = 600000;
    });
    WsClient fast(port());
    WsClient slow(port(), "/ws/events", "", 4096);  // connected, never reads
    ASSERT_TRUE(fast.handshake_ok());
    ASSERT_TRUE(slow.handshake_ok());
    ASSERT_TRUE(eventually([&] { return bus().subscribers() == 2; }));
    const std::string pad(64 * 1024, 'x');
    int sent = 0;
    // Batches the fast client keeps up with; the slow one's socket buffers fill, then its queue.
    while (bus().subscribers() == 2 && sent < 2000) {
        for (int i = 0; i < 4; ++i, ++sent) bus().publish("TEST", "", {{"n", sent}, {"pad", pad}});
        auto got = fast.until([&](const json& m) { return m["data"]["n"] == sent - 1; }, 5000ms);
        ASSERT_TRUE(got) << "the fast client stopped receiving at " << sent;
    }
    ASSERT_EQ(bus().subscribers(), 1u) << "the slow client was never dropped";
    bus().publish("TEST", "", {{"n", -1}});
    EXPECT_TRUE(fast.until([](const json& m) { return m["data"]["n"] == -1; }, 5000ms));
}

TEST_F(LiveEventsTest, AReconnectGetsAReplayLargerThanItsQueue) {
    // A client dropped as too slow comes back with its last id: the replay must fit, whatever
    // the queue's size, or it would be dropped again before its first read.
    start([](Config& c) { c.events_client_queue = 4; });
    const uint64_t before = bus().last_id();
    for (int n = 0; n < 20; ++n) bus().publish("TEST", "", {{"n", n}});
    WsClient back(port(), "/ws/events?last_event_id=" + std::to_string(before));
    std::vector<json> seen;
    ASSERT_TRUE(back.until([](const json& m) { return m["data"]["n"] == 19; }, 5000ms, &seen));
    ASSERT_EQ(seen.size(), 20u);
    for (int n = 0; n < 20; ++n) EXPECT_EQ(seen[n]["data"]["n"], n);
}

TEST_F(LiveEventsTest, PingsKeepAReadingClientAndASilentOneIsClosed) {
    // A ping every 400 ms, a close after 800 ms without a pong: wide enough that the reader,
    // which answers pings only while it reads, survives the set-up on a loaded machine.
    start([](Config& c) { c.events_keepalive_ms = 400; });
    WsClient reader(port());
    WsClient silent(port());  // never reads, so never answers a ping
    ASSERT_TRUE(eventually([&] { return bus().subscribers() == 2; }));
    // Nothing is published: only keep-alive traffic flows.
    EXPECT_FALSE(reader.next(2500ms));
    EXPECT_GE(reader.pings, 2);
    EXPECT_FALSE(reader.closed());
    EXPECT_TRUE(eventually([&] { return bus().subscribers() == 1; }, 5000ms))
        << "the client that never answered a ping is still connected";
    bus().publish("TEST", "", {{"n", 1}});
    EXPECT_TRUE(reader.next(5000ms));
}

TEST_F(LiveEventsTest, ServerSentEventsFollowOneOperationAndEndWithIt) {
    hub_.add_repo(FakeHubRepo::transformers("org/one", kWeights));
    hub_.add_repo(FakeHubRepo::transformers("org/other", kWeights));
    hub_.set_fault("org/one", "model.safetensors", FakeHubFault::slow(256 * 1024, 20ms));
    start();
    const std::string id = install("org/one");
    const std::string other = install("org/other");
    HttpReply reply = sse("?operation_id=" + id);  // returns when the operation has finished
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.header("content-type").value_or(""), "text/event-stream");
    EXPECT_EQ(reply.header("cache-control").value_or(""), "no-cache");
    auto messages = parse_sse(reply.body);
    ASSERT_GE(messages.size(), 2u) << reply.body;
    EXPECT_TRUE(messages.front().data["id"].is_null()) << "the snapshot is outside the sequence";
    ASSERT_TRUE(messages.front().id) << "but says where a reconnect resumes";
    EXPECT_EQ(messages.front().event, "OPERATION_STATUS_UPDATE");
    for (const auto& m : messages) {
        EXPECT_EQ(m.data["type"], m.event);
        EXPECT_EQ(m.data["data"]["operation_id"], id) << "an event of " << other << " leaked in";
    }
    for (std::size_t i = 1; i < messages.size(); ++i) {
        ASSERT_TRUE(messages[i].id);
        EXPECT_EQ(*messages[i].id, std::to_string(messages[i].data["id"].get<uint64_t>()));
    }
    EXPECT_EQ(messages.back().event, "OPERATION_STATUS_UPDATE");
    EXPECT_EQ(messages.back().data["data"]["status"], "completed");
    wait_finished(other);
}

TEST_F(LiveEventsTest, ReconnectingWithLastEventIdReplaysWhatWasMissed) {
    hub_.add_repo(FakeHubRepo::transformers("org/replay", kWeights));
    start();
    const std::string id = install("org/replay");
    auto first = parse_sse(sse("?operation_id=" + id).body);
    wait_finished(id);
    // Everything about it, in order, with ids: take the stream again from the first id.
    WsClient all(port(), "/ws/events?last_event_id=0");
    std::vector<json> seen;
    ASSERT_TRUE(all.until([&](const json& m) { return is_final(m, id); }, 5000ms, &seen));
    ASSERT_GE(seen.size(), 3u);
    const uint64_t resume_after = seen[1]["id"].get<uint64_t>();
    HttpReply reply =
        sse("?operation_id=" + id, {"Last-Event-ID: " + std::to_string(resume_after)});
    auto replayed = parse_sse(reply.body);
    ASSERT_FALSE(replayed.empty()) << reply.body;
    EXPECT_TRUE(replayed.front().id) << "no snapshot when resuming";
    EXPECT_EQ(replayed.front().data["id"].get<uint64_t>(), seen[2]["id"].get<uint64_t>());
    EXPECT_EQ(replayed.back().data["data"]["status"], "completed");
    EXPECT_FALSE(first.empty());
    // EventSource reconnects after every end of stream: with nothing left to say, 204 stops it,
    // whether it saw the final event or only the snapshot of an operation already finished.
    HttpReply done = sse("?operation_id=" + id, {"Last-Event-ID: " + *replayed.back().id});
    EXPECT_EQ(done.status, 204) << done.body;
    EXPECT_TRUE(done.body.empty());
    auto late = parse_sse(sse("?operation_id=" + id).body);
    ASSERT_EQ(late.size(), 1u);
    EXPECT_EQ(late.front().data["data"]["status"], "completed");
    EXPECT_EQ(sse("?operation_id=" + id, {"Last-Event-ID: " + *late.front().id}).status, 204);
}

TEST_F(LiveEventsTest, BadRequestsGetClearErrorsAndReadsNeedNoToken) {
    start([](Config& c) { c.api_token = "secret-token"; });
    EXPECT_EQ(sse("?operation_id=no-such-op").status, 404);
    HttpReply bad = sse("", {"Last-Event-ID: abc"});
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("bad_last_event_id"), std::string::npos);
    HttpReply plain = http_get(daemon_->url("/ws/events"));
    EXPECT_EQ(plain.status, 426);
    EXPECT_NE(plain.body.find("upgrade_required"), std::string::npos);
    // Upgrade without Connection: Upgrade is no handshake either (not an event stream).
    HttpReply half = http_call(
        HttpCall{"GET", daemon_->url("/ws/events"), {"Upgrade: websocket"}, std::nullopt, {}});
    EXPECT_EQ(half.status, 426) << half.body;
    EXPECT_NE(half.body.find("upgrade_required"), std::string::npos);
    // Open like every read, but a page from another site may not listen in.
    WsClient same_host(port(), "/ws/events", "http://127.0.0.1:3000");
    EXPECT_TRUE(same_host.handshake_ok());
    WsClient foreign(port(), "/ws/events", "https://evil.example");
    EXPECT_FALSE(foreign.handshake_ok());
    EXPECT_EQ(foreign.status(), 403u);
}

}  // namespace
}  // namespace venom::testing

#include "fakes/fake_http_server.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;

class ScopeExit {
public:
    explicit ScopeExit(std::function<void()> action) : action_(std::move(action)) {}
    ~ScopeExit() { action_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

private:
    std::function<void()> action_;
};

class FakeHttpServerTest : public ::testing::Test {
protected:
    void SetUp() override { server_.start(); }

    std::string url(const std::string& target) const { return server_.base_url() + target; }

    FakeHttpServer server_;
};

TEST_F(FakeHttpServerTest, ServesScriptedJsonRoute) {
    server_.on("GET", "/api/tags",
               [](const FakeRequest&) { return FakeResponse::json(200, R"({"models":[]})"); });

    const HttpReply result = http_get(url("/api/tags"));

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, R"({"models":[]})");
    EXPECT_NE(result.raw_headers.find("Content-Type: application/json\r\n"), std::string::npos)
        << result.raw_headers;
    EXPECT_NE(server_.port(), 0);
    EXPECT_EQ(server_.base_url(), "http://127.0.0.1:" + std::to_string(server_.port()));
}

TEST_F(FakeHttpServerTest, UnmatchedRequestGets404JsonError) {
    server_.on("GET", "/api/tags",
               [](const FakeRequest&) { return FakeResponse::json(200, "{}"); });

    const HttpReply other_path = http_get(url("/api/tagsX"));
    const HttpReply other_method =
        http_call({.method = "POST", .url = url("/api/tags"), .body = ""});

    ASSERT_EQ(other_path.code, CURLE_OK) << other_path.error;
    EXPECT_EQ(other_path.status, 404);
    EXPECT_EQ(other_path.body, R"({"error":"not found"})");
    ASSERT_EQ(other_method.code, CURLE_OK) << other_method.error;
    EXPECT_EQ(other_method.status, 404);
    // Unmatched requests are still logged, so a test can see what its client asked for.
    EXPECT_EQ(server_.request_count("/api/tagsX"), 1u);
}

TEST_F(FakeHttpServerTest, RequestLogCapturesMethodTargetHeadersAndBodyOfPost) {
    server_.on("POST", "/api/pull", [](const FakeRequest& request) {
        // Handlers see the same request the log records.
        return FakeResponse::json(200, R"({"echo":")" + request.body.substr(2, 5) + "\"}");
    });
    const std::string body = R"({"model":"llama3","stream":false})";

    const HttpReply result =
        http_call({.method = "POST",
                   .url = url("/api/pull?insecure=true&x=1"),
                   .headers = {"Content-Type: application/json", "X-Api-Key: secret-1"},
                   .body = body});

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, R"({"echo":"model"})");
    const std::vector<FakeRequest> requests = server_.requests();
    ASSERT_EQ(requests.size(), 1u);
    const FakeRequest& request = requests[0];
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/api/pull?insecure=true&x=1");
    EXPECT_EQ(request.path, "/api/pull");
    EXPECT_EQ(request.query, "insecure=true&x=1");
    EXPECT_EQ(request.body, body);
    EXPECT_EQ(request.header("x-api-key"), "secret-1");
    EXPECT_EQ(request.header("CONTENT-TYPE"), "application/json");
    EXPECT_EQ(request.header("Content-Length"), std::to_string(body.size()));
    EXPECT_FALSE(request.header("X-Absent").has_value());
    EXPECT_EQ(server_.request_count("/api/pull"), 1u);
    EXPECT_EQ(server_.request_count("/api/pull?insecure=true&x=1"), 0u);

    server_.clear_requests();
    EXPECT_TRUE(server_.requests().empty());
}

TEST_F(FakeHttpServerTest, NdjsonStreamArrivesInOrderSpacedByDelays) {
    const std::vector<std::string> lines = {
        R"({"status":"pulling manifest"})",
        R"({"status":"pulling abc","total":100})",
        R"({"status":"pulling abc","total":100,"completed":100})",
        R"({"status":"success"})",
    };
    constexpr auto delay = 100ms;
    server_.on("POST", "/api/pull",
               [&](const FakeRequest&) { return FakeResponse::ndjson_stream(lines, delay); });

    const auto started = std::chrono::steady_clock::now();
    const HttpReply result =
        http_call({.method = "POST", .url = url("/api/pull"), .body = R"({"model":"llama3"})"});
    const auto elapsed = std::chrono::steady_clock::now() - started;

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n");
    EXPECT_NE(result.raw_headers.find("Content-Type: application/x-ndjson\r\n"), std::string::npos);
    EXPECT_NE(result.raw_headers.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
    // The first line is immediate, each later one waits `delay` on the server.
    EXPECT_GE(elapsed, delay * static_cast<int>(lines.size() - 1));
}

TEST_F(FakeHttpServerTest, ResetAfterBytesFailsWithReceiveErrorAfterExactlyThoseBytes) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, std::string(10000, 'x'));
        response.reset_after_bytes = 1000;
        return response;
    });

    const HttpReply result = http_get(url("/blob"));

    EXPECT_EQ(result.code, CURLE_RECV_ERROR) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body.size(), 1000u);
}

TEST_F(FakeHttpServerTest, ResetAfterBytesInLargeChunkedStreamDeliversExactlyThoseBytes) {
    // Megabytes exceed the socket buffers, so this exercises waiting for the bytes to be
    // acknowledged before the reset discards what is still queued.
    static constexpr std::size_t chunk_size = 1 << 20;
    static constexpr std::size_t reset_at = 2 * chunk_size + chunk_size / 2;
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response;
        for (char fill : {'a', 'b', 'c', 'd'}) {
            response.chunks.push_back(FakeChunk{std::string(chunk_size, fill)});
        }
        response.reset_after_bytes = reset_at;
        return response;
    });

    const HttpReply result = http_get(url("/blob"));

    EXPECT_EQ(result.code, CURLE_RECV_ERROR) << result.error;
    ASSERT_EQ(result.body.size(), reset_at);
    EXPECT_EQ(result.body.back(), 'c');
}

TEST_F(FakeHttpServerTest, StallAfterBytesTripsClientLowSpeedTimeout) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, std::string(10000, 'x'));
        response.stall_after_bytes = 500;
        return response;
    });

    const HttpReply result = http_call({.url = url("/blob"), .curl_setup = [](CURL* curl) {
                                            // Below 1 KiB/s for 1 s: the 500 bytes sent first
                                            // cannot hold the average above that.
                                            curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
                                            curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 1L);
                                        }});

    EXPECT_EQ(result.code, CURLE_OPERATION_TIMEDOUT) << result.error;
    EXPECT_EQ(result.body.size(), 500u);
}

TEST_F(FakeHttpServerTest, ContentLengthLargerThanBodyIsPartialFile) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, "hello");
        response.content_length = 100;
        return response;
    });

    const HttpReply result = http_get(url("/blob"));

    EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
    EXPECT_EQ(result.body, "hello");
}

TEST_F(FakeHttpServerTest, ContentLengthSmallerThanBodyTruncatesAndConnectionStaysUsable) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, "hello world");
        response.content_length = 5;
        return response;
    });
    HttpSession client;

    const HttpReply first = client.call({.url = url("/blob")});
    const HttpReply second = client.call({.url = url("/blob")});

    ASSERT_EQ(first.code, CURLE_OK) << first.error;
    EXPECT_EQ(first.body, "hello");
    // The excess bytes must not leak into the next response on a reused connection.
    ASSERT_EQ(second.code, CURLE_OK) << second.error;
    EXPECT_EQ(second.body, "hello");
}

TEST_F(FakeHttpServerTest, CloseAfterHeadersIsPartialFile) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::json(200, R"({"a":1})");
        response.close_after_headers = true;
        return response;
    });

    const HttpReply result = http_get(url("/blob"));

    EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_TRUE(result.body.empty());
}

TEST_F(FakeHttpServerTest, RedirectCarriesLocationAndCanBeFollowed) {
    server_.on("GET", "/org/model/resolve/main/config.json",
               [](const FakeRequest&) { return FakeResponse::redirect(302, "/cdn/config.json"); });
    server_.on("GET", "/cdn/config.json",
               [](const FakeRequest&) { return FakeResponse::json(200, R"({"ok":true})"); });

    const HttpReply unfollowed = http_get(url("/org/model/resolve/main/config.json"));
    const HttpReply followed =
        http_call({.url = url("/org/model/resolve/main/config.json"), .follow_redirects = true});

    ASSERT_EQ(unfollowed.code, CURLE_OK) << unfollowed.error;
    EXPECT_EQ(unfollowed.status, 302);
    EXPECT_NE(unfollowed.raw_headers.find("Location: /cdn/config.json\r\n"), std::string::npos)
        << unfollowed.raw_headers;
    ASSERT_EQ(followed.code, CURLE_OK) << followed.error;
    EXPECT_EQ(followed.status, 200);
    EXPECT_EQ(followed.body, R"({"ok":true})");
    EXPECT_EQ(server_.request_count("/cdn/config.json"), 1u);
}

TEST_F(FakeHttpServerTest, ServesTwoConcurrentClientsWhileAnotherStreamIsDelayed) {
    server_.on("GET", "/slow", [](const FakeRequest&) {
        FakeResponse response;
        response.chunks = {FakeChunk{"first\n"}, FakeChunk{"never\n", 60s}};
        return response;
    });
    server_.on("GET", "/fast",
               [](const FakeRequest&) { return FakeResponse::json(200, R"({"fast":true})"); });

    std::promise<void> first_chunk_seen;
    std::atomic<bool> slow_finished{false};
    HttpReply slow_result;
    std::thread slow_client([&] {
        bool signalled = false;
        slow_result = http_call({.url = url("/slow"), .on_body = [&](const std::string& body) {
                                     if (!signalled && body == "first\n") {
                                         signalled = true;
                                         first_chunk_seen.set_value();
                                     }
                                 }});
        slow_finished = true;
    });
    // Stopping the server is what ends the slow stream, also when an assertion bails out.
    const ScopeExit join_slow_client([&] {
        server_.stop();
        if (slow_client.joinable()) {
            slow_client.join();
        }
    });
    ASSERT_EQ(first_chunk_seen.get_future().wait_for(10s), std::future_status::ready);

    auto fast_one = std::async(std::launch::async, [&] { return http_get(url("/fast")); });
    auto fast_two = std::async(std::launch::async, [&] { return http_get(url("/fast")); });
    const HttpReply one = fast_one.get();
    const HttpReply two = fast_two.get();

    ASSERT_EQ(one.code, CURLE_OK) << one.error;
    EXPECT_EQ(one.body, R"({"fast":true})");
    ASSERT_EQ(two.code, CURLE_OK) << two.error;
    EXPECT_EQ(two.body, R"({"fast":true})");
    EXPECT_FALSE(slow_finished.load());

    server_.stop();
    slow_client.join();
    // The server closing mid-stream is a truncated chunked body for the client.
    EXPECT_EQ(slow_result.code, CURLE_PARTIAL_FILE) << slow_result.error;
    EXPECT_EQ(slow_result.body, "first\n");
    // A stopped fake refuses connections, which is how a test takes an upstream down.
    EXPECT_EQ(http_get(url("/fast")).code, CURLE_COULDNT_CONNECT);
}

TEST(FakeHttpServerLifetimeTest, DestructorReturnsWhileAClientIsStalledMidResponse) {
    auto server = std::make_unique<FakeHttpServer>();
    server->start();
    server->on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, std::string(1000, 'x'));
        response.stall_after_bytes = 100;
        return response;
    });
    const std::string blob_url = server->base_url() + "/blob";
    std::promise<void> stalled;
    HttpReply result;
    std::thread client([&] {
        bool signalled = false;
        result = http_call({.url = blob_url, .on_body = [&](const std::string& body) {
                                if (!signalled && body.size() == 100) {
                                    signalled = true;
                                    stalled.set_value();
                                }
                            }});
    });
    const ScopeExit join_client([&] {
        server.reset();
        if (client.joinable()) {
            client.join();
        }
    });
    ASSERT_EQ(stalled.get_future().wait_for(10s), std::future_status::ready);

    server.reset();
    client.join();

    EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
    EXPECT_EQ(result.body.size(), 100u);
}

TEST_F(FakeHttpServerTest, KeepAliveReusesConnectionAndConnectionCloseIsHonoured) {
    server_.on("GET", "/ping", [](const FakeRequest&) { return FakeResponse::text(200, "pong"); });
    HttpSession client;
    const HttpCall ping{.url = url("/ping")};
    const HttpCall ping_asking_to_close{.url = url("/ping"), .headers = {"Connection: close"}};

    ASSERT_EQ(client.call(ping).code, CURLE_OK);
    ASSERT_EQ(client.call(ping).code, CURLE_OK);
    const HttpReply closing = client.call(ping_asking_to_close);
    ASSERT_EQ(client.call(ping).code, CURLE_OK);

    ASSERT_EQ(closing.code, CURLE_OK) << closing.error;
    EXPECT_NE(closing.raw_headers.find("Connection: close\r\n"), std::string::npos);
    const std::vector<FakeRequest> requests = server_.requests();
    ASSERT_EQ(requests.size(), 4u);
    EXPECT_EQ(requests[0].connection_id, requests[1].connection_id);
    EXPECT_EQ(requests[1].connection_id, requests[2].connection_id);
    EXPECT_NE(requests[2].connection_id, requests[3].connection_id);
}

TEST_F(FakeHttpServerTest, PrefixRoutesLoseToExactOnesAndOnReplacesWhileRunning) {
    server_.on_prefix("GET", "/api/models/", [](const FakeRequest& request) {
        return FakeResponse::text(200, "prefix:" + request.path.substr(12));
    });
    server_.on("GET", "/api/models/org/exact",
               [](const FakeRequest&) { return FakeResponse::text(200, "exact"); });

    EXPECT_EQ(http_get(url("/api/models/org/name?expand[]=sha")).body, "prefix:org/name");
    EXPECT_EQ(http_get(url("/api/models/org/exact")).body, "exact");

    server_.on("GET", "/api/models/org/exact",
               [](const FakeRequest&) { return FakeResponse::text(200, "replaced"); });
    EXPECT_EQ(http_get(url("/api/models/org/exact")).body, "replaced");

    // HEAD falls back to the GET route and gets its headers only.
    const HttpReply head = http_call({.method = "HEAD", .url = url("/api/models/org/exact")});
    ASSERT_EQ(head.code, CURLE_OK) << head.error;
    EXPECT_EQ(head.status, 200);
    EXPECT_NE(head.raw_headers.find("Content-Length: 8\r\n"), std::string::npos)
        << head.raw_headers;
    EXPECT_TRUE(head.body.empty());

    server_.clear_routes();
    EXPECT_EQ(http_get(url("/api/models/org/exact")).status, 404);
}

TEST_F(FakeHttpServerTest, ThrowingHandlerBecomes500WithItsMessage) {
    server_.on("GET", "/boom", [](const FakeRequest&) -> FakeResponse {
        throw std::runtime_error("scripted \"failure\"");
    });

    const HttpReply result = http_get(url("/boom"));

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 500);
    EXPECT_EQ(result.body, R"({"error":"fake handler threw: scripted \"failure\""})");
}

TEST_F(FakeHttpServerTest, WaitForRequestsIsBounded) {
    EXPECT_FALSE(server_.wait_for_requests(1, 20ms));

    std::thread client([&] { http_get(url("/anything")); });
    const bool arrived = server_.wait_for_requests(1, 10s);
    client.join();

    EXPECT_TRUE(arrived);
    EXPECT_EQ(server_.request_count("/anything"), 1u);
}

}  // namespace
}  // namespace venom::testing

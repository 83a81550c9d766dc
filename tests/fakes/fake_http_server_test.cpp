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

namespace venom::testing {
namespace {

using namespace std::chrono_literals;

// curl_global_init is not thread-safe on every build; do it once before any test spawns threads.
class CurlEnvironment : public ::testing::Environment {
public:
    void SetUp() override { ASSERT_EQ(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK); }
    void TearDown() override { curl_global_cleanup(); }
};

[[maybe_unused]] ::testing::Environment* const curl_environment =
    ::testing::AddGlobalTestEnvironment(new CurlEnvironment);

class ScopeExit {
public:
    explicit ScopeExit(std::function<void()> action) : action_(std::move(action)) {}
    ~ScopeExit() { action_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

private:
    std::function<void()> action_;
};

struct CurlResult {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
    std::string headers; // raw header block, status line included
    std::string error;   // curl's error buffer
};

using CurlSetup = std::function<void(CURL*)>;
// Called from curl's write callback with the body received so far.
using BodyObserver = std::function<void(const std::string&)>;

// One easy handle, so that successive requests may reuse a keep-alive connection.
class CurlClient {
public:
    CurlClient() : handle_(curl_easy_init()) {
        if (handle_ == nullptr) {
            throw std::runtime_error("curl_easy_init failed");
        }
    }
    ~CurlClient() { curl_easy_cleanup(handle_); }
    CurlClient(const CurlClient&) = delete;
    CurlClient& operator=(const CurlClient&) = delete;

    CurlResult fetch(const std::string& url, const CurlSetup& setup = {},
                     BodyObserver observer = {}) {
        // Reset keeps the connection cache, which the keep-alive test relies on.
        curl_easy_reset(handle_);
        Sink sink{{}, std::move(observer)};
        std::string headers;
        char error[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
        // A developer's proxy variables must not route loopback traffic elsewhere.
        curl_easy_setopt(handle_, CURLOPT_NOPROXY, "*");
        // Backstop so a broken fake fails a test instead of hanging the suite.
        curl_easy_setopt(handle_, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &CurlClient::on_body);
        curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &CurlClient::on_header);
        curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &headers);
        curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error);
        if (setup) {
            setup(handle_);
        }
        CurlResult result;
        result.code = curl_easy_perform(handle_);
        curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &result.status);
        curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, nullptr);
        result.body = std::move(sink.body);
        result.headers = std::move(headers);
        result.error = error;
        return result;
    }

private:
    struct Sink {
        std::string body;
        BodyObserver observer;
    };

    static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
        auto* sink = static_cast<Sink*>(user);
        sink->body.append(data, size * count);
        if (sink->observer) {
            sink->observer(sink->body);
        }
        return size * count;
    }

    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
        static_cast<std::string*>(user)->append(data, size * count);
        return size * count;
    }

    CURL* handle_;
};

CurlResult fetch(const std::string& url, const CurlSetup& setup = {}, BodyObserver observer = {}) {
    CurlClient client;
    return client.fetch(url, setup, std::move(observer));
}

// curl keeps its own header list alive only by pointer; this owns it for the request.
class HeaderList {
public:
    explicit HeaderList(const std::vector<std::string>& lines) {
        for (const auto& line : lines) {
            list_ = curl_slist_append(list_, line.c_str());
        }
    }
    ~HeaderList() { curl_slist_free_all(list_); }
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    curl_slist* get() const { return list_; }

private:
    curl_slist* list_ = nullptr;
};

class FakeHttpServerTest : public ::testing::Test {
protected:
    void SetUp() override { server_.start(); }

    std::string url(const std::string& target) const { return server_.base_url() + target; }

    FakeHttpServer server_;
};

TEST_F(FakeHttpServerTest, ServesScriptedJsonRoute) {
    server_.on("GET", "/api/tags", [](const FakeRequest&) {
        return FakeResponse::json(200, R"({"models":[]})");
    });

    const CurlResult result = fetch(url("/api/tags"));

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, R"({"models":[]})");
    EXPECT_NE(result.headers.find("Content-Type: application/json\r\n"), std::string::npos)
        << result.headers;
    EXPECT_NE(server_.port(), 0);
    EXPECT_EQ(server_.base_url(), "http://127.0.0.1:" + std::to_string(server_.port()));
}

TEST_F(FakeHttpServerTest, UnmatchedRequestGets404JsonError) {
    server_.on("GET", "/api/tags",
               [](const FakeRequest&) { return FakeResponse::json(200, "{}"); });

    const CurlResult other_path = fetch(url("/api/tagsX"));
    const CurlResult other_method =
        fetch(url("/api/tags"), [](CURL* curl) { curl_easy_setopt(curl, CURLOPT_POSTFIELDS, ""); });

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
    const HeaderList headers({"Content-Type: application/json", "X-Api-Key: secret-1"});
    const std::string body = R"({"model":"llama3","stream":false})";

    const CurlResult result = fetch(url("/api/pull?insecure=true&x=1"), [&](CURL* curl) {
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    });

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
    const CurlResult result = fetch(url("/api/pull"), [](CURL* curl) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, R"({"model":"llama3"})");
    });
    const auto elapsed = std::chrono::steady_clock::now() - started;

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n");
    EXPECT_NE(result.headers.find("Content-Type: application/x-ndjson\r\n"), std::string::npos);
    EXPECT_NE(result.headers.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
    // The first line is immediate, each later one waits `delay` on the server.
    EXPECT_GE(elapsed, delay * static_cast<int>(lines.size() - 1));
}

TEST_F(FakeHttpServerTest, ResetAfterBytesFailsWithReceiveErrorAfterExactlyThoseBytes) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, std::string(10000, 'x'));
        response.reset_after_bytes = 1000;
        return response;
    });

    const CurlResult result = fetch(url("/blob"));

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

    const CurlResult result = fetch(url("/blob"));

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

    const CurlResult result = fetch(url("/blob"), [](CURL* curl) {
        // Below 1 KiB/s for 1 s: the 500 bytes sent first cannot hold the average above that.
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 1L);
    });

    EXPECT_EQ(result.code, CURLE_OPERATION_TIMEDOUT) << result.error;
    EXPECT_EQ(result.body.size(), 500u);
}

TEST_F(FakeHttpServerTest, ContentLengthLargerThanBodyIsPartialFile) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, "hello");
        response.content_length = 100;
        return response;
    });

    const CurlResult result = fetch(url("/blob"));

    EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
    EXPECT_EQ(result.body, "hello");
}

TEST_F(FakeHttpServerTest, ContentLengthSmallerThanBodyTruncatesAndConnectionStaysUsable) {
    server_.on("GET", "/blob", [](const FakeRequest&) {
        FakeResponse response = FakeResponse::text(200, "hello world");
        response.content_length = 5;
        return response;
    });
    CurlClient client;

    const CurlResult first = client.fetch(url("/blob"));
    const CurlResult second = client.fetch(url("/blob"));

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

    const CurlResult result = fetch(url("/blob"));

    EXPECT_EQ(result.code, CURLE_PARTIAL_FILE) << result.error;
    EXPECT_EQ(result.status, 200);
    EXPECT_TRUE(result.body.empty());
}

TEST_F(FakeHttpServerTest, RedirectCarriesLocationAndCanBeFollowed) {
    server_.on("GET", "/org/model/resolve/main/config.json", [](const FakeRequest&) {
        return FakeResponse::redirect(302, "/cdn/config.json");
    });
    server_.on("GET", "/cdn/config.json",
               [](const FakeRequest&) { return FakeResponse::json(200, R"({"ok":true})"); });

    const CurlResult unfollowed = fetch(url("/org/model/resolve/main/config.json"));
    const CurlResult followed = fetch(url("/org/model/resolve/main/config.json"), [](CURL* curl) {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    });

    ASSERT_EQ(unfollowed.code, CURLE_OK) << unfollowed.error;
    EXPECT_EQ(unfollowed.status, 302);
    EXPECT_NE(unfollowed.headers.find("Location: /cdn/config.json\r\n"), std::string::npos)
        << unfollowed.headers;
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
    CurlResult slow_result;
    std::thread slow_client([&] {
        bool signalled = false;
        slow_result = fetch(url("/slow"), {}, [&](const std::string& body) {
            if (!signalled && body == "first\n") {
                signalled = true;
                first_chunk_seen.set_value();
            }
        });
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

    auto fast_one = std::async(std::launch::async, [&] { return fetch(url("/fast")); });
    auto fast_two = std::async(std::launch::async, [&] { return fetch(url("/fast")); });
    const CurlResult one = fast_one.get();
    const CurlResult two = fast_two.get();

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
    EXPECT_EQ(fetch(url("/fast")).code, CURLE_COULDNT_CONNECT);
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
    CurlResult result;
    std::thread client([&] {
        bool signalled = false;
        result = fetch(blob_url, {}, [&](const std::string& body) {
            if (!signalled && body.size() == 100) {
                signalled = true;
                stalled.set_value();
            }
        });
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
    CurlClient client;
    const HeaderList close_header({"Connection: close"});
    const auto ask_to_close = [&](CURL* curl) {
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, close_header.get());
    };

    ASSERT_EQ(client.fetch(url("/ping")).code, CURLE_OK);
    ASSERT_EQ(client.fetch(url("/ping")).code, CURLE_OK);
    const CurlResult closing = client.fetch(url("/ping"), ask_to_close);
    ASSERT_EQ(client.fetch(url("/ping")).code, CURLE_OK);

    ASSERT_EQ(closing.code, CURLE_OK) << closing.error;
    EXPECT_NE(closing.headers.find("Connection: close\r\n"), std::string::npos);
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

    EXPECT_EQ(fetch(url("/api/models/org/name?expand[]=sha")).body, "prefix:org/name");
    EXPECT_EQ(fetch(url("/api/models/org/exact")).body, "exact");

    server_.on("GET", "/api/models/org/exact",
               [](const FakeRequest&) { return FakeResponse::text(200, "replaced"); });
    EXPECT_EQ(fetch(url("/api/models/org/exact")).body, "replaced");

    // HEAD falls back to the GET route and gets its headers only.
    const CurlResult head = fetch(url("/api/models/org/exact"),
                                  [](CURL* curl) { curl_easy_setopt(curl, CURLOPT_NOBODY, 1L); });
    ASSERT_EQ(head.code, CURLE_OK) << head.error;
    EXPECT_EQ(head.status, 200);
    EXPECT_NE(head.headers.find("Content-Length: 8\r\n"), std::string::npos) << head.headers;
    EXPECT_TRUE(head.body.empty());

    server_.clear_routes();
    EXPECT_EQ(fetch(url("/api/models/org/exact")).status, 404);
}

TEST_F(FakeHttpServerTest, ThrowingHandlerBecomes500WithItsMessage) {
    server_.on("GET", "/boom", [](const FakeRequest&) -> FakeResponse {
        throw std::runtime_error("scripted \"failure\"");
    });

    const CurlResult result = fetch(url("/boom"));

    ASSERT_EQ(result.code, CURLE_OK) << result.error;
    EXPECT_EQ(result.status, 500);
    EXPECT_EQ(result.body, R"({"error":"fake handler threw: scripted \"failure\""})");
}

TEST_F(FakeHttpServerTest, WaitForRequestsIsBounded) {
    EXPECT_FALSE(server_.wait_for_requests(1, 20ms));

    std::thread client([&] { fetch(url("/anything")); });
    const bool arrived = server_.wait_for_requests(1, 10s);
    client.join();

    EXPECT_TRUE(arrived);
    EXPECT_EQ(server_.request_count("/anything"), 1u);
}

} // namespace
} // namespace venom::testing

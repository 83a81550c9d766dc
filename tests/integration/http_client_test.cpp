// net::perform against fake upstreams that misbehave the ways real ones do.
#include "venom/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "fakes/fake_http_server.hpp"

namespace venom::net {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

TEST(HttpClientTest, GetsStatusBodyAndHeaders) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/api/tags", [](const FakeRequest&) {
        return FakeResponse::json(200, R"({"models":[]})").with_header("X-Thing", "yes");
    });
    auto reply = perform({.url = server.base_url() + "/api/tags"});
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, R"({"models":[]})");
    EXPECT_EQ(reply->headers["x-thing"], "yes");
}

TEST(HttpClientTest, SendsMethodHeadersAndBodyEvenOnDelete) {
    FakeHttpServer server;
    server.start();
    server.on("DELETE", "/api/delete",
              [](const FakeRequest&) { return FakeResponse::text(200, ""); });
    auto reply = perform({.method = "DELETE",
                          .url = server.base_url() + "/api/delete",
                          .headers = {"Content-Type: application/json"},
                          .body = R"({"model":"llama3"})"});
    ASSERT_TRUE(reply.ok());
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].body, R"({"model":"llama3"})");
    EXPECT_EQ(requests[0].header("content-type"), "application/json");
}

TEST(HttpClientTest, ErrorStatusesAreRepliesNotTransportErrors) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/x", [](const FakeRequest&) {
        return FakeResponse::json(404, R"({"error":"model 'x' not found"})");
    });
    auto reply = perform({.url = server.base_url() + "/x"});
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 404);
}

TEST(HttpClientTest, StreamsPiecesAsTheyArrive) {
    FakeHttpServer server;
    server.start();
    server.on("POST", "/api/pull", [](const FakeRequest&) {
        return FakeResponse::ndjson_stream({R"({"status":"a"})", R"({"status":"b"})"}, 20ms);
    });
    std::string seen;
    auto reply = perform({.method = "POST",
                          .url = server.base_url() + "/api/pull",
                          .on_data = [&](std::string_view piece) {
                              seen += piece;
                              return true;
                          }});
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(seen, "{\"status\":\"a\"}\n{\"status\":\"b\"}\n");
    EXPECT_TRUE(reply->body.empty());
}

TEST(HttpClientTest, StallIsA504SayingSo) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/slow", [](const FakeRequest&) {
        FakeResponse r = FakeResponse::text(200, std::string(1000, 'x'));
        r.stall_after_bytes = 10;
        return r;
    });
    auto reply = perform({.url = server.base_url() + "/slow", .stall_timeout = 1500ms});
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().http_status, 504);
    EXPECT_NE(reply.error().message.find("stalled"), std::string::npos);
}

TEST(HttpClientTest, ResetAndRefusedAre502) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/reset", [](const FakeRequest&) {
        FakeResponse r = FakeResponse::text(200, std::string(100000, 'x'));
        r.reset_after_bytes = 100;
        return r;
    });
    auto reset = perform({.url = server.base_url() + "/reset"});
    ASSERT_FALSE(reset.ok());
    EXPECT_EQ(reset.error().http_status, 502);
    const std::string url = server.base_url() + "/gone";
    server.stop();
    auto refused = perform({.url = url});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "upstream_unreachable");
}

TEST(HttpClientTest, CancelStopsATransferInFlight) {
    FakeHttpServer server;
    server.start();
    server.on("GET", "/stream", [](const FakeRequest&) {
        std::vector<std::string> lines(50, R"({"status":"tick"})");
        return FakeResponse::ndjson_stream(lines, 100ms);
    });
    std::atomic<int> pieces{0};
    auto reply = perform({.url = server.base_url() + "/stream",
                          .on_data =
                              [&](std::string_view) {
                                  ++pieces;
                                  return true;
                              },
                          .cancelled = [&] { return pieces >= 2; }});
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().http_status, 499);
    EXPECT_LT(pieces.load(), 50);
}

TEST(HttpClientTest, FollowsARedirectToAnotherHost) {
    FakeHttpServer cdn, origin;
    cdn.start();
    origin.start();
    cdn.on("GET", "/blob", [](const FakeRequest&) { return FakeResponse::text(200, "bytes"); });
    origin.on("GET", "/file", [&](const FakeRequest&) {
        return FakeResponse::redirect(302, cdn.base_url() + "/blob");
    });
    auto reply = perform({.url = origin.base_url() + "/file"});
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "bytes");
}

TEST(UrlEncodeTest, EncodesReservedCharacters) {
    EXPECT_EQ(url_encode("llama 3+1/x?&"), "llama%203%2B1%2Fx%3F%26");
    EXPECT_EQ(url_encode("qwen2.5-coder_7b~"), "qwen2.5-coder_7b~");
}

}  // namespace
}  // namespace venom::net

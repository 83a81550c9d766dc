// Issue 9, finding 7: upstream answers are read up to a cap, by kind: a gzip page that decodes
// to gigabytes, a huge chunked page and one endless pull progress line each fail at the cap
// with 502 upstream_too_large, instead of growing venomd's memory until the timers fire.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "fakes/fake_http_server.hpp"
#include "providers/ollama/client.hpp"
#include "venom/http_client.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;

// `size` zero bytes, gzip-compressed (about 1/1000 of the size).
std::string gzip_of_zeros(std::size_t size) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    const std::string zeros(1 << 20, '\0');
    std::string out;
    char buffer[1 << 16];
    for (std::size_t fed = 0; fed < size;) {
        const std::size_t n = std::min(zeros.size(), size - fed);
        fed += n;
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
        z.avail_in = static_cast<uInt>(n);
        const int flush = fed == size ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = reinterpret_cast<Bytef*>(buffer);
            z.avail_out = sizeof buffer;
            deflate(&z, flush);
            out.append(buffer, sizeof buffer - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    return out;
}

TEST(UpstreamLimitsTest, AGzipBombFailsAtTheDecodedCap) {
    const std::string bomb = gzip_of_zeros(std::size_t{256} << 20);  // 256 MiB decoded
    ASSERT_LT(bomb.size(), std::size_t{1} << 20);
    FakeHttpServer server;
    server.on("GET", "/api/models", [&](const FakeRequest&) {
        return FakeResponse::json(200, bomb).with_header("Content-Encoding", "gzip");
    });
    server.start();
    net::HttpCall call;
    call.url = server.base_url() + "/api/models";
    auto reply = net::perform(call);  // the default cap: 16 MiB decoded
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().http_status, 502);
    EXPECT_EQ(reply.error().code, "upstream_too_large");
    EXPECT_NE(reply.error().message.find("upstream answer larger than 16 MiB"), std::string::npos)
        << reply.error().message;
}

TEST(UpstreamLimitsTest, AHugeChunkedPageFailsAtTheCap) {
    FakeHttpServer server;
    server.on("GET", "/library", [](const FakeRequest&) {
        FakeResponse page = FakeResponse::text(200, "", "text/html");
        for (int i = 0; i < 64; ++i) page.chunks.push_back({std::string(1 << 20, 'x'), 0ms});
        return page;
    });
    server.start();
    net::HttpCall call;
    call.url = server.base_url() + "/library";
    call.max_body_bytes = 4 << 20;
    auto reply = net::perform(call);
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().code, "upstream_too_large");
    EXPECT_NE(reply.error().message.find("larger than 4 MiB"), std::string::npos)
        << reply.error().message;

    call.max_body_bytes = 0;  // no cap: the same page is read whole
    auto whole = net::perform(call);
    ASSERT_TRUE(whole.ok()) << whole.error().message;
    EXPECT_EQ(whole->body.size(), std::size_t{64} << 20);
}

TEST(UpstreamLimitsTest, AnEndlessPullLineFailsAtTheLineCapNotAtTheStallTimer) {
    FakeHttpServer server;
    server.on("POST", "/api/pull", [](const FakeRequest&) {
        FakeResponse stream = FakeResponse::text(200, "", "application/x-ndjson");
        stream.chunks.push_back({R"({"status":"pulling manifest"})"
                                 "\n{\"status\":\"",
                                 0ms});
        for (int i = 0; i < 16; ++i) stream.chunks.push_back({std::string(256 << 10, 'a'), 0ms});
        stream.chunks.push_back({"", 600s});  // then nothing, with the connection open
        return stream;
    });
    server.start();
    providers::OllamaClient::Timeouts timeouts;
    timeouts.pull_stall = 600s;
    providers::OllamaClient client(server.base_url(), timeouts);
    int progress_lines = 0;
    auto pulled = client.pull(
        "llama3:8b", [&](const providers::PullProgress&) { ++progress_lines; },
        [] { return false; });
    ASSERT_FALSE(pulled.ok());
    EXPECT_EQ(pulled.error().http_status, 502);
    EXPECT_EQ(pulled.error().code, "upstream_too_large");
    EXPECT_NE(pulled.error().message.find("progress line longer than 1024 KiB"), std::string::npos)
        << pulled.error().message;
    EXPECT_EQ(progress_lines, 1);  // the line before the endless one was read normally
}

}  // namespace
}  // namespace venom::testing

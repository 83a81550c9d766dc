// The request parser settings the server and the fuzz harness share (src/http).
#include "http/request_parser_limits.hpp"

#include <gtest/gtest.h>

#include <string>

namespace venom::http {
namespace {

namespace bhttp = boost::beast::http;

std::string chunked_with_trailer(std::size_t size) {
    return "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           "2\r\n{}\r\n0\r\nX-Trailer: " +
           std::string(size, 'a') + "\r\n\r\n";
}

TEST(RequestParserLimitsTest, PlainBeastParserThrowsOnA64KiBTrailerField) {
    // Why RequestParser exists: Beast's own parser lets this escape as an exception.
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    const std::string bytes = chunked_with_trailer(70 * 1024);
    boost::beast::error_code ec;
    EXPECT_THROW(parser.put(boost::asio::buffer(bytes), ec), std::length_error);
}

TEST(RequestParserLimitsTest, A64KiBTrailerOverflowsTheBufferInsteadOfThrowing) {
    const RequestLimits limits;
    RequestParser parser(limits);
    EXPECT_EQ(feed_request(parser, chunked_with_trailer(70 * 1024), limits),
              bhttp::error::buffer_overflow);
}

TEST(RequestParserLimitsTest, AnOversizedTrailerFieldIsAHeaderLimitError) {
    const RequestLimits limits;
    RequestParser parser(limits);
    EXPECT_EQ(feed_request(parser, chunked_with_trailer(20 * 1024), limits),
              bhttp::error::header_limit);
}

TEST(RequestParserLimitsTest, AnOrdinaryChunkedRequestParses) {
    ServerOptions options;
    const RequestLimits limits = request_limits(options);
    RequestParser parser(limits);
    EXPECT_FALSE(feed_request(parser, chunked_with_trailer(10), limits));
    EXPECT_EQ(parser.get().body(), "{}");
    EXPECT_EQ(parser.get()["X-Trailer"], "aaaaaaaaaa");
}

TEST(RequestParserLimitsTest, BodyLimitComesFromTheServerOptions) {
    ServerOptions options;
    options.max_body_bytes = 1024;
    const RequestLimits limits = request_limits(options);
    RequestParser parser(limits);
    const std::string bytes =
        "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'b');
    EXPECT_EQ(feed_request(parser, bytes, limits), bhttp::error::body_limit);
}

}  // namespace
}  // namespace venom::http

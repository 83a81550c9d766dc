#pragma once
// How venomd parses one HTTP request: the Beast parser with every limit set, in one place that
// both the server and a fuzz harness use (the harness needs no server: see feed_request()).
//
// Beast's own limits leave two gaps: header_limit() covers the header but not the trailer of a
// chunked body (Beast buffers the whole trailer, then inserts its fields), and basic_fields
// throws std::length_error for a field of 64 KiB or more. RequestParser turns an oversized field
// into error::header_limit instead of an exception, and the server's read buffer is bounded by
// buffer_limit, so a trailer can neither grow without bound nor reach the throwing insert.

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "http/http_server.hpp"

namespace venom::http {

struct RequestLimits {
    std::uint32_t header_limit = 16 * 1024;  // request line and header fields
    std::uint64_t body_limit = 1 << 20;      // decoded body (chunk sizes are counted)
    std::size_t field_limit = 16 * 1024;     // one header or trailer field's name or value
    // Unparsed bytes the server holds for one connection. A chunked trailer is parsed only once
    // complete, so this also bounds the trailer.
    std::size_t buffer_limit = 32 * 1024;
};

inline RequestLimits request_limits(const ServerOptions& options) {
    RequestLimits limits;
    limits.body_limit = options.max_body_bytes;
    return limits;
}

// A request parser that reports an oversized field as error::header_limit instead of letting
// basic_fields throw, and stores nothing it cannot hold.
class RequestParser : public boost::beast::http::request_parser<boost::beast::http::string_body> {
public:
    explicit RequestParser(const RequestLimits& limits) : field_limit_(limits.field_limit) {
        header_limit(limits.header_limit);
        body_limit(limits.body_limit);
    }

private:
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                       boost::beast::string_view value, boost::beast::error_code& ec) override {
        if (name_string.size() > field_limit_ || value.size() > field_limit_) {
            ec = boost::beast::http::error::header_limit;
            return;
        }
        try {
            get().insert(name, name_string, value);
        } catch (const std::exception&) {  // allocation failure: refuse the request, not die
            ec = boost::beast::http::error::header_limit;
        }
    }

    std::size_t field_limit_;
};

// Feeds `bytes` to the parser the way the server's bounded read buffer would: never more than
// `limits.buffer_limit` unparsed bytes at once. Returns the first error: http::error::need_more
// when the request is incomplete, http::error::buffer_overflow when an unparsed part (a trailer)
// outgrows the buffer. For fuzzing and tests; the server reads from its socket instead. Throws
// only if a limit above is missing, which is what a fuzzer should find.
inline boost::beast::error_code feed_request(RequestParser& parser, std::string_view bytes,
                                             const RequestLimits& limits) {
    namespace bhttp = boost::beast::http;
    boost::beast::error_code ec;
    std::size_t start = 0;  // first unparsed byte
    parser.eager(true);
    while (!parser.is_done()) {
        // Beast answers an empty buffer in the body state with no error and no progress.
        if (start == bytes.size()) return bhttp::error::need_more;
        const std::size_t end = std::min(bytes.size(), start + limits.buffer_limit);
        const std::size_t used =
            parser.put(boost::asio::buffer(bytes.data() + start, end - start), ec);
        start += used;
        if (ec == bhttp::error::need_more) {
            if (end == bytes.size()) return ec;
            if (used == 0) return bhttp::error::buffer_overflow;  // the buffer is full
            ec = {};
            continue;
        }
        if (ec) return ec;
    }
    return {};
}

}  // namespace venom::http

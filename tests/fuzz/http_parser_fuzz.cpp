// Beast's request parser with the limits venomd's server sets: any byte stream, fed in
// arbitrary pieces, ends in a parsed request or an error code, never an exception or a crash
// (finding 1 of issue 9: a large trailer field threw out of the session).
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>

#include "http/request_limits.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider input(data, size);
    venom::http::ServerOptions options;
    options.max_body_bytes = 64 * 1024;
    bhttp::request_parser<bhttp::string_body> parser;
    venom::http::apply_request_limits(parser, options);
    boost::beast::error_code ec;
    std::string pending;
    while (input.remaining_bytes() > 0 && !ec && !parser.is_done()) {
        pending += input.ConsumeRandomLengthString(4096);
        // Beast's reads never hand the parser an empty buffer (a null pointer to it).
        if (pending.empty()) continue;
        const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
        if (ec == bhttp::error::need_more) ec = {};
        pending.erase(0, used);
    }
    if (!ec && parser.got_some() && !parser.is_done()) parser.put_eof(ec);
    return 0;
}

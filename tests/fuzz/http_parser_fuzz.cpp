// Beast's request parser with the limits venomd's server sets (src/http/request_parser_limits.hpp):
// any byte stream ends in a parsed request or an error code, never an exception or a crash
// (finding 1 of issue 9: a large trailer field threw out of the session and aborted venomd).
#include <cstdint>
#include <string_view>

#include "http/request_parser_limits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;  // the server never hands the parser an empty read
    venom::http::ServerOptions options;
    options.max_body_bytes = 64 * 1024;
    const auto limits = venom::http::request_limits(options);
    venom::http::RequestParser parser(limits);
    (void)venom::http::feed_request(
        parser, std::string_view(reinterpret_cast<const char*>(data), size), limits);
    return 0;
}

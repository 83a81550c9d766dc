// The router sees every request first: percent-decoding and route matching of any target,
// method and header set must answer (never throw, never hang) with a status the contract knows.
#include <fuzzer/FuzzedDataProvider.h>

#include <cassert>
#include <cstdint>
#include <set>
#include <string>

#include "api/router.hpp"
#include "fuzz_services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static venom::fuzz::EchoServices services;
    static const venom::api::Router router = services.router();
    static const std::set<int> known = {200, 204, 400, 401, 403, 404, 405, 413, 415, 421, 422};

    FuzzedDataProvider input(data, size);
    const bool plus = input.ConsumeBool();
    const std::string text = input.ConsumeRandomLengthString(512);
    auto decoded = venom::api::percent_decode(text, plus);
    if (decoded) {
        assert(decoded->size() <= text.size());
        assert(decoded->find('\0') == std::string::npos);
    }

    venom::api::HttpRequest request;
    static const char* methods[] = {"GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD"};
    request.method = input.ConsumeBool() ? methods[input.ConsumeIntegralInRange<int>(0, 5)]
                                         : input.ConsumeRandomLengthString(8);
    request.target = input.ConsumeRandomLengthString(512);
    const int headers = input.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < headers; ++i) {
        request.headers.emplace_back(input.ConsumeRandomLengthString(32),
                                     input.ConsumeRandomLengthString(64));
    }
    request.body = input.ConsumeRemainingBytesAsString();
    const auto response = router.dispatch_and_wait(request, services.services());
    assert(known.count(response.status));
    return 0;
}

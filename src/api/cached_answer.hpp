#pragma once
// A serialized answer kept until what it was built from changes. The endpoints clients poll
// (GET /health, /models, /system/llm-servers/active) answer from it without building JSON, so
// they stay near a bare server's throughput (bench/http_bench.sh).

#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "api/http_types.hpp"
#include "api/json_response.hpp"

namespace venom::api {

class CachedAnswer {
public:
    // The versions of what the answer is built from.
    using Key = std::pair<std::uint64_t, std::uint64_t>;

    // A 200 with the JSON `build()` returns, rebuilt only when `key` differs from the last
    // call's. Read the versions before calling: a change meanwhile only makes the next call
    // rebuild again.
    template <typename Build>
    HttpResponse answer(Key key, Build&& build) {
        HttpResponse response;
        std::lock_guard lock(mutex_);
        if (key_ != key) {
            body_ = json_response(200, build()).body;
            key_ = key;
        }
        response.body = body_;
        return response;
    }

private:
    std::mutex mutex_;
    std::optional<Key> key_;
    std::string body_;
};

}  // namespace venom::api

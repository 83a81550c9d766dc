#pragma once
// One request's answer, delivered at most once. A handler's own answer, the handler deadline
// (504) and shutdown (503) race for it: the first wins, the others are dropped, so the HTTP
// layer's Respond is called exactly once (issue 9, finding 5).

#include <atomic>
#include <functional>
#include <utility>

#include "api/http_types.hpp"

namespace venom::api {

class AnswerOnce {
public:
    explicit AnswerOnce(std::function<void(HttpResponse)> respond) : respond_(std::move(respond)) {}

    // Delivers `response` unless an answer was delivered already; true when this call did.
    // Thread-safe.
    bool answer(HttpResponse response) {
        if (answered_.exchange(true)) return false;
        auto respond = std::move(respond_);  // release what it holds once it is used
        respond(std::move(response));
        return true;
    }
    bool answered() const { return answered_.load(); }

private:
    std::atomic<bool> answered_{false};
    std::function<void(HttpResponse)> respond_;
};

}  // namespace venom::api

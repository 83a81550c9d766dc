// Issue 9, finding 5: every request gets exactly one answer: a handler that throws on the pool
// answers 500 with a request_id, one that never answers gets 504 at its deadline (and its late
// answer is dropped), and a shutdown answers what still waits with 503.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "api/api_fixture.hpp"
#include "api/json_response.hpp"
#include "api/pool_task.hpp"
#include "api/router.hpp"
#include "support/eventually.hpp"
#include "support/gate.hpp"

namespace venom::api {
namespace {

using namespace std::chrono_literals;

class HandlerDeadlineTest : public testing::ApiFixture {
protected:
    // The pools (the base's) join their workers before release_, which they wait on, goes.
    ~HandlerDeadlineTest() override {
        release_.open();
        pool_.stop();
        action_pool_.stop();
    }

    Router make() {
        RouterOptions options;
        options.handler_timeout = 100ms;
        options.runtime_action_timeout = 60s;
        return Router(
            {
                {"GET", "/throws",
                 AsyncHandler([](const ApiRequest&, Services& s, Respond respond) {
                     answer_from_pool(s.catalog_pool, respond, []() -> HttpResponse {
                         throw std::runtime_error("type must be number, but is string");
                     });
                 }),
                 Access::open},
                {"GET", "/never", AsyncHandler([](const ApiRequest&, Services&, Respond) {}),
                 Access::open},
                {"GET", "/late",
                 AsyncHandler([this](const ApiRequest&, Services& s, Respond respond) {
                     answer_from_pool(s.catalog_pool, respond, [this] {
                         release_.wait();
                         return json_response(200, {{"late", true}});
                     });
                 }),
                 Access::open},
                {"POST", "/switch",
                 AsyncHandler([this](const ApiRequest&, Services& s, Respond respond) {
                     answer_from_pool(s.action_pool, respond, [this] {
                         release_.wait();
                         return json_response(200, {{"switched", true}});
                     });
                 }),
                 Access::open, Body::none, Deadline::runtime_action},
            },
            std::nullopt, {}, options);
    }

    // Dispatches and counts how often the router calls back.
    struct Answers {
        std::mutex mutex;
        std::vector<HttpResponse> got;
        std::size_t size() {
            std::lock_guard lock(mutex);
            return got.size();
        }
    };
    std::shared_ptr<Answers> dispatch(const Router& router, const std::string& method,
                                      const std::string& target) {
        auto answers = std::make_shared<Answers>();
        requests_.push_back(std::make_unique<HttpRequest>(HttpRequest{method, target, {}, ""}));
        router.dispatch(*requests_.back(), services_, [answers](HttpResponse r) {
            std::lock_guard lock(answers->mutex);
            answers->got.push_back(std::move(r));
        });
        return answers;
    }

    testing::Gate release_;
    std::vector<std::unique_ptr<HttpRequest>> requests_;
};

TEST_F(HandlerDeadlineTest, PoolTaskThatThrowsAnswers500WithARequestId) {
    Router router = make();
    auto answers = dispatch(router, "GET", "/throws");
    ASSERT_TRUE(testing::eventually([&] { return answers->size() == 1; }));
    const auto& r = answers->got[0];
    EXPECT_EQ(r.status, 500);
    auto body = body_of(r);
    EXPECT_EQ(body["code"], "internal_error");
    ASSERT_TRUE(body["request_id"].is_string());
    EXPECT_EQ(body["request_id"].get<std::string>().rfind("r-", 0), 0u);
    // No exception text leaks to the client.
    EXPECT_EQ(r.body.find("type must be"), std::string::npos);
}

TEST_F(HandlerDeadlineTest, HandlerThatNeverAnswersGets504AtItsDeadline) {
    Router router = make();
    auto answers = dispatch(router, "GET", "/never");
    ASSERT_TRUE(testing::eventually([&] { return answers->size() == 1; }));
    EXPECT_EQ(answers->got[0].status, 504);
    EXPECT_EQ(body_of(answers->got[0])["code"], "handler_timeout");
    EXPECT_TRUE(body_of(answers->got[0])["request_id"].is_string());
    EXPECT_EQ(router.waiting(), 0u);
}

TEST_F(HandlerDeadlineTest, LateAnswerAfterTheDeadlineIsDroppedSoRespondRunsOnce) {
    Router router = make();
    auto answers = dispatch(router, "GET", "/late");
    ASSERT_TRUE(testing::eventually([&] { return answers->size() == 1; }));
    EXPECT_EQ(answers->got[0].status, 504);
    release_.open();
    // The pool task finishes and answers; that answer must not reach the connection. stop()
    // joins the workers, so the late answer has certainly been given when it returns.
    pool_.stop();
    EXPECT_EQ(answers->size(), 1u);
}

TEST_F(HandlerDeadlineTest, RuntimeActionsGetTheLongerDeadline) {
    Router router = make();
    auto slow = dispatch(router, "POST", "/switch");
    auto quick = dispatch(router, "GET", "/never");
    ASSERT_TRUE(testing::eventually([&] { return quick->size() == 1; }));
    EXPECT_EQ(slow->size(), 0u);  // 100 ms passed for /never; /switch has 60 s
    release_.open();
    ASSERT_TRUE(testing::eventually([&] { return slow->size() == 1; }));
    EXPECT_EQ(slow->got[0].status, 200);
}

TEST_F(HandlerDeadlineTest, ShutDownAnswersEveryWaitingRequest503) {
    RouterOptions long_deadline;
    long_deadline.handler_timeout = 60s;
    Router router({{"GET", "/never", AsyncHandler([](const ApiRequest&, Services&, Respond) {}),
                    Access::open}},
                  std::nullopt, {}, long_deadline);
    std::vector<std::shared_ptr<Answers>> waiting;
    for (int i = 0; i < 5; ++i) waiting.push_back(dispatch(router, "GET", "/never"));
    EXPECT_EQ(router.waiting(), 5u);
    router.shut_down();
    for (auto& answers : waiting) {
        ASSERT_EQ(answers->size(), 1u);
        EXPECT_EQ(answers->got[0].status, 503);
        EXPECT_EQ(body_of(answers->got[0])["code"], "shutting_down");
    }
    auto after = dispatch(router, "GET", "/never");
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->got[0].status, 503);
}

TEST_F(HandlerDeadlineTest, AfterShutDownAnAsyncHandlerIsNotStarted) {
    // A catalog search arriving during shutdown used to run, find its pool stopped and answer
    // 200 "stale" with an error, hiding the shutdown from the client.
    std::atomic<int> started{0};
    Router router({{"GET", "/at-once",
                    AsyncHandler([&started](const ApiRequest&, Services&, Respond respond) {
                        ++started;
                        respond(json_response(200, {{"ran", true}}));
                    }),
                    Access::open}},
                  std::nullopt);
    router.shut_down();
    auto after = dispatch(router, "GET", "/at-once");
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->got[0].status, 503);
    EXPECT_EQ(body_of(after->got[0])["code"], "shutting_down");
    EXPECT_EQ(started, 0);
}

}  // namespace
}  // namespace venom::api

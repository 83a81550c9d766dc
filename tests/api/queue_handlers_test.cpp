// GET /queue/status, pausing and resuming the operation queue, and what a failed operation's
// message says, through the real route table (the web panel reads these).
#include <gtest/gtest.h>

#include "api/api_fixture.hpp"
#include "support/eventually.hpp"

namespace venom::api {
namespace {

using nlohmann::json;
using testing::eventually;

class QueueHandlersTest : public testing::ApiFixture {
protected:
    json operation(const std::string& id) {
        return body_of(call("GET", "/api/v1/models/operations/" + id))["operation"];
    }
    bool reaches(const std::string& id, const std::string& status) {
        return eventually([&] { return operation(id)["status"] == status; });
    }
    std::string install(const std::string& name) {
        auto r = call("POST", "/api/v1/models/registry/install",
                      json{{"name", name}, {"provider", "ollama"}}.dump());
        EXPECT_EQ(r.status, 202) << r.body;
        return body_of(r).value("operation_id", "");
    }
    json queue() {
        auto r = call("GET", "/api/v1/queue/status");
        EXPECT_EQ(r.status, 200) << r.body;
        return body_of(r);
    }
};

TEST_F(QueueHandlersTest, StatusHasWhatThePanelReads) {
    json q = queue();
    EXPECT_EQ(q["status"], "success");
    EXPECT_EQ(q["paused"], false);
    EXPECT_EQ(q["pending"], 0);
    EXPECT_EQ(q["active"], 0);
    EXPECT_EQ(q["limit"], 1);  // the fixture's one worker
    EXPECT_EQ(q["completed"], 0);
    EXPECT_EQ(q["failed"], 0);
}

TEST_F(QueueHandlersTest, PausedQueueHoldsNewInstallsWhileRunningOnesGoOn) {
    provider_->hold_installs = true;
    const std::string running = install("first:latest");
    ASSERT_TRUE(eventually([&] { return provider_->at_gate.load(); }));

    auto paused = call("POST", "/api/v1/queue/pause");
    ASSERT_EQ(paused.status, 200) << paused.body;
    EXPECT_EQ(body_of(paused)["paused"], true);

    const std::string waiting = install("second:latest");
    json op = operation(waiting);
    EXPECT_EQ(op["status"], "pending");
    EXPECT_NE(op["message"].get<std::string>().find("paused"), std::string::npos) << op.dump();
    json q = queue();
    EXPECT_EQ(q["paused"], true);
    EXPECT_EQ(q["pending"], 1);
    EXPECT_EQ(q["active"], 1);

    provider_->gate.open();  // the running install finishes while paused
    ASSERT_TRUE(reaches(running, "completed"));
    EXPECT_EQ(queue()["completed"], 1);
    EXPECT_EQ(operation(waiting)["status"], "pending");  // a worker was free and did not take it
    EXPECT_EQ(provider_->installs.load(), 1);

    auto resumed = call("POST", "/api/v1/queue/resume");
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    EXPECT_EQ(body_of(resumed)["paused"], false);
    ASSERT_TRUE(reaches(waiting, "completed"));
    q = queue();
    EXPECT_EQ(q["pending"], 0);
    EXPECT_EQ(q["completed"], 2);
}

TEST_F(QueueHandlersTest, PauseAndResumeNeedTheTokenStatusDoesNot) {
    Router guarded(api_routes(), std::string("s3cret"));
    auto ask = [&](const std::string& method, const std::string& target,
                   std::vector<std::pair<std::string, std::string>> headers) {
        headers.emplace_back("Content-Type", "application/json");
        HttpRequest request{method, target, headers, ""};
        return guarded.dispatch_and_wait(request, services_);
    };
    EXPECT_EQ(ask("GET", "/api/v1/queue/status", {}).status, 200);
    EXPECT_EQ(ask("POST", "/api/v1/queue/pause", {}).status, 401);
    EXPECT_EQ(queue()["paused"], false);
    EXPECT_EQ(ask("POST", "/api/v1/queue/pause", {{"Authorization", "Bearer s3cret"}}).status, 200);
    EXPECT_EQ(queue()["paused"], true);
    EXPECT_EQ(ask("POST", "/api/v1/queue/resume", {}).status, 401);
    EXPECT_EQ(ask("POST", "/api/v1/queue/resume", {{"Authorization", "Bearer s3cret"}}).status,
              200);
    EXPECT_EQ(queue()["paused"], false);
}

TEST_F(QueueHandlersTest, AFailedOperationsMessageIsTheFailureReason) {
    provider_->install_error = make_error(502, "upstream_error", "pull failed: manifest unknown");
    const std::string id = install("nope:latest");
    ASSERT_TRUE(reaches(id, "failed"));
    json op = operation(id);
    EXPECT_EQ(op["error"], "pull failed: manifest unknown");  // unchanged
    // Not the last progress line ("downloading"), which the panel would show as still going.
    EXPECT_EQ(op["message"], "Install failed: pull failed: manifest unknown");
    EXPECT_EQ(queue()["failed"], 1);
}

}  // namespace
}  // namespace venom::api

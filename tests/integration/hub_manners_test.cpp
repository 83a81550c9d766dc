// Hub manners (issue 10, point 8) on the wire: a 429's RateLimit/Retry-After waited out within
// the stall and cancel rules and shown in the progress message, relative redirects built on the
// origin, repeated headers kept, no `direction` in listings, the Hub's whole "not found"
// message, files past the Hub's plain-HTTP limit refused before an operation starts.
#include <gtest/gtest.h>

#include "fakes/fake_http_server.hpp"
#include "integration/hub_daemon_test.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "support/eventually.hpp"
#include "venom/http_client.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t kWeights = 256 * 1024;

using HubMannersTest = HubDaemonTest;

TEST_F(HubMannersTest, A429IsWaitedOutForAsLongAsTheHubAsksThenTheInstallCompletes) {
    hub_.add_repo(FakeHubRepo::transformers("org/limited", kWeights));
    // Retry-After: 1 and RateLimit "resolvers";r=0;t=1: one second, not the 10 ms back-off.
    hub_.set_fault("org/limited", "config.json", FakeHubFault::status(429));
    start();
    const auto began = std::chrono::steady_clock::now();
    json op = wait_finished(install("org/limited"));
    EXPECT_EQ(op["status"], "completed") << op.dump();
    EXPECT_GE(std::chrono::steady_clock::now() - began, 950ms);
}

TEST_F(HubMannersTest, A429AskingLongerThanTheStallBoundFailsAtOnceAndSaysSo) {
    hub_.add_repo(FakeHubRepo::transformers("org/limited", kWeights));
    FakeHubFault fault = FakeHubFault::status(429).sticky();
    fault.retry_after_seconds = 3600;  // also RateLimit: "resolvers";r=0;t=3600
    hub_.set_fault("org/limited", "config.json", fault);
    start();
    json op = wait_finished(install("org/limited"));
    EXPECT_EQ(op["status"], "failed") << op.dump();
    const std::string error = op["error"].get<std::string>();
    EXPECT_NE(error.find("wait 3600 s"), std::string::npos) << error;
    EXPECT_NE(error.find("try again later"), std::string::npos) << error;
    std::size_t resolves = 0;
    for (const auto& request : hub_.hub().requests()) {
        if (request.path.find("/resolve/") != std::string::npos &&
            request.path.find("config.json") != std::string::npos) {
            ++resolves;
        }
    }
    EXPECT_EQ(resolves, 1u) << "no retry the Hub already refused";
}

TEST_F(HubMannersTest, TheRateLimitWaitIsInTheMessageAndACancelEndsIt) {
    hub_.add_repo(FakeHubRepo::transformers("org/busy", kWeights));
    FakeHubFault fault = FakeHubFault::status(429).sticky();
    fault.retry_after_seconds = 10;  // within the 20 s stall bound: waited out, not backed off
    hub_.set_fault("org/busy", "config.json", fault);
    start([](Config& c) { c.pull_stall_timeout_seconds = 20; });
    const std::string id = install("org/busy");
    ASSERT_TRUE(eventually(
        [&] {
            return daemon_->operation(id)["message"].get<std::string>().find(
                       "rate limited by the Hub: waiting 11 s") != std::string::npos;
        },
        10s))
        << daemon_->operation(id).dump();
    const auto cancelled_at = std::chrono::steady_clock::now();
    EXPECT_EQ(daemon_->del("/api/v1/models/operations/" + id).status, 200);
    json op = wait_finished(id);
    EXPECT_EQ(op["status"], "cancelled") << op.dump();
    EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 5s);
}

TEST_F(HubMannersTest, TheHubsNotFoundMessageIsKeptWhole) {
    start([](Config& c) { c.hf_token = "hf_reader"; });
    HttpResult r = post_install("org/does-not-exist");
    EXPECT_EQ(r.status, 404) << r.body;
    // The fake answers a caller with a token as the Hub does: 404, X-Error-Message below.
    const std::string detail = r.json().value("detail", "");
    EXPECT_NE(detail.find("model org/does-not-exist"), std::string::npos) << detail;
    EXPECT_NE(detail.find("Repository not found"), std::string::npos) << detail;
}

TEST_F(HubMannersTest, A429OnTheRepoInfoCallIsPassedOnWithItsRetryAfter) {
    // The repo-info call runs in the install request, before an operation exists to wait in:
    // the client gets the Hub's wait as a Retry-After header it can honour, and nothing starts.
    hub_.add_repo(FakeHubRepo::transformers("org/limited", kWeights));
    FakeHubFault fault = FakeHubFault::status(429);
    fault.retry_after_seconds = 120;  // also RateLimit: "api";r=0;t=120
    hub_.set_fault("org/limited", "", fault);
    start();
    HttpResult r = post_install("org/limited");
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(r.json().value("code", ""), "rate_limited") << r.body;
    EXPECT_EQ(r.headers["retry-after"], "120");
    EXPECT_NE(r.json().value("detail", "").find("wait 120 s"), std::string::npos) << r.body;
    EXPECT_EQ(hub_.bytes_served("org/limited", "config.json"), 0u);
    EXPECT_TRUE(daemon_->get("/api/v1/models/operations").json()["operations"].empty());
}

TEST_F(HubMannersTest, AFilePastTheHubsPlainHttpLimitIsRefusedBeforeAnOperationStarts) {
    hub_.add_repo(FakeHubRepo::transformers("org/giant", kWeights));
    hub_.set_listing_patch("org/giant", [](nlohmann::ordered_json& info, int) {
        for (auto& sibling : info["siblings"]) {
            if (sibling.value("rfilename", "") == "model.safetensors" && sibling.contains("lfs")) {
                sibling["lfs"]["size"] = providers::kHubMaxFileBytes + 1;
                sibling["size"] = providers::kHubMaxFileBytes + 1;
            }
        }
    });
    start([](Config& c) { c.max_storage_gb = 10'000'000; });
    HttpResult r = post_install("org/giant");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().value("code", ""), "file_too_large") << r.body;
    EXPECT_NE(r.json().value("detail", "").find("model.safetensors"), std::string::npos);
    EXPECT_NE(r.json().value("detail", "").find("50 GB"), std::string::npos) << r.body;
    EXPECT_EQ(hub_.bytes_served("org/giant", "config.json"), 0u);
    EXPECT_EQ(hub_.bytes_served("org/giant", "model.safetensors"), 0u);
}

TEST(HubWireTest, ListingsSendNoDirection) {
    FakeHub hub;
    hub.add_repo(FakeHubRepo::transformers("org/listed", kWeights));
    providers::HubClient client(hub.base_url(), std::nullopt, 5s);
    ASSERT_TRUE(client.list(providers::HubClient::Sort::downloads, "", 10, 1));
    ASSERT_TRUE(client.list(providers::HubClient::Sort::trending, "listed", 10, 1));
    bool listed = false;
    for (const auto& request : hub.hub().requests()) {
        if (request.path != "/api/models") continue;
        listed = true;
        EXPECT_EQ(request.query.find("direction"), std::string::npos) << request.query;
    }
    EXPECT_TRUE(listed);
}

TEST(HubWireTest, RepeatedHeadersAreKept) {
    FakeHttpServer server;
    server.on("GET", "/api/models", [&](const FakeRequest& request) {
        if (request.query.find("cursor=2") != std::string::npos) {
            return FakeResponse::json(200, R"([{"_id":"2","id":"org/second"}])");
        }
        // The `next` Link first: a client that keeps only the last header loses page 2.
        return FakeResponse::json(200, R"([{"_id":"1","id":"org/first"}])")
            .with_header("Link", "<" + server.base_url() + "/api/models?cursor=2>; rel=\"next\"")
            .with_header("Link", "<" + server.base_url() + "/docs>; rel=\"help\"")
            .with_header("RateLimit", "\"api\";r=99;t=10")
            .with_header("RateLimit", "\"pages\";r=0;t=20");
    });
    server.start();
    net::HttpCall call;
    call.url = server.base_url() + "/api/models";
    auto reply = net::perform(call);
    ASSERT_TRUE(reply);
    EXPECT_NE(reply->headers["link"].find("rel=\"help\""), std::string::npos);
    EXPECT_NE(reply->headers["link"].find("rel=\"next\""), std::string::npos);
    EXPECT_EQ(reply->headers["ratelimit"], "\"api\";r=99;t=10, \"pages\";r=0;t=20");
    EXPECT_EQ(providers::hub_retry_after(reply->headers), 20s);
    providers::HubClient client(server.base_url(), std::nullopt, 5s);
    auto second = client.list(providers::HubClient::Sort::downloads, "", 1, 2);
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_EQ(second->size(), 1u);
    EXPECT_EQ((*second)[0].model_name, "org/second");
}

TEST(HubWireTest, ARelativeRedirectFromAMirrorUnderAPathIsFollowedOnItsOrigin) {
    // A mirror at http://host/hf renames a repo as the Hub does (307, Location an absolute
    // path): the path already carries /hf, so it goes on the origin, not after HF_ENDPOINT.
    FakeHttpServer server;
    const std::string sha(40, 'a');
    server.on_prefix("GET", "/hf/api/models/", [&](const FakeRequest& request) {
        if (request.path.find("/old/name/") != std::string::npos) {
            return FakeResponse::text(307, "Temporary Redirect.")
                .with_header("Location", "/hf/api/models/new/name/revision/main?blobs=true");
        }
        return FakeResponse::json(
            200, json{{"id", "new/name"},
                      {"sha", sha},
                      {"siblings", json::array({{{"rfilename", "config.json"},
                                                 {"size", 2},
                                                 {"blobId", std::string(40, 'b')}}})}}
                     .dump());
    });
    server.start();
    providers::HubClient client(server.base_url() + "/hf", std::nullopt, 5s);
    auto repo = client.repo("old/name");
    ASSERT_TRUE(repo) << repo.error().message;
    EXPECT_EQ(repo->sha, sha);
}

}  // namespace
}  // namespace venom::testing

// Issue 9, findings 5 and 12, through the real server: every request gets an answer (a
// surprise in an upstream's JSON is a 502 naming the field, a handler that never answers gets
// 504 and its connection back), and slow catalog fetches do not hold up user actions.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "fakes/fake_http_server.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/fake_provider.hpp"
#include "support/gate.hpp"
#include "venom/blocking_pool.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kGoodRepo = R"({"id": "org/tiny", "sha": "0123456789abcdef0123456789abcdef01234567",
  "siblings": [{"rfilename": "config.json", "size": 12, "blobId": "0123456789abcdef0123456789abcdef01234567"},
               {"rfilename": "model.safetensors", "size": 100,
                "lfs": {"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "size": 100}}]})";

// The same answer with one size sent as a string, as a broken or hostile Hub might.
std::string bad_repo() {
    json doc = json::parse(kGoodRepo);
    doc["siblings"][1]["size"] = "100";
    doc["siblings"][1]["lfs"]["size"] = "100";
    return doc.dump();
}

TEST(UpstreamAnswersTest, AHubFieldOfTheWrongTypeIs502NamingItAndNothingStaysStuck) {
    FakeHttpServer hub;
    std::atomic<bool> fixed{false};
    hub.on("GET", "/api/models/org/tiny/revision/main", [&](const FakeRequest&) {
        return FakeResponse::json(200, fixed ? kGoodRepo : bad_repo());
    });
    hub.on("GET", "/api/models", [&](const FakeRequest&) {
        return FakeResponse::json(
            200, fixed ? R"([{"id": "org/tiny", "gguf": {"totalFileSize": 1000}}])"
                       : R"([{"id": "org/tiny", "gguf": {"totalFileSize": "big"}}])");
    });
    hub.start();
    TestDaemon daemon([&](Config& c) {
        c.hf_endpoint = hub.base_url();
        c.ollama_host = "http://127.0.0.1:9";
        c.ollama_library_url = "http://127.0.0.1:9";
    });
    daemon.start();

    auto install = daemon.post("/api/v1/models/registry/install",
                               R"({"name": "org/tiny", "provider": "huggingface"})");
    EXPECT_EQ(install.status, 502) << install.body << install.error;
    ASSERT_NE(install.status, 0);
    EXPECT_EQ(install.json()["code"], "bad_upstream_response");
    EXPECT_NE(install.json()["detail"].get<std::string>().find("'siblings[1].size' is a string"),
              std::string::npos)
        << install.body;

    // The listing threw type_error before and left the cache key "in flight" for good.
    auto search = daemon.get("/api/v1/models/search?provider=huggingface&query=tiny");
    ASSERT_EQ(search.status, 200) << search.body << search.error;
    EXPECT_EQ(search.json()["stale"], true);
    EXPECT_NE(search.json()["error"].get<std::string>().find("gguf.totalFileSize"),
              std::string::npos)
        << search.body;

    fixed = true;
    auto again = daemon.get("/api/v1/models/search?provider=huggingface&query=tiny");
    ASSERT_EQ(again.status, 200) << again.body << again.error;
    EXPECT_EQ(again.json()["stale"], false) << again.body;
    ASSERT_EQ(again.json()["models"].size(), 1u) << again.body;
    EXPECT_EQ(again.json()["models"][0]["model_name"], "org/tiny");
    auto installed = daemon.post("/api/v1/models/registry/install",
                                 R"({"name": "org/tiny", "provider": "huggingface"})");
    EXPECT_EQ(installed.status, 202) << installed.body;
}

class SlowCatalogTest : public ::testing::Test {
protected:
    SlowCatalogTest() : provider_(std::make_shared<FakeProvider>()) {
        provider_->catalog_hook = [this](const std::string&) -> Result<std::vector<CatalogEntry>> {
            ++in_catalog_;
            // An upstream call that gives up when the daemon stops, as curl transfers do.
            gate_.wait([] { return BlockingPool::current_task_cancelled(); }, 30s);
            return std::vector<CatalogEntry>{};
        };
    }
    ~SlowCatalogTest() override { gate_.open(); }

    std::shared_ptr<FakeProvider> provider_;
    Gate gate_;
    std::atomic<int> in_catalog_{0};
};

TEST_F(SlowCatalogTest, HandlersThatNeverAnswerGet504AndTheServerKeepsServing) {
    TestDaemon daemon(
        [](Config& c) {
            c.handler_timeout_seconds = 0.05;
            c.max_connections = 64;  // the leak used to exhaust these after a few hundred polls
        },
        Daemon::Ports{nullptr, {}, {provider_}});
    daemon.start();

    constexpr int kClients = 12, kPerClient = 50;  // 600 polls of an upstream that never answers
    std::atomic<int> timeouts{0}, others{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            for (int i = 0; i < kPerClient; ++i) {
                auto r = daemon.get("/api/v1/models/search?provider=ollama&query=stuck");
                if (r.status == 504 && r.json()["code"] == "handler_timeout") {
                    ++timeouts;
                } else {
                    ++others;
                }
            }
        });
    }
    for (auto& t : clients) t.join();
    EXPECT_EQ(timeouts, kClients * kPerClient);
    EXPECT_EQ(others, 0);
    EXPECT_EQ(in_catalog_, 1);  // every poll joined the one refresh in flight
    auto health = daemon.get("/api/v1/health");
    EXPECT_EQ(health.status, 200) << health.body;
}

TEST_F(SlowCatalogTest, SlowCatalogSearchesDoNotDelayAnInstall) {
    TestDaemon daemon([](Config& c) { c.request_workers = 4; },
                      Daemon::Ports{nullptr, {}, {provider_}});
    daemon.start();
    std::vector<std::future<HttpResult>> searches;
    for (int i = 0; i < 8; ++i) {
        searches.push_back(std::async(std::launch::async, [&daemon, i] {
            return daemon.get("/api/v1/models/search?provider=ollama&query=slow" +
                              std::to_string(i));
        }));
    }
    // Every catalog worker is busy with the stalled upstream, four more searches wait.
    ASSERT_TRUE(eventually([&] { return in_catalog_ == 4; }));

    auto install = daemon.post("/api/v1/models/registry/install",
                               R"({"name":"llama3:8b","provider":"ollama"})");
    EXPECT_EQ(install.status, 202) << install.body << install.error;
    EXPECT_EQ(in_catalog_, 4);  // the install did not wait for them
    gate_.open();
    for (auto& s : searches) EXPECT_EQ(s.get().status, 200);
}

TEST(ShutdownTest, SigtermAnswersWaitingRequests503AndExitsPromptly) {
    FakeHttpServer hub;  // an upstream that takes its time
    hub.on("GET", "/api/models", [](const FakeRequest&) {
        FakeResponse slow = FakeResponse::json(200, "[]");
        slow.delay_before_headers = 60s;
        return slow;
    });
    hub.start();
    TempDir dir;
    ChildDaemon child({"--port", "0", "--data-dir", dir.path().string()},
                      {{"HF_ENDPOINT", hub.base_url()},
                       {"OLLAMA_HOST", "http://127.0.0.1:9"},
                       {"OLLAMA_LIBRARY_URL", "http://127.0.0.1:9"},
                       {"VENOM_HANDLER_TIMEOUT_SECONDS", "120"}});
    const int port = child.wait_for_port();
    ASSERT_GT(port, 0) << child.output();
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    std::vector<std::future<HttpResult>> waiting;
    for (int i = 0; i < 6; ++i) {  // four reach the Hub, two wait in the catalog queue
        waiting.push_back(std::async(std::launch::async, [base, i] {
            return http_request("GET", base + "/api/v1/models/search?provider=huggingface&query=q" +
                                           std::to_string(i));
        }));
    }
    ASSERT_TRUE(hub.wait_for_requests(4, 5s));

    child.signal(SIGTERM);
    EXPECT_EQ(child.wait_exit(std::chrono::seconds(10)), 0) << child.output();
    for (auto& w : waiting) {
        HttpResult r = w.get();
        EXPECT_EQ(r.status, 503) << r.body << r.error;
        if (r.status == 503) {
            EXPECT_EQ(r.json()["code"], "shutting_down");
        }
    }
}

}  // namespace
}  // namespace venom::testing

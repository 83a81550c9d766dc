// Every endpoint of the foundation over loopback, against the real server and a fake provider.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/fake_provider.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

class ApiOverHttpTest : public ::testing::Test {
protected:
    void SetUp() override {
        provider_ = std::make_shared<FakeProvider>();
        Daemon::Ports ports;
        ports.providers = {provider_};
        ports.gpu_probe = [] { return std::optional<GpuStats>(GpuStats{75.0, 5120, 10240}); };
        daemon_ = std::make_unique<TestDaemon>(nullptr, std::move(ports));
        daemon_->start();
    }

    std::string install(const std::string& name) {
        auto r = daemon_->post("/api/v1/models/registry/install",
                               json{{"name", name}, {"provider", "ollama"}}.dump());
        EXPECT_EQ(r.status, 202) << r.body;
        return r.json().value("operation_id", "");
    }
    json operation(const std::string& id) {
        return daemon_->get("/api/v1/models/operations/" + id).json()["operation"];
    }
    bool reaches(const std::string& id, const std::string& status) {
        return eventually([&] { return operation(id)["status"] == status; });
    }

    std::shared_ptr<FakeProvider> provider_;
    std::unique_ptr<TestDaemon> daemon_;
};

TEST_F(ApiOverHttpTest, HealthAnswersOkAndJson) {
    auto r = daemon_->get("/api/v1/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_EQ(r.json()["status"], "ok");
    EXPECT_EQ(r.json()["version"], venom_version());
}

TEST_F(ApiOverHttpTest, InstallPollCapabilitiesRemove) {
    provider_->hold_installs = true;
    const std::string id = install("qwen2.5:0.5b");
    ASSERT_TRUE(eventually([&] { return provider_->at_gate.load(); }));

    json running = operation(id);
    EXPECT_EQ(running["status"], "in_progress");
    EXPECT_GT(running["progress"].get<double>(), 0.0);
    EXPECT_LT(running["progress"].get<double>(), 100.0);
    EXPECT_EQ(running["bytes_done"], 250);
    EXPECT_EQ(running["bytes_total"], 1000);

    provider_->gate.open();
    ASSERT_TRUE(reaches(id, "completed"));

    auto caps = daemon_->get("/api/v1/models/qwen2.5%3A0.5b/capabilities");
    ASSERT_EQ(caps.status, 200);
    EXPECT_EQ(caps.json()["model_name"], "qwen2.5:0.5b");
    EXPECT_EQ(caps.json()["capabilities"]["max_context_length"], 8192);

    json models = daemon_->get("/api/v1/models").json();
    EXPECT_EQ(models["count"], 1);
    EXPECT_EQ(models["providers"]["ollama"][0]["name"], "qwen2.5:0.5b");

    auto removal = daemon_->del("/api/v1/models/registry/qwen2.5%3A0.5b");
    ASSERT_EQ(removal.status, 202);
    ASSERT_TRUE(reaches(removal.json()["operation_id"], "completed"));
    EXPECT_EQ(daemon_->get("/api/v1/models").json()["count"], 0);
    EXPECT_EQ(daemon_->get("/api/v1/models/qwen2.5%3A0.5b/capabilities").status, 404);
}

TEST_F(ApiOverHttpTest, OperationsListAndCancelOverHttp) {
    provider_->hold_installs = true;
    const std::string id = install("llama3:latest");
    ASSERT_TRUE(eventually([&] { return provider_->at_gate.load(); }));

    auto busy = daemon_->post("/api/v1/models/registry/install",
                              R"({"name":"llama3:latest","provider":"ollama"})");
    EXPECT_EQ(busy.status, 409);
    EXPECT_NE(busy.json()["detail"].get<std::string>().find(id), std::string::npos);

    json list = daemon_->get("/api/v1/models/operations?limit=10").json();
    EXPECT_EQ(list["success"], true);
    ASSERT_EQ(list["count"], 1);
    EXPECT_EQ(list["operations"][0]["operation_id"], id);

    auto cancel = daemon_->del("/api/v1/models/operations/" + id);
    EXPECT_EQ(cancel.status, 200);
    ASSERT_TRUE(reaches(id, "cancelled"));
    EXPECT_EQ(daemon_->del("/api/v1/models/operations/" + id).status, 409);
    EXPECT_EQ(daemon_->get("/api/v1/models/operations/no-such-id").status, 404);
    EXPECT_EQ(daemon_->del("/api/v1/models/operations/no-such-id").status, 404);
    EXPECT_EQ(daemon_->get("/api/v1/models").json()["count"], 0);
}

TEST_F(ApiOverHttpTest, ErrorCasesAnswerTheContractShape) {
    struct Case {
        std::string method, path, body;
        long status;
        std::string code;
    };
    const Case cases[] = {
        {"GET", "/api/v1/nope", "", 404, "not_found"},
        {"PUT", "/api/v1/models", "", 405, "method_not_allowed"},
        {"POST", "/api/v1/models/registry/install", "{", 400, "malformed_json"},
        {"POST", "/api/v1/models/registry/install", R"({"provider":"ollama"})", 422,
         "missing_field"},
        {"POST", "/api/v1/models/registry/install", R"({"name":"a b","provider":"ollama"})", 400,
         "invalid_model_name"},
        {"POST", "/api/v1/models/registry/install", R"({"name":"x","provider":"lmstudio"})", 400,
         "unknown_provider"},
        {"GET", "/api/v1/models/..%2F..%2Fetc%2Fpasswd/capabilities", "", 400,
         "invalid_model_name"},
        {"GET", "/api/v1/models/bad%zzname/capabilities", "", 400, "bad_encoding"},
        {"GET", "/api/v1/models/missing%3Alatest/capabilities", "", 404, "model_not_found"},
        {"DELETE", "/api/v1/models/registry/missing%3Alatest", "", 404, "model_not_found"},
        {"GET", "/api/v1/models/operations?limit=ten", "", 422, "invalid_parameter"},
    };
    for (const auto& c : cases) {
        // JSON bodies go with their content type, as the contract says (415 without).
        const std::vector<std::string> headers =
            c.body.empty() ? std::vector<std::string>{}
                           : std::vector<std::string>{"Content-Type: application/json"};
        auto r = http_request(c.method, daemon_->url(c.path), c.body, headers);
        EXPECT_EQ(r.status, c.status) << c.method << " " << c.path;
        json body = r.json();
        EXPECT_EQ(body["success"], false) << c.path;
        EXPECT_EQ(body["code"], c.code) << c.path;
        EXPECT_TRUE(body["detail"].is_string()) << c.path;
    }
    EXPECT_EQ(provider_->installs, 0);
    EXPECT_TRUE(daemon_->get("/api/v1/models/operations").json()["operations"].empty());
}

TEST_F(ApiOverHttpTest, UsageReportsGpuFiguresFromTheProbe) {
    ASSERT_TRUE(eventually([&] {
        return !daemon_->get("/api/v1/models/usage").json()["usage"]["gpu_usage_percent"].is_null();
    }));
    json usage = daemon_->get("/api/v1/models/usage").json()["usage"];
    EXPECT_EQ(usage["gpu_usage_percent"], 75.0);
    EXPECT_EQ(usage["vram_usage_mb"], 5120.0);
    EXPECT_EQ(usage["vram_total_mb"], 10240.0);
    EXPECT_EQ(usage["vram_usage_percent"], 50.0);
    EXPECT_EQ(usage["disk_limit_gb"], 50.0);
    EXPECT_EQ(usage["models_count"], 0);
}

TEST(ApiOverHttpQuotaTest, InstallBeyondTheQuotaIs507AndStartsNothing) {
    TempDir dir;
    std::filesystem::create_directories(dir / "models");
    std::ofstream(dir / "models" / "blob.bin") << std::string(3 * 1024 * 1024, 'x');
    auto provider = std::make_shared<FakeProvider>();
    Daemon::Ports ports;
    ports.providers = {provider};
    ports.gpu_probe = [] { return std::nullopt; };
    TestDaemon daemon(
        [](Config& c) {
            c.max_storage_gb = 0.004;  // ~4.3 MB
            c.default_model_size_gb = 0.002;
        },
        std::move(ports), dir.path());
    daemon.start();
    auto r = daemon.post("/api/v1/models/registry/install",
                         R"({"name":"llama3:latest","provider":"ollama"})");
    EXPECT_EQ(r.status, 507);
    EXPECT_EQ(r.json()["code"], "storage_quota_exceeded");
    EXPECT_EQ(provider->installs, 0);
    json usage = daemon.get("/api/v1/models/usage").json()["usage"];
    EXPECT_TRUE(usage["gpu_usage_percent"].is_null());
    EXPECT_TRUE(usage["vram_total_mb"].is_null());
    EXPECT_GT(usage["disk_usage_percent"].get<double>(), 50.0);
}

TEST(ApiOverHttpAuthTest, TokenProtectsMutatingRoutesAndNeverLeaks) {
    auto provider = std::make_shared<FakeProvider>();
    Daemon::Ports ports;
    ports.providers = {provider};
    ports.gpu_probe = [] { return std::nullopt; };
    TestDaemon daemon([](Config& c) { c.api_token = "tok-123456789"; }, std::move(ports));
    daemon.start();
    const std::string body = R"({"name":"llama3:latest","provider":"ollama"})";

    auto denied = daemon.post("/api/v1/models/registry/install", body);
    EXPECT_EQ(denied.status, 401);
    EXPECT_EQ(denied.headers["www-authenticate"], "Bearer");
    EXPECT_EQ(denied.body.find("tok-123456789"), std::string::npos);
    EXPECT_EQ(http_request("DELETE", daemon.url("/api/v1/models/operations/x")).status, 401);

    auto allowed =
        http_request("POST", daemon.url("/api/v1/models/registry/install"), body,
                     {"Authorization: Bearer tok-123456789", "Content-Type: application/json"});
    EXPECT_EQ(allowed.status, 202);
    // Reads stay open: the panel polls them without a token.
    EXPECT_EQ(daemon.get("/api/v1/models").status, 200);
    EXPECT_EQ(daemon.get("/api/v1/models/operations").status, 200);
}

TEST(ApiOverHttpStateTest, HistoryAndManifestSurviveARestart) {
    TempDir dir;
    std::string id;
    auto make_ports = [] {
        Daemon::Ports ports;
        ports.providers = {std::make_shared<FakeProvider>()};
        ports.gpu_probe = [] { return std::nullopt; };
        return ports;
    };
    {
        TestDaemon first(nullptr, make_ports(), dir.path());
        first.start();
        auto r = first.post("/api/v1/models/registry/install",
                            R"({"name":"phi3:mini","provider":"ollama"})");
        id = r.json()["operation_id"];
        ASSERT_TRUE(eventually([&] {
            return first.get("/api/v1/models/operations/" + id).json()["operation"]["status"] ==
                   "completed";
        }));
        first.stop();
    }
    TestDaemon second(nullptr, make_ports(), dir.path());
    second.start();
    auto op = second.get("/api/v1/models/operations/" + id);
    ASSERT_EQ(op.status, 200);
    EXPECT_EQ(op.json()["operation"]["status"], "completed");
    EXPECT_EQ(second.get("/api/v1/models").json()["models"][0]["name"], "phi3:mini");
}

TEST(ApiOverHttpStateTest, OperationRunningAtShutdownIsReportedInterruptedAfterRestart) {
    TempDir dir;
    std::string id;
    {
        auto provider = std::make_shared<FakeProvider>();
        provider->hold_installs = true;
        Daemon::Ports ports;
        ports.providers = {provider};
        ports.gpu_probe = [] { return std::nullopt; };
        TestDaemon first(nullptr, std::move(ports), dir.path());
        first.start();
        id = first
                 .post("/api/v1/models/registry/install",
                       R"({"name":"phi3:mini","provider":"ollama"})")
                 .json()["operation_id"];
        ASSERT_TRUE(eventually([&] { return provider->at_gate.load(); }));
        first.stop();  // graceful: the held install is told to stop
    }
    Daemon::Ports ports;
    ports.gpu_probe = [] { return std::nullopt; };
    TestDaemon second(nullptr, std::move(ports), dir.path());
    second.start();
    json op = second.get("/api/v1/models/operations/" + id).json()["operation"];
    EXPECT_EQ(op["status"], "failed");
    EXPECT_NE(op["error"].get<std::string>().find("interrupted"), std::string::npos);
    EXPECT_EQ(second.get("/api/v1/models").json()["count"], 0);
}

TEST(ApiOverHttpStateTest, DamagedManifestIsReportedByHealthAndKeptAside) {
    TempDir dir;
    std::filesystem::create_directories(dir / "models");
    std::ofstream(dir / "models" / "manifest.json") << R"({"models": [{"name": "llama3")";
    Daemon::Ports ports;
    ports.gpu_probe = [] { return std::nullopt; };
    TestDaemon daemon(nullptr, std::move(ports), dir.path());
    daemon.start();
    json health = daemon.get("/api/v1/health").json();
    EXPECT_EQ(health["status"], "ok");
    ASSERT_EQ(health["warnings"].size(), 1u);
    EXPECT_NE(health["warnings"][0].get<std::string>().find("manifest"), std::string::npos);
    int kept = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir / "models")) {
        kept += e.path().filename().string().rfind("manifest.json.corrupt-", 0) == 0;
    }
    EXPECT_EQ(kept, 1);
}

// What a hostile web page can make a browser send: a DNS-rebound name in Host, and a "simple"
// cross-site POST (text/plain, no preflight). Neither may read or change anything.
TEST_F(ApiOverHttpTest, ForeignHostAndCrossSiteTextPostChangeNothing) {
    const std::string body = json{{"name", "llama3.2:1b"}, {"provider", "ollama"}}.dump();
    auto rebound =
        http_request("GET", daemon_->url("/api/v1/models"), "", {"Host: rebind.evil.example:8000"});
    EXPECT_EQ(rebound.status, 403);
    EXPECT_EQ(rebound.json()["code"], "host_not_allowed");
    auto rebound_post =
        http_request("POST", daemon_->url("/api/v1/models/registry/install"), body,
                     {"Host: rebind.evil.example:8000", "Content-Type: application/json"});
    EXPECT_EQ(rebound_post.status, 403);

    auto cross_site = http_request("POST", daemon_->url("/api/v1/models/registry/install"), body,
                                   {"Origin: http://evil.example", "Content-Type: text/plain"});
    EXPECT_EQ(cross_site.status, 403);
    EXPECT_EQ(cross_site.json()["code"], "origin_not_allowed");
    EXPECT_EQ(cross_site.headers.count("access-control-allow-origin"), 0u);

    auto text_post = http_request("POST", daemon_->url("/api/v1/models/registry/install"), body,
                                  {"Content-Type: text/plain"});
    EXPECT_EQ(text_post.status, 415);
    EXPECT_EQ(text_post.json()["code"], "unsupported_media_type");

    EXPECT_EQ(daemon_->get("/api/v1/models/operations").json()["operations"].size(), 0u);
    EXPECT_EQ(daemon_->get("/api/v1/health").status, 200);  // curl's own Host: 127.0.0.1:port
}

}  // namespace
}  // namespace venom::testing

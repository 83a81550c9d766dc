// The REST handlers through the real route table, with real core objects and a fake provider.
#include <gtest/gtest.h>

#include "api/api_fixture.hpp"
#include "support/eventually.hpp"

namespace venom::api {
namespace {

using nlohmann::json;
using testing::eventually;

class HandlersTest : public testing::ApiFixture {
protected:
    std::string status_of(const std::string& id) {
        return body_of(call("GET", "/api/v1/models/operations/" + id))["operation"]["status"];
    }
    bool reaches(const std::string& id, const std::string& status) {
        return eventually([&] { return status_of(id) == status; });
    }
    std::string install(const std::string& name) {
        auto r = call("POST", "/api/v1/models/registry/install",
                      json{{"name", name}, {"provider", "ollama"}}.dump());
        EXPECT_EQ(r.status, 202) << r.body;
        return body_of(r).value("operation_id", "");
    }
};

TEST_F(HandlersTest, HealthSaysOkWithVersion) {
    auto r = call("GET", "/api/v1/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(body_of(r), json({{"status", "ok"}, {"version", venom_version()}}));
}

TEST_F(HandlersTest, InstallRunsAsAnOperationAndRecordsTheModel) {
    auto r = call("POST", "/api/v1/models/registry/install",
                  R"({"name": "llama3:latest", "provider": "ollama", "runtime": "ollama"})");
    ASSERT_EQ(r.status, 202);
    json body = body_of(r);
    EXPECT_EQ(body["success"], true);
    EXPECT_EQ(body["message"], "Model installation started: llama3:latest");
    const std::string id = body["operation_id"];
    ASSERT_TRUE(reaches(id, "completed"));

    json op = body_of(call("GET", "/api/v1/models/operations/" + id))["operation"];
    for (const char* key : {"operation_id", "model_name", "provider", "runtime", "operation_type",
                            "status", "progress", "message", "error", "bytes_total", "bytes_done",
                            "started_at", "updated_at", "completed_at"}) {
        EXPECT_TRUE(op.contains(key)) << key;
    }
    EXPECT_EQ(op["operation_type"], "install");
    EXPECT_EQ(op["progress"], 100.0);
    EXPECT_EQ(op["bytes_done"], 1000);

    json models = body_of(call("GET", "/api/v1/models"));
    ASSERT_EQ(models["count"], 1);
    json m = models["models"][0];
    EXPECT_EQ(m["name"], "llama3:latest");
    EXPECT_EQ(m["provider"], "ollama");
    EXPECT_EQ(m["runtime"], "ollama");
    EXPECT_EQ(m["size_gb"], 1.5);
    EXPECT_EQ(m["status"], "installed");
    EXPECT_EQ(m["active"], false);
    EXPECT_EQ(m["source"], "manifest");
    EXPECT_EQ(models["providers"]["ollama"][0]["name"], "llama3:latest");
}

TEST_F(HandlersTest, InstallDefaultsTheRuntimeToTheProviders) {
    const std::string id = install("phi3:mini");
    ASSERT_TRUE(reaches(id, "completed"));
    EXPECT_EQ(manifest_.find("phi3:mini")->runtime, "ollama");
}

TEST_F(HandlersTest, InstallBadInputIsA4xxAndChangesNothing) {
    struct Case {
        std::string body;
        int status;
        std::string code;
    };
    const Case cases[] = {
        {"{not json", 400, "malformed_json"},
        {"[1,2]", 422, "invalid_body"},
        {R"({"provider": "ollama"})", 422, "missing_field"},
        {R"({"name": 42, "provider": "ollama"})", 422, "invalid_field"},
        {R"({"name": "llama3", "provider": "ollama", "runtime": 7})", 422, "invalid_field"},
        {R"({"name": "../../etc/passwd", "provider": "ollama"})", 400, "invalid_model_name"},
        {R"({"name": "llama3", "provider": "docker"})", 400, "unknown_provider"},
        {R"({"name": "llama3", "provider": "ollama", "runtime": "vllm"})", 400, "invalid_runtime"},
        {R"({"name": "org/model", "provider": "huggingface"})", 501, "provider_unavailable"},
    };
    for (const auto& c : cases) {
        auto r = call("POST", "/api/v1/models/registry/install", c.body);
        EXPECT_EQ(r.status, c.status) << c.body;
        EXPECT_EQ(body_of(r)["code"], c.code) << c.body;
        EXPECT_EQ(body_of(r)["success"], false) << c.body;
    }
    EXPECT_TRUE(operations_.list(10).empty());
    EXPECT_EQ(manifest_.size(), 0u);
    EXPECT_EQ(provider_->installs, 0);
}

TEST_F(HandlersTest, InstallOverQuotaIs507BeforeAnyDownload) {
    storage_.models_dir_bytes = static_cast<uint64_t>(47.5 * kBytesPerGb);
    auto r = call("POST", "/api/v1/models/registry/install",
                  R"({"name": "llama3:latest", "provider": "ollama"})");
    EXPECT_EQ(r.status, 507);
    EXPECT_EQ(body_of(r)["code"], "storage_quota_exceeded");
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find("47.50 GB"), std::string::npos);
    EXPECT_TRUE(operations_.list(10).empty());
}

TEST_F(HandlersTest, SecondInstallOfABusyModelIs409NamingTheOperation) {
    provider_->hold_installs = true;
    const std::string id = install("llama3:latest");
    auto again = call("POST", "/api/v1/models/registry/install",
                      R"({"name": "llama3:latest", "provider": "ollama"})");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(body_of(again)["code"], "model_busy");
    EXPECT_NE(again.body.find(id), std::string::npos);
    provider_->gate.open();
    ASSERT_TRUE(reaches(id, "completed"));
    auto installed = call("POST", "/api/v1/models/registry/install",
                          R"({"name": "llama3:latest", "provider": "ollama"})");
    EXPECT_EQ(installed.status, 409);
    EXPECT_EQ(body_of(installed)["code"], "already_installed");
}

TEST_F(HandlersTest, FailedInstallLeavesNoManifestEntry) {
    provider_->install_error = make_error(502, "upstream_error", "pull failed: manifest unknown");
    const std::string id = install("nope:latest");
    ASSERT_TRUE(reaches(id, "failed"));
    json op = body_of(call("GET", "/api/v1/models/operations/" + id))["operation"];
    EXPECT_EQ(op["error"], "pull failed: manifest unknown");
    EXPECT_EQ(manifest_.size(), 0u);
}

TEST_F(HandlersTest, CancelARunningInstall) {
    provider_->hold_installs = true;
    const std::string id = install("llama3:latest");
    ASSERT_TRUE(eventually([&] { return provider_->at_gate.load(); }));
    auto r = call("DELETE", "/api/v1/models/operations/" + id);
    EXPECT_EQ(r.status, 200);
    ASSERT_TRUE(reaches(id, "cancelled"));
    EXPECT_EQ(manifest_.size(), 0u);
    EXPECT_EQ(call("DELETE", "/api/v1/models/operations/" + id).status, 409);
    EXPECT_EQ(call("DELETE", "/api/v1/models/operations/unknown-id").status, 404);
}

TEST_F(HandlersTest, OperationsListNewestFirstWithValidatedLimit) {
    std::vector<std::string> ids;
    for (const char* name : {"a:1", "b:1", "c:1"}) {
        ids.push_back(install(name));
        ASSERT_TRUE(reaches(ids.back(), "completed"));
    }
    json two = body_of(call("GET", "/api/v1/models/operations?limit=2"));
    EXPECT_EQ(two["success"], true);
    ASSERT_EQ(two["count"], 2);
    EXPECT_EQ(two["operations"][0]["operation_id"], ids[2]);
    EXPECT_EQ(two["operations"][1]["operation_id"], ids[1]);
    EXPECT_EQ(body_of(call("GET", "/api/v1/models/operations"))["count"], 3);
    EXPECT_EQ(call("GET", "/api/v1/models/operations?limit=abc").status, 422);
    EXPECT_EQ(call("GET", "/api/v1/models/operations?limit=0").status, 400);
    EXPECT_EQ(call("GET", "/api/v1/models/operations?limit=100000").status, 400);
    EXPECT_EQ(call("GET", "/api/v1/models/operations/nope").status, 404);
}

TEST_F(HandlersTest, RemoveRunsAsAnOperationAndForgetsTheModel) {
    ASSERT_TRUE(reaches(install("llama3:latest"), "completed"));
    auto r = call("DELETE", "/api/v1/models/registry/llama3%3Alatest");
    ASSERT_EQ(r.status, 202);
    const std::string id = body_of(r)["operation_id"];
    ASSERT_TRUE(reaches(id, "completed"));
    EXPECT_EQ(manifest_.size(), 0u);
    EXPECT_EQ(provider_->removals, 1);
    EXPECT_EQ(call("DELETE", "/api/v1/models/registry/llama3%3Alatest").status, 404);
    EXPECT_EQ(call("DELETE", "/api/v1/models/registry/..%2F..%2Fetc").status, 400);
}

TEST_F(HandlersTest, FailedRemovalKeepsTheManifestEntry) {
    ASSERT_TRUE(reaches(install("llama3:latest"), "completed"));
    provider_->remove_error = make_error(502, "upstream_error", "model is in use");
    const std::string id =
        body_of(call("DELETE", "/api/v1/models/registry/llama3:latest"))["operation_id"];
    ASSERT_TRUE(reaches(id, "failed"));
    EXPECT_TRUE(manifest_.find("llama3:latest"));
}

TEST_F(HandlersTest, CapabilitiesFromTheManifest) {
    ModelMetadata gemma;
    gemma.name = "google/gemma-2b-it";
    gemma.provider = "huggingface";
    gemma.capabilities.supports_system_role = false;
    gemma.capabilities.allowed_roles = {"user", "assistant"};
    ASSERT_TRUE(manifest_.upsert(gemma).ok());

    auto r = call("GET", "/api/v1/models/google%2Fgemma-2b-it/capabilities");
    ASSERT_EQ(r.status, 200);
    json body = body_of(r);
    EXPECT_EQ(body["model_name"], "google/gemma-2b-it");
    EXPECT_EQ(body["capabilities"]["supports_system_role"], false);
    EXPECT_EQ(body["capabilities"]["allowed_roles"], json({"user", "assistant"}));
    EXPECT_EQ(body["capabilities"]["max_context_length"], 4096);
    EXPECT_TRUE(body["capabilities"]["prompt_template"].is_null());
    EXPECT_TRUE(body["capabilities"]["quantization"].is_null());
    EXPECT_EQ(call("GET", "/api/v1/models/unknown%3Alatest/capabilities").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/models/%2Fetc%2Fpasswd/capabilities").status, 400);
}

TEST_F(HandlersTest, ActiveModelIsMarkedFromRuntimeState) {
    ASSERT_TRUE(reaches(install("llama3:latest"), "completed"));
    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "llama3:latest").ok());
    json body = body_of(call("GET", "/api/v1/models"));
    EXPECT_EQ(body["models"][0]["active"], true);
    EXPECT_EQ(body["active"]["provider"], "ollama");
    EXPECT_EQ(body["active"]["model"], "llama3:latest");
    EXPECT_EQ(body["active"]["endpoint"], controller_.find(Runtime::ollama)->endpoint);
}

// GET /models is answered from a cache (it is polled, and 200 models cost a millisecond to
// serialise): every change must still show in the very next answer.
TEST_F(HandlersTest, TheModelListShowsEveryChangeInTheNextAnswer) {
    auto names = [&] {
        std::vector<std::string> out;
        const json body = body_of(call("GET", "/api/v1/models"));
        for (const auto& m : body["models"]) out.push_back(m["name"].get<std::string>());
        return out;
    };
    EXPECT_TRUE(names().empty());
    ASSERT_TRUE(reaches(install("llama3:latest"), "completed"));
    EXPECT_EQ(names(), std::vector<std::string>{"llama3:latest"});

    auto removal = call("DELETE", "/api/v1/models/registry/llama3%3Alatest");
    ASSERT_EQ(removal.status, 202) << removal.body;
    ASSERT_TRUE(reaches(body_of(removal)["operation_id"], "completed"));
    EXPECT_TRUE(names().empty());

    ASSERT_TRUE(reaches(install("llama3:latest"), "completed"));
    EXPECT_EQ(body_of(call("GET", "/api/v1/models"))["models"][0]["active"], false);
    ASSERT_TRUE(runtime_state_.set_active(Runtime::ollama, "llama3:latest").ok());
    EXPECT_EQ(body_of(call("GET", "/api/v1/models"))["models"][0]["active"], true);
}

TEST_F(HandlersTest, UsageHasTheSpecFieldsAndNullGpuWithoutOne) {
    usage_.sample_now();
    json usage = body_of(call("GET", "/api/v1/models/usage"))["usage"];
    for (const char* key :
         {"disk_usage_gb", "disk_limit_gb", "disk_usage_percent", "cpu_usage_percent",
          "memory_total_gb", "memory_used_gb", "memory_usage_percent", "gpu_usage_percent",
          "vram_usage_mb", "vram_total_mb", "vram_usage_percent", "models_count"}) {
        EXPECT_TRUE(usage.contains(key)) << key;
    }
    EXPECT_EQ(usage["disk_limit_gb"], 50.0);
    EXPECT_TRUE(usage["gpu_usage_percent"].is_null());
    EXPECT_TRUE(usage["vram_usage_mb"].is_null());
    EXPECT_GT(usage["memory_total_gb"].get<double>(), 0.0);
    EXPECT_EQ(usage["models_count"], 0);
}

}  // namespace
}  // namespace venom::api

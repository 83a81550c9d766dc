#pragma once
// A venomd in-process whose Hub is a FakeHub (with its fake CDN on another port), and the
// install calls the Hugging Face integration tests share.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "fakes/fake_hub.hpp"
#include "integration/daemon_harness.hpp"

namespace venom::testing {

class HubDaemonTest : public ::testing::Test {
protected:
    // Fast back-off and a 1 s stall bound, so fault tests end quickly; `extra` adjusts more.
    void start(std::function<void(Config&)> extra = {}) {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        daemon_ = std::make_unique<TestDaemon>(
            [this, extra](Config& c) {
                c.hf_endpoint = hub_.base_url();
                c.download_backoff_ms = 10;
                c.pull_stall_timeout_seconds = 1;
                if (extra) extra(c);
            },
            std::move(ports));
        daemon_->start();
    }

    HttpResult post_install(const std::string& name) {
        return daemon_->post("/api/v1/models/registry/install",
                             nlohmann::json{{"name", name}, {"provider", "huggingface"}}.dump());
    }
    // The operation id of an accepted install ("" and a test failure otherwise).
    std::string install(const std::string& name) {
        auto r = post_install(name);
        EXPECT_EQ(r.status, 202) << r.body;
        return r.status == 202 ? r.json()["operation_id"].get<std::string>() : "";
    }
    nlohmann::json operation(const std::string& id) { return daemon_->operation(id); }
    nlohmann::json wait_finished(const std::string& id) {
        return daemon_->wait_finished(id, std::chrono::seconds(20));
    }

    FakeHub hub_;
    std::unique_ptr<TestDaemon> daemon_;
};

}  // namespace venom::testing

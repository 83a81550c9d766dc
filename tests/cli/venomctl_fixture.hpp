#pragma once
// A venomd on 127.0.0.1:0 against a fake Ollama, for tests that drive it with the venomctl
// binary (venomctl_runner.hpp).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/venomctl_runner.hpp"
#include "fakes/fake_ollama.hpp"
#include "integration/daemon_harness.hpp"

namespace venom::testing {

class VenomctlTest : public ::testing::Test {
protected:
    // `api_token`: venomd's VENOM_API_TOKEN; `configure` adjusts the rest of its config.
    void start_daemon(std::optional<std::string> api_token = std::nullopt,
                      std::function<void(Config&)> configure = {}) {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        daemon_ = std::make_unique<TestDaemon>(
            [this, api_token, configure](Config& c) {
                c.ollama_host = ollama_.base_url();
                c.pull_stall_timeout_seconds = 5;
                c.ollama_inventory_interval_seconds = 1;
                c.upstream_timeout_seconds = 5;
                c.api_token = api_token;
                if (configure) configure(c);
            },
            std::move(ports));
        daemon_->start();
    }
    void SetUp() override { start_daemon(); }

    // `args` then --url pointing at the test daemon.
    std::vector<std::string> with_url(std::vector<std::string> args) const {
        args.push_back("--url");
        args.push_back(daemon_->url(""));
        return args;
    }
    VenomctlRun venomctl(std::vector<std::string> args,
                         const std::map<std::string, std::string>& env = {}) const {
        return run_venomctl(with_url(std::move(args)), env);
    }
    bool listed(const std::string& name) const {
        const nlohmann::json models = daemon_->get("/api/v1/models").json();
        for (const auto& m : models["models"]) {
            if (m["name"] == name) return true;
        }
        return false;
    }
    // The newest operation venomd knows.
    nlohmann::json newest_operation() const {
        return daemon_->get("/api/v1/models/operations?limit=1").json()["operations"][0];
    }

    FakeOllama ollama_;
    std::unique_ptr<TestDaemon> daemon_;
};

}  // namespace venom::testing

// The daemon's parts publish their changes: the operation queue (through its observer), the
// runtime switcher and the LLM server controller, as the composition root wires them to the bus.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "api/api_fixture.hpp"
#include "api/json/operation_json.hpp"
#include "events/event_bus.hpp"
#include "events/event_types.hpp"
#include "support/eventually.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

std::vector<json> collect(events::Subscription& s, std::size_t count) {
    std::vector<json> all;
    eventually([&] {
        for (auto& e : s.take()) all.push_back(json::parse(e->json));
        return all.size() >= count;
    });
    return all;
}

class EventPublishersTest : public ApiFixture {};

TEST_F(EventPublishersTest, OperationQueueStateChangesReachTheBus) {
    auto sub = events_.subscribe("", 100);
    auto id = operations_.submit({"m", "fake", Runtime::ollama, OperationType::install, "queued"},
                                 [](OperationContext& ctx) -> Result<std::string> {
                                     ctx.set_bytes(10, 100);
                                     return std::string("done");
                                 });
    ASSERT_TRUE(id.ok());
    std::vector<std::string> statuses;
    ASSERT_TRUE(eventually([&] {
        for (auto& e : sub->take()) {
            json j = json::parse(e->json);
            if (j["type"] == events::kOperationStatus) statuses.push_back(j["data"]["status"]);
        }
        return !statuses.empty() && statuses.back() == "completed";
    }));
    EXPECT_EQ(statuses, (std::vector<std::string>{"pending", "in_progress", "completed"}));
}

TEST_F(EventPublishersTest, ARuntimeSwitchAnnouncesItsStartAndItsOutcome) {
    auto sub = events_.subscribe("", 100);
    auto report = switcher_.switch_cloud(Runtime::openai, "gpt-4o-mini");
    auto got = collect(*sub, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["type"], events::kRuntimeSwitch);
    EXPECT_EQ(got[0]["data"]["status"], "started");
    EXPECT_EQ(got[0]["data"]["to_runtime"], "openai");
    EXPECT_EQ(got[1]["data"]["status"], report.error ? "failed" : "completed");
    EXPECT_EQ(got[1]["data"]["reason"], report.error ? report.error->message : "");
}

TEST_F(EventPublishersTest, AServiceActionAnnouncesTheServicesNewStatus) {
    // Parts built where the script exists, with a runner that succeeds.
    Config config = fixture_config(dir_ / "scripted");
    std::filesystem::create_directories(config.scripts_dir);
    std::ofstream(config.scripts_dir / "ollama_service.sh") << "#!/bin/bash\n";
    ComponentPorts ports = fixture_ports();
    ports.run_process = [](const ProcessSpec&) -> Result<ProcessOutput> {
        return ProcessOutput{0, "stopped", ""};
    };
    Components scripted(config, std::move(ports));
    auto sub = scripted.events.subscribe("", 100);
    {
        // Refused while Ollama is busy: nothing changed, so nothing is announced.
        auto busy = scripted.runtime_locks.try_acquire({Runtime::ollama}, "a test");
        ASSERT_TRUE(busy.ok());
        EXPECT_FALSE(scripted.controller.run(Runtime::ollama, "stop").ok());
    }
    // The stop is announced.
    ASSERT_TRUE(scripted.controller.run(Runtime::ollama, "stop").ok());
    auto got = collect(*sub, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["type"], events::kServiceStatus);
    EXPECT_EQ(got[0]["data"]["name"], "ollama");
    EXPECT_EQ(got[0]["data"]["status"], "stopped");
    EXPECT_EQ(got[0]["data"]["success"], true);
}

}  // namespace
}  // namespace venom::testing

// The daemon's parts publish their changes: the operation queue (through its observer), the
// runtime switcher and the LLM server controller, each hooked to a bus as the daemon wires it.
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
    OperationQueue queue({1, 10, {}}, clock_, runtime_locks_);
    queue.set_observer([this](const Operation& op, bool state) {
        events::publish_operation(&events_, op, state, api::operation_json);
    });
    queue.start();
    auto sub = events_.subscribe("", 100);
    auto id = queue.submit({"m", "fake", Runtime::ollama, OperationType::install, "queued"},
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
    queue.shutdown();
}

TEST_F(EventPublishersTest, ARuntimeSwitchAnnouncesItsStartAndItsOutcome) {
    switcher_.set_event_bus(&events_);
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
    controller_.set_event_bus(&events_);
    auto sub = events_.subscribe("", 100);
    // No scripts in this fixture: refused before anything runs, so nothing changed and
    // nothing is announced.
    EXPECT_FALSE(controller_.run(Runtime::ollama, "stop").ok());
    // With a script and a runner that succeeds, the stop is announced.
    std::filesystem::create_directories(dir_.path() / "scripts");
    std::ofstream(dir_.path() / "scripts" / "ollama_service.sh") << "#!/bin/bash\n";
    auto options = controller_options(dir_.path());
    options.scripts_dir = dir_.path() / "scripts";
    runtime::LlmServerController controller(
        options,
        [](const ProcessSpec&) -> Result<ProcessOutput> {
            return ProcessOutput{0, "stopped", ""};
        },
        clock_, runtime_locks_);
    controller.set_event_bus(&events_);
    ASSERT_TRUE(controller.run(Runtime::ollama, "stop").ok());
    auto got = collect(*sub, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["type"], events::kServiceStatus);
    EXPECT_EQ(got[0]["data"]["name"], "ollama");
    EXPECT_EQ(got[0]["data"]["status"], "stopped");
    EXPECT_EQ(got[0]["data"]["success"], true);
}

}  // namespace
}  // namespace venom::testing

#include "events/event_bus.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/json/operation_json.hpp"
#include "events/event_types.hpp"
#include "support/eventually.hpp"

namespace venom::events {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using venom::testing::eventually;

// Everything the subscription had queued, after `count` events arrived (bounded wait).
std::vector<EventPtr> take_at_least(Subscription& s, std::size_t count,
                                    std::vector<EventPtr>* into = nullptr) {
    std::vector<EventPtr> all;
    eventually(
        [&] {
            for (auto& e : s.take()) all.push_back(std::move(e));
            return all.size() >= count;
        },
        5000ms);
    if (into) *into = all;
    return all;
}

json data_of(const EventPtr& e) {
    return json::parse(e->json)["data"];
}

class EventBusTest : public ::testing::Test {
protected:
    FakeClock clock_;
};

TEST_F(EventBusTest, SubscribersGetEventsInOrderWithIdsAndTheEnvelope) {
    EventBus bus({}, clock_);
    auto all = bus.subscribe("", 100);
    auto one = bus.subscribe("op-1", 100);
    bus.publish("A", "op-1", {{"n", 1}});
    bus.publish("B", "op-2", {{"n", 2}});
    bus.publish("C", "", {{"n", 3}});
    auto got = take_at_least(*all, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]->id, 1u);
    EXPECT_EQ(got[2]->id, 3u);
    const json envelope = json::parse(got[1]->json);
    EXPECT_EQ(envelope["id"], 2);
    EXPECT_EQ(envelope["type"], "B");
    EXPECT_EQ(envelope["data"]["n"], 2);
    EXPECT_TRUE(envelope["timestamp"].is_string());
    auto filtered = take_at_least(*one, 1);
    ASSERT_EQ(filtered.size(), 1u);  // only its topic
    EXPECT_EQ(filtered[0]->type, "A");
}

TEST_F(EventBusTest, ProgressIsCoalescedAndAStateChangeIsNeverDropped) {
    // An interval no test outlasts: the first progress goes out, the next ones wait.
    EventBus bus({256, std::chrono::hours(1)}, clock_);
    auto sub = bus.subscribe("", 1000);
    for (int i = 0; i < 500; ++i) {
        bus.publish_progress("P", "op-1", [i] { return json{{"progress", i}}; });
    }
    bus.publish("S", "op-1", {{"status", "completed"}}, true);
    auto got = take_at_least(*sub, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]->type, "P");
    EXPECT_EQ(data_of(got[0])["progress"], 0);
    EXPECT_EQ(got[1]->type, "S");  // the waiting progress is superseded, the state is sent
    EXPECT_TRUE(got[1]->closes_topic);
}

TEST_F(EventBusTest, TheLastProgressGoesOutWhenItsIntervalEnds) {
    EventBus bus({256, 20ms}, clock_);
    auto sub = bus.subscribe("", 1000);
    for (int i = 0; i <= 100; ++i) {
        bus.publish_progress("P", "op-1", [i] { return json{{"progress", i}}; });
    }
    std::vector<EventPtr> got;
    ASSERT_TRUE(eventually([&] {
        for (auto& e : sub->take()) got.push_back(std::move(e));
        return !got.empty() && data_of(got.back())["progress"] == 100;
    }));
    EXPECT_LT(got.size(), 10u);  // 101 calls within far less than 10 intervals
}

TEST_F(EventBusTest, ASubscriberThatDoesNotTakeOverflowsAndOthersKeepEverything) {
    EventBus bus({}, clock_);
    auto slow = bus.subscribe("", 3);
    auto fast = bus.subscribe("", 100);
    for (int i = 0; i < 10; ++i) bus.publish("E", "", {{"n", i}});
    auto got = take_at_least(*fast, 10);
    EXPECT_EQ(got.size(), 10u);
    ASSERT_TRUE(eventually([&] { return slow->overflowed(); }));
    EXPECT_TRUE(slow->take().empty());  // nothing more for a client being dropped
    EXPECT_FALSE(fast->overflowed());
}

TEST_F(EventBusTest, WakeIsCalledWhenEventsArriveAndNeverAfterItWasCleared) {
    EventBus bus({}, clock_);
    auto sub = bus.subscribe("", 100);
    std::atomic<int> wakes{0};
    sub->set_wake([&] { ++wakes; });
    bus.publish("E", "", {});
    ASSERT_TRUE(eventually([&] { return wakes.load() == 1; }));
    sub->set_wake(nullptr);
    bus.publish("E", "", {});
    take_at_least(*sub, 2);
    EXPECT_EQ(wakes.load(), 1);
}

TEST_F(EventBusTest, LastEventIdReplaysTheRingWithoutDuplicates) {
    EventBus bus({4, 100ms}, clock_);
    auto witness = bus.subscribe("", 100);
    for (int i = 1; i <= 6; ++i) bus.publish("E", "", {{"n", i}});
    take_at_least(*witness, 6);  // all six dispatched
    auto resumed = bus.subscribe("", 100, 4);
    bus.publish("E", "", {{"n", 7}});
    auto got = take_at_least(*resumed, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]->id, 5u);
    EXPECT_EQ(got[1]->id, 6u);
    EXPECT_EQ(got[2]->id, 7u);
    // An id from an earlier daemon run (above the last one): the whole ring, which keeps 4.
    auto stranger = bus.subscribe("", 100, 1000);
    auto ring = take_at_least(*stranger, 4);
    ASSERT_EQ(ring.size(), 4u);
    EXPECT_EQ(ring.front()->id, 4u);
}

TEST_F(EventBusTest, OperationEventsCarryTheOperationAndItsFinalStateClosesTheTopic) {
    EventBus bus({}, clock_);
    auto sub = bus.subscribe("op-9", 100);
    Operation op;
    op.operation_id = "op-9";
    op.model_name = "m";
    op.status = OperationStatus::in_progress;
    publish_operation(&bus, op, true, api::operation_json);
    op.bytes_done = 5;
    publish_operation(&bus, op, false, api::operation_json);
    op.status = OperationStatus::completed;
    publish_operation(&bus, op, true, api::operation_json);
    auto got = take_at_least(*sub, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]->type, kOperationStatus);
    EXPECT_EQ(got[1]->type, kOperationProgress);
    EXPECT_EQ(data_of(got[1])["bytes_done"], 5);
    EXPECT_EQ(data_of(got[2])["status"], "completed");
    EXPECT_TRUE(sub->topic_closed());
    publish_operation(nullptr, op, true, api::operation_json);  // no bus: nothing, no crash
}

TEST_F(EventBusTest, ServiceStatusEventsUseThePanelsFields) {
    EventBus bus({}, clock_);
    auto sub = bus.subscribe("", 100);
    publish_service_status(&bus, "ollama", "stop", true, "stopped");
    publish_service_status(&bus, "vllm", "start", false, "vllm: not found");
    publish_runtime_switch(&bus, "failed", "vllm", "ollama", "org/m", "did not start");
    auto got = take_at_least(*sub, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]->type, kServiceStatus);
    EXPECT_EQ(data_of(got[0])["name"], "ollama");
    EXPECT_EQ(data_of(got[0])["status"], "stopped");
    EXPECT_EQ(data_of(got[1])["status"], "error");
    EXPECT_EQ(data_of(got[1])["error_message"], "vllm: not found");
    EXPECT_EQ(got[2]->type, kRuntimeSwitch);
    EXPECT_EQ(data_of(got[2])["to_runtime"], "vllm");
    EXPECT_EQ(data_of(got[2])["from_runtime"], "ollama");
    EXPECT_EQ(data_of(got[2])["reason"], "did not start");
}

}  // namespace
}  // namespace venom::events

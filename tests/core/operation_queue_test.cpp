#include "venom/operation_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/eventually.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"

namespace venom {
namespace {

using nlohmann::json;
using testing::eventually;
using testing::Gate;

OperationRequest install(const std::string& model, Runtime runtime = Runtime::ollama) {
    return {model, "ollama", runtime, OperationType::install, "Queued"};
}

OperationStatus status_of(const OperationQueue& q, const std::string& id) {
    return q.get(id)->status;
}

bool reaches(const OperationQueue& q, const std::string& id, OperationStatus status) {
    return eventually([&] { return status_of(q, id) == status; });
}

// Work that reports half its bytes, waits at the gate, then finishes (or sees a cancel).
OperationWork gated_download(Gate& gate, std::atomic<bool>& reached_gate) {
    return [&](OperationContext& ctx) -> Result<std::string> {
        ctx.set_message("downloading");
        ctx.set_bytes(500, 1000);
        reached_gate = true;
        if (!gate.wait([&] { return ctx.cancelled(); })) {
            return make_error(499, "cancelled", "stopped");
        }
        ctx.set_bytes(1000, 1000);
        return std::string("done");
    };
}

TEST(OperationQueueTest, LifecycleReportsRealProgressThenCompletes) {
    RuntimeLocks locks;  // outlives the queue
    // Declared before the queue, so they outlive it: its worker may still be leaving wait().
    Gate gate;
    FakeClock clock;
    std::atomic<bool> at_gate{false};
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("llama3:latest"), gated_download(gate, at_gate));
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->size(), 36u);
    EXPECT_EQ((*id)[14], '4');  // UUID version 4

    ASSERT_TRUE(eventually([&] { return at_gate.load(); }));
    Operation running = *queue.get(*id);
    EXPECT_EQ(running.status, OperationStatus::in_progress);
    EXPECT_DOUBLE_EQ(running.progress, 50.0);
    EXPECT_EQ(running.bytes_done, 500u);
    EXPECT_EQ(running.bytes_total, 1000u);
    EXPECT_EQ(running.message, "downloading");
    EXPECT_FALSE(running.completed_at);

    gate.open();
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
    Operation done = *queue.get(*id);
    EXPECT_DOUBLE_EQ(done.progress, 100.0);
    EXPECT_EQ(done.message, "done");
    EXPECT_FALSE(done.error);
    EXPECT_TRUE(done.completed_at);
}

TEST(OperationQueueTest, ProgressStaysBelow100UntilCompletion) {
    RuntimeLocks locks;  // outlives the queue
    Gate gate;           // outlives the queue, whose worker may still be leaving wait()
    FakeClock clock;
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("m:1"), [&](OperationContext& ctx) -> Result<std::string> {
        ctx.set_bytes(1000, 1000);
        gate.wait();
        return std::string("ok");
    });
    ASSERT_TRUE(eventually([&] { return queue.get(*id)->bytes_done == 1000; }));
    EXPECT_LT(queue.get(*id)->progress, 100.0);
    gate.open();
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
}

// A transfer reports every piece (thousands a second); what the queue publishes (its lock, the
// operation's JSON, a live event each time) is bounded by time, and the last figure is not lost.
TEST(OperationQueueTest, ByteProgressIsPublishedAtABoundedRateAndTheEndAlways) {
    RuntimeLocks locks;                  // outlives the queue
    std::atomic<int> progress_notes{0};  // declared before the queue: its workers call it
    std::atomic<long long> elapsed_ms{0};
    FakeClock clock;
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.set_observer([&](const Operation&, bool state_changed) {
        if (!state_changed) ++progress_notes;
    });
    queue.start();
    constexpr uint64_t kPieces = 20000;
    auto id = queue.submit(install("m:1"), [&](OperationContext& ctx) -> Result<std::string> {
        const auto start = std::chrono::steady_clock::now();
        for (uint64_t i = 1; i < kPieces; ++i) ctx.set_bytes(i, kPieces);
        elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
        ctx.set_bytes(kPieces, kPieces);  // the last piece: always published
        return std::string("ok");
    });
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
    // The first piece, one per 100 ms that passed, and the last piece.
    const long long bound = 2 + elapsed_ms.load() / OperationContext::kProgressEvery.count();
    EXPECT_LE(progress_notes.load(), bound) << "in " << elapsed_ms.load() << " ms";
    EXPECT_EQ(queue.get(*id)->bytes_done, kPieces);
}

TEST(OperationQueueTest, AFigureHeldBackGoesOutWithTheNextMessage) {
    RuntimeLocks locks;  // outlives the queue
    Gate gate;
    FakeClock clock;
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("m:1"), [&](OperationContext& ctx) -> Result<std::string> {
        ctx.set_bytes(10, 100);
        ctx.set_bytes(50, 100);  // within 100 ms of the first, usually: held back
        ctx.set_message("verifying");
        gate.wait();
        return std::string("ok");
    });
    ASSERT_TRUE(eventually([&] { return queue.get(*id)->message == "verifying"; }));
    EXPECT_EQ(queue.get(*id)->bytes_done, 50u);
    gate.open();
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
}

TEST(OperationQueueTest, FailureKeepsTheErrorTextAndTheMessageSaysWhy) {
    RuntimeLocks locks;  // outlives the queue
    FakeClock clock;
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("m:1"), [](OperationContext& ctx) -> Result<std::string> {
        ctx.set_message("pulling manifest");
        return make_error(502, "upstream_error", "pull model manifest: file does not exist");
    });
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::failed));
    Operation op = *queue.get(*id);
    EXPECT_EQ(op.error, "pull model manifest: file does not exist");
    // Not the last phase: the panel shows only `message`.
    EXPECT_EQ(op.message, "Install failed: pull model manifest: file does not exist");
    EXPECT_LT(op.progress, 100.0);
    EXPECT_TRUE(op.completed_at);
}

TEST(OperationQueueTest, WorkThatThrowsFailsTheOperationNotTheDaemon) {
    RuntimeLocks locks;  // outlives the queue
    FakeClock clock;
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("m:1"), [](OperationContext&) -> Result<std::string> {
        throw std::runtime_error("boom");
    });
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::failed));
    EXPECT_NE(queue.get(*id)->error->find("boom"), std::string::npos);
}

TEST(OperationQueueTest, SecondOperationOnTheSameModelIs409WithTheRunningId) {
    RuntimeLocks locks;  // outlives the queue
    // Declared before the queue, so they outlive it: its worker may still be leaving wait().
    Gate gate;
    FakeClock clock;
    std::atomic<bool> at_gate{false};
    OperationQueue queue({2, 500, {}}, clock, locks);
    queue.start();
    auto first = queue.submit(install("llama3:latest"), gated_download(gate, at_gate));
    auto second = queue.submit(install("llama3:latest"), gated_download(gate, at_gate));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().http_status, 409);
    EXPECT_EQ(second.error().code, "model_busy");
    EXPECT_NE(second.error().message.find(*first), std::string::npos);
    EXPECT_EQ(queue.unfinished_operation_for("llama3:latest"), *first);
    gate.open();
    ASSERT_TRUE(reaches(queue, *first, OperationStatus::completed));
    EXPECT_TRUE(queue.submit(install("llama3:latest"), gated_download(gate, at_gate)).ok());
}

TEST(OperationQueueTest, OneOperationPerRuntimeAtATimeButRuntimesRunInParallel) {
    RuntimeLocks locks;  // outlives the queue
    FakeClock clock;
    Gate gate_a, gate_c;
    std::atomic<bool> a_at_gate{false}, b_ran{false}, c_at_gate{false};
    OperationQueue queue({3, 500, {}}, clock, locks);
    queue.start();
    auto a = queue.submit(install("a:1", Runtime::ollama), gated_download(gate_a, a_at_gate));
    auto b = queue.submit(install("b:1", Runtime::ollama),
                          [&](OperationContext&) -> Result<std::string> {
                              b_ran = true;
                              return std::string("ok");
                          });
    auto c = queue.submit({"org/c", "huggingface", Runtime::vllm, OperationType::install, "Queued"},
                          gated_download(gate_c, c_at_gate));
    ASSERT_TRUE(eventually([&] { return a_at_gate.load() && c_at_gate.load(); }));
    // a holds the ollama runtime: b waits although a worker is free; c runs on vllm meanwhile.
    EXPECT_EQ(status_of(queue, *b), OperationStatus::pending);
    EXPECT_FALSE(b_ran.load());
    EXPECT_EQ(status_of(queue, *c), OperationStatus::in_progress);
    gate_a.open();
    ASSERT_TRUE(reaches(queue, *b, OperationStatus::completed));
    gate_c.open();
    ASSERT_TRUE(reaches(queue, *c, OperationStatus::completed));
}

TEST(OperationQueueTest, CancelPendingAndRunning) {
    RuntimeLocks locks;  // outlives the queue
    // Declared before the queue, so they outlive it: its worker may still be leaving wait().
    Gate gate;
    FakeClock clock;
    std::atomic<bool> at_gate{false};
    std::atomic<bool> pending_ran{false};
    OperationQueue queue({1, 500, {}}, clock, locks);
    queue.start();
    auto running = queue.submit(install("a:1"), gated_download(gate, at_gate));
    auto pending = queue.submit(install("b:1"), [&](OperationContext&) -> Result<std::string> {
        pending_ran = true;
        return std::string("ok");
    });
    ASSERT_TRUE(eventually([&] { return at_gate.load(); }));

    auto cancelled_pending = queue.cancel(*pending);
    ASSERT_TRUE(cancelled_pending.ok());
    EXPECT_EQ(cancelled_pending->status, OperationStatus::cancelled);

    ASSERT_TRUE(queue.cancel(*running).ok());
    ASSERT_TRUE(reaches(queue, *running, OperationStatus::cancelled));
    EXPECT_FALSE(queue.get(*running)->error);
    EXPECT_FALSE(pending_ran.load());

    auto again = queue.cancel(*running);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().http_status, 409);
    auto unknown = queue.cancel("00000000-0000-4000-8000-000000000000");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().http_status, 404);
}

TEST(OperationQueueTest, ListsNewestFirstWithLimitAndBoundsHistory) {
    RuntimeLocks locks;  // outlives the queue
    FakeClock clock;
    OperationQueue queue({1, 10, {}}, clock, locks);
    queue.start();
    std::vector<std::string> ids;
    for (int i = 0; i < 15; ++i) {
        auto id = queue.submit(
            install("m:" + std::to_string(i)),
            [](OperationContext&) -> Result<std::string> { return std::string("ok"); });
        ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
        ids.push_back(*id);
    }
    auto three = queue.list(3);
    ASSERT_EQ(three.size(), 3u);
    EXPECT_EQ(three[0].operation_id, ids[14]);
    EXPECT_EQ(three[2].operation_id, ids[12]);
    EXPECT_EQ(queue.list(100).size(), 10u);  // bounded: the oldest finished ones were dropped
    EXPECT_FALSE(queue.get(ids[0]));
}

// The list text is the shape the caller hands in (the API's lives in src/api/json/), cached
// per operation: a change, or another shape, renders it again.
TEST(OperationQueueTest, ListJsonIsTheGivenShapeAndFollowsChanges) {
    RuntimeLocks locks;  // outlives the queue
    Gate gate;           // outlives the queue, whose worker may still be leaving wait()
    FakeClock clock;
    std::atomic<bool> at_gate{false};
    OperationQueue queue({1, 10, {}}, clock, locks);
    queue.start();
    auto id = queue.submit(install("llama3:latest"), gated_download(gate, at_gate));
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(eventually([&] { return at_gate.load(); }));
    OperationShape by_status = [](const Operation& op) {
        return json{{"id", op.operation_id}, {"status", to_string(op.status)}};
    };
    OperationShape by_bytes = [](const Operation& op) { return json{{"done", op.bytes_done}}; };

    // The text is appended after what the caller already wrote (the answer's head).
    auto list = [&](std::size_t limit, OperationShape shape) {
        std::string out = "head:";
        const std::size_t count = queue.append_list_json(out, limit, shape);
        EXPECT_EQ(out.rfind("head:", 0), 0u);
        return std::pair(out.substr(5), count);
    };

    auto [text, count] = list(10, by_status);
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(json::parse(text),
              json::parse(R"([{"id":")" + *id + R"(","status":"in_progress"}])"));
    EXPECT_EQ(list(10, by_bytes).first, R"([{"done":500}])");

    gate.open();
    ASSERT_TRUE(reaches(queue, *id, OperationStatus::completed));
    EXPECT_EQ(list(10, by_bytes).first, R"([{"done":1000}])");
    EXPECT_EQ(json::parse(list(10, by_status).first)[0]["status"], "completed");
    EXPECT_EQ(list(0, by_status), std::pair(std::string("[]"), std::size_t{0}));
}

TEST(OperationQueueTest, HistoryIsPersistedAndReloaded) {
    RuntimeLocks locks;  // outlives the queue
    testing::TempDir dir;
    FakeClock clock;
    std::string id;
    {
        OperationQueue queue({1, 500, dir / "operations.json"}, clock, locks);
        queue.start();
        auto submitted = queue.submit(install("llama3:latest"),
                                      [](OperationContext& ctx) -> Result<std::string> {
                                          ctx.set_bytes(10, 10);
                                          return std::string("installed");
                                      });
        id = *submitted;
        ASSERT_TRUE(reaches(queue, id, OperationStatus::completed));
        queue.shutdown();
    }
    // Its own format, versioned, not the API's answer.
    const json file = json::parse(std::ifstream(dir / "operations.json"));
    EXPECT_EQ(file["format"], "venomd-operations");
    EXPECT_EQ(file["version"], 1);
    ASSERT_EQ(file["operations"].size(), 1u);
    EXPECT_EQ(file["operations"][0]["operation_id"], id);

    OperationQueue reloaded({1, 500, dir / "operations.json"}, clock, locks);
    EXPECT_FALSE(reloaded.load_history());
    auto op = reloaded.get(id);
    ASSERT_TRUE(op);
    EXPECT_EQ(op->status, OperationStatus::completed);
    EXPECT_EQ(op->message, "installed");
    EXPECT_EQ(op->bytes_done, 10u);
    EXPECT_DOUBLE_EQ(op->progress, 100.0);
}

TEST(OperationQueueTest, AHistoryFromANewerVenomdIsRefusedByNameAndKeptAside) {
    RuntimeLocks locks;  // outlives the queue
    testing::TempDir dir;
    FakeClock clock;
    std::ofstream(dir / "operations.json")
        << R"({"format": "venomd-operations", "version": 2, "operations": []})";
    OperationQueue queue({1, 500, dir / "operations.json"}, clock, locks);
    auto warning = queue.load_history();
    ASSERT_TRUE(warning);
    EXPECT_NE(warning->find("newer venomd"), std::string::npos) << *warning;
    EXPECT_TRUE(std::filesystem::exists(dir / "operations.json.corrupt"));
}

// Also in a history written before the format had a version (issue 14), which is read.
TEST(OperationQueueTest, OperationsRunningWhenTheDaemonDiedAreMarkedInterrupted) {
    RuntimeLocks locks;  // outlives the queue
    testing::TempDir dir;
    FakeClock clock;
    const std::string id = "11111111-1111-4111-8111-111111111111";
    std::ofstream(dir / "operations.json") << R"({"operations": [{
        "operation_id": "11111111-1111-4111-8111-111111111111", "model_name": "llama3:latest",
        "provider": "ollama", "runtime": "ollama", "operation_type": "install",
        "status": "in_progress", "progress": 42.0, "message": "downloading", "error": null,
        "bytes_total": null, "bytes_done": 0, "started_at": "2026-11-28T03:00:00.000Z",
        "updated_at": "2026-11-28T03:00:00.000Z", "completed_at": null}]})";

    OperationQueue queue({1, 500, dir / "operations.json"}, clock, locks);
    EXPECT_FALSE(queue.load_history());
    auto loaded = queue.get(id);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->status, OperationStatus::failed);
    EXPECT_NE(loaded->error->find("interrupted"), std::string::npos);
    EXPECT_TRUE(loaded->completed_at);
    // The model is not considered busy any more.
    EXPECT_FALSE(queue.unfinished_operation_for("llama3:latest"));
}

TEST(OperationQueueTest, DamagedHistoryIsReportedAndKeptAside) {
    RuntimeLocks locks;  // outlives the queue
    testing::TempDir dir;
    FakeClock clock;
    std::ofstream(dir / "operations.json") << "{\"operations\": [{\"operation_id\": ";
    OperationQueue queue({1, 500, dir / "operations.json"}, clock, locks);
    auto warning = queue.load_history();
    ASSERT_TRUE(warning);
    EXPECT_TRUE(std::filesystem::exists(dir / "operations.json.corrupt"));
    EXPECT_TRUE(queue.list(10).empty());
}

TEST(OperationQueueTest, ShutdownInterruptsRunningWorkAndRecordsIt) {
    RuntimeLocks locks;  // outlives the queue
    testing::TempDir dir;
    FakeClock clock;
    Gate never;
    std::atomic<bool> at_gate{false};
    std::string id;
    {
        OperationQueue queue({1, 500, dir / "operations.json"}, clock, locks);
        queue.start();
        id = *queue.submit(install("a:1"), gated_download(never, at_gate));
        ASSERT_TRUE(eventually([&] { return at_gate.load(); }));
        queue.shutdown();
        EXPECT_EQ(status_of(queue, id), OperationStatus::failed);
        EXPECT_EQ(queue.submit(install("b:1"), gated_download(never, at_gate)).error().code,
                  "shutting_down");
    }
    OperationQueue reloaded({1, 500, dir / "operations.json"}, clock, locks);
    reloaded.load_history();
    EXPECT_NE(reloaded.get(id)->error->find("interrupted"), std::string::npos);
}

}  // namespace
}  // namespace venom

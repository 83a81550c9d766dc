#pragma once
// Runs operations on the daemon's own worker threads, never on a request: bounded concurrency,
// one operation per model at a time, one per runtime at a time (the runtime's lock in the shared
// RuntimeLocks, which switches and service actions take too), cancel, and a bounded history
// persisted to operations.json so a restart keeps it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "venom/clock.hpp"
#include "venom/durable_file.hpp"
#include "venom/operation.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"
#include "venom/runtime_locks.hpp"

namespace venom {

class OperationQueue;

// Handed to the work of one operation: how it reports progress and learns of a cancel.
// Thread-safe; valid for the duration of the work call only.
class OperationContext {
public:
    const std::string& operation_id() const { return id_; }
    // True once the operation was cancelled or the daemon is shutting down: stop soon and
    // return any error; the queue records the right final status.
    bool cancelled() const { return cancel_->load(); }
    // Phase text for a person ("downloading", "verifying"). Not logged per call.
    void set_message(std::string message);
    // Real byte progress; progress becomes done/total (kept below 100 until completion).
    // Cheap enough for every piece of a transfer: the figure is published (the queue's lock, an
    // event) at most every kProgressEvery and when done reaches total; a figure held back goes
    // out with the next message.
    void set_bytes(uint64_t done, std::optional<uint64_t> total);
    static constexpr std::chrono::milliseconds kProgressEvery{100};
    // Progress of work that has no bytes (phases), 0..100, kept below 100 until completion.
    void set_progress(double percent);

private:
    friend class OperationQueue;
    OperationContext(OperationQueue& queue, std::string id,
                     std::shared_ptr<std::atomic<bool>> cancel)
        : queue_(queue), id_(std::move(id)), cancel_(std::move(cancel)) {}

    void publish_bytes(uint64_t done, std::optional<uint64_t> total, std::string* message);

    OperationQueue& queue_;
    std::string id_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    static constexpr uint64_t kNoTotal = ~uint64_t{0};
    // Steady-clock nanoseconds of the last publication; starts long before any boot time.
    std::atomic<int64_t> published_ns_{std::numeric_limits<int64_t>::min() / 2};
    std::atomic<uint64_t> held_done_{0};          // the last figure held back,
    std::atomic<uint64_t> held_total_{kNoTotal};  // with its total
    std::atomic<bool> held_{false};
};

struct OperationRequest {
    std::string model_name;
    std::string provider;
    Runtime runtime = Runtime::ollama;  // whose lock the operation holds while it runs
    OperationType type = OperationType::install;
    std::string message;  // shown while pending, e.g. "Queued: install llama3:latest"
};

// The work returns the completion message, or an Error whose message becomes `error`.
using OperationWork = std::function<Result<std::string>(OperationContext&)>;

class OperationQueue {
public:
    struct Options {
        std::size_t workers = 2;
        std::size_t history_limit = 500;
        std::filesystem::path history_path;  // empty: history kept in memory only
    };

    // `locks` must outlive the queue. A pending operation runs once a worker is free and its
    // runtime's lock can be taken; it stays pending while a switch, a service action, an
    // activation or another operation holds that runtime, and the queue looks again whenever a
    // hold is released.
    OperationQueue(Options options, const Clock& clock, RuntimeLocks& locks,
                   WriteFaults* faults = nullptr);
    ~OperationQueue();
    OperationQueue(const OperationQueue&) = delete;
    OperationQueue& operator=(const OperationQueue&) = delete;

    // Reads operations.json; operations it lists as pending or in_progress were running when
    // the daemon died and are recorded as failed ("interrupted"). Returns a warning when the
    // file was unreadable (it is then copied aside, as the manifest is). Call before start().
    std::optional<std::string> load_history();
    void start();

    // Told of every change, under the queue's lock (so it must only queue, never block):
    // `state_changed` for created, started and finished, false for progress and messages.
    // Set before start(). Live events use it.
    using Observer = std::function<void(const Operation&, bool state_changed)>;
    void set_observer(Observer observer) { observer_ = std::move(observer); }

    // Queues `work`. 409 model_busy (naming the running operation) when the model already has
    // an unfinished operation; 503 shutting_down after shutdown(). Thread-safe, no disk I/O.
    Result<std::string> submit(OperationRequest request, OperationWork work);

    // Thread-safe snapshots; no disk I/O.
    std::optional<Operation> get(const std::string& id) const;
    std::vector<Operation> list(std::size_t limit) const;  // newest first
    // The same newest-first list as a JSON array text of `shape` (the API's api::operation_json)
    // appended to `out`, with room for `slack` more bytes reserved after it; returns its length.
    // Built from per-operation text cached until the operation changes or another shape is asked
    // for, with one allocation: GET /models/operations is polled often, and rebuilding JSON trees
    // per request cost three quarters of its throughput.
    std::size_t append_list_json(std::string& out, std::size_t limit, OperationShape shape,
                                 std::size_t slack = 0) const;
    std::optional<std::string> unfinished_operation_for(const std::string& model_name) const;

    // Pending: cancelled at once. Running: the work is told and its final status becomes
    // cancelled. 404 operation_not_found; 409 operation_finished when already final.
    Result<Operation> cancel(const std::string& id);

    // Paused: queued operations stay pending (their message says why) and none starts; running
    // ones go on. Not persisted: a restarted daemon's queue runs. Thread-safe, no disk I/O.
    void pause();
    void resume();

    struct Status {
        bool paused = false;
        std::size_t pending = 0;    // queued, not started
        std::size_t active = 0;     // in_progress
        std::size_t limit = 0;      // operations that may run at once (the workers)
        std::size_t completed = 0;  // in the kept history
        std::size_t failed = 0;
        std::size_t cancelled = 0;
    };
    // Counts over the queue and its kept history. Thread-safe, no disk I/O.
    Status status() const;

    // For GET /metrics: operations kept (queue and history) by type and status, the bytes
    // installs have reported since start (a counter: bytes a resume does not fetch again are not
    // counted twice), and how fast the running installs move now (their bytes since they started
    // running over the time since). Thread-safe, no disk I/O.
    struct Census {
        std::map<std::pair<OperationType, OperationStatus>, std::size_t> operations;
        std::uint64_t bytes_transferred = 0;
        double install_bytes_per_second = 0;
    };
    Census census() const;

    // Stops accepting work, tells running work to stop, waits for the workers, records
    // unfinished operations as failed ("interrupted by shutdown") and flushes the history.
    void shutdown();

private:
    friend class OperationContext;
    struct Entry {
        Operation op;
        mutable std::string json_text;  // json_shape(op).dump(), empty when stale
        mutable OperationShape json_shape = nullptr;
        OperationWork work;
        std::string queued_message;  // shown again when a pause ends
        std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
        std::chrono::steady_clock::time_point running_since{};  // when a worker took it
        std::uint64_t bytes_at_run = 0;                         // bytes_done then
        Runtime runtime = Runtime::ollama;  // op.runtime as a Runtime, for the lock (pending ones)
    };

    void worker_loop();
    void writer_loop();
    Entry* find_locked(const std::string& id);
    const Entry* find_locked(const std::string& id) const;
    // The first pending entry whose runtime's lock it could take (into `runtime`).
    Entry* next_runnable_locked(RuntimeLocks::Hold& runtime);
    void finish_locked(Entry& entry, OperationStatus status, std::string message,
                       std::optional<std::string> error);
    void update(const std::string& id, const std::function<void(Operation&)>& change);
    void trim_history_locked();
    void mark_dirty_locked();
    void changed_locked(Entry& entry);
    void notify_locked(const Entry& entry, bool state_changed) const {
        if (observer_) observer_(entry.op, state_changed);
    }
    std::string serialize_locked() const;

    Options options_;
    const Clock& clock_;
    WriteFaults* faults_;
    Observer observer_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable writer_cv_;
    std::deque<Entry> entries_;  // creation order, oldest first
    RuntimeLocks& locks_;
    std::uint64_t release_listener_ = 0;
    bool stopping_ = false;
    bool paused_ = false;
    std::atomic<std::uint64_t> bytes_transferred_{0};  // Census::bytes_transferred
    bool dirty_ = false;
    bool writer_stop_ = false;

    std::vector<std::thread> workers_;
    std::thread writer_;
};

}  // namespace venom

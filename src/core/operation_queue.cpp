#include "venom/operation_queue.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/operations_file.hpp"
#include "venom/logging.hpp"

namespace venom {
namespace {

using nlohmann::json;

// Progress reaches 100 only when the operation completes; while work runs it is capped, so a
// client never sees 100 with a status still in_progress.
constexpr double kRunningProgressCap = 99.9;

// Upstream error text can hold any bytes; serialising must not throw on them.
constexpr auto kReplaceInvalidUtf8 = json::error_handler_t::replace;

constexpr const char* kPausedMessage =
    "Waiting: the operation queue is paused (POST /api/v1/queue/resume)";

// The panel shows only `message`: a failed operation's message says why it failed, not the last
// progress line, which would make it look as if it were still going.
std::string failure_message(OperationType type, const std::string& reason) {
    std::string kind(to_string(type));
    if (!kind.empty())
        kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
    return kind + " failed: " + reason;
}

// What a refused switch or service action says holds the runtime.
std::string holder_of(const Operation& op) {
    const char* kind = op.type == OperationType::install  ? "install"
                       : op.type == OperationType::remove ? "removal"
                                                          : "activation";
    return std::string(kind) + " of " + op.model_name + " (operation " + op.operation_id + ")";
}

}  // namespace

void OperationContext::set_message(std::string message) {
    if (held_.exchange(false)) {
        const uint64_t total = held_total_.load();
        publish_bytes(held_done_.load(), total == kNoTotal ? std::nullopt : std::optional(total),
                      &message);
        return;
    }
    queue_.update(id_, [&](Operation& op) { op.message = std::move(message); });
}

void OperationContext::set_bytes(uint64_t done, std::optional<uint64_t> total) {
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    const bool last = total && done >= *total;
    if (!last && now - published_ns_.load(std::memory_order_relaxed) <
                     std::chrono::nanoseconds(kProgressEvery).count()) {
        held_done_.store(done, std::memory_order_relaxed);
        held_total_.store(total.value_or(kNoTotal), std::memory_order_relaxed);
        held_.store(true);
        return;
    }
    published_ns_.store(now, std::memory_order_relaxed);
    held_.store(false);
    publish_bytes(done, total, nullptr);
}

void OperationContext::publish_bytes(uint64_t done, std::optional<uint64_t> total,
                                     std::string* message) {
    queue_.update(id_, [&](Operation& op) {
        if (done > op.bytes_done) queue_.bytes_transferred_ += done - op.bytes_done;
        op.bytes_done = done;
        op.bytes_total = total;
        if (total && *total > 0) {
            op.progress = std::min(kRunningProgressCap,
                                   100.0 * static_cast<double>(done) / static_cast<double>(*total));
        }
        if (message) op.message = std::move(*message);
    });
}

void OperationContext::set_progress(double percent) {
    queue_.update(
        id_, [&](Operation& op) { op.progress = std::clamp(percent, 0.0, kRunningProgressCap); });
}

OperationQueue::OperationQueue(Options options, const Clock& clock, RuntimeLocks& locks,
                               WriteFaults* faults)
    : options_(std::move(options)), clock_(clock), faults_(faults), locks_(locks) {
    // A runtime freed by a switch, a service action or an activation may let a pending operation
    // run. Taking the mutex first means a worker is either before its check (and sees the runtime
    // free) or already waiting (and gets the notification): the wake-up cannot fall between.
    release_listener_ = locks_.add_release_listener([this] {
        { std::lock_guard lock(mutex_); }
        work_cv_.notify_all();
    });
}

OperationQueue::~OperationQueue() {
    locks_.remove_release_listener(release_listener_);
    shutdown();
}

std::optional<std::string> OperationQueue::load_history() {
    if (options_.history_path.empty()) return std::nullopt;
    remove_stale_temp_files(options_.history_path);
    std::ifstream in(options_.history_path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream buffer;
    buffer << in.rdbuf();

    std::deque<Entry> loaded;
    std::size_t interrupted = 0;
    try {
        for (Operation& op : operations_file::parse(buffer.str())) {
            Entry entry;
            entry.op = std::move(op);
            if (!entry.op.finished()) {
                entry.op.status = OperationStatus::failed;
                entry.op.error = "interrupted: the daemon stopped while this operation ran";
                entry.op.message = failure_message(entry.op.type, *entry.op.error);
                entry.op.completed_at = format_rfc3339(clock_.now());
                entry.op.updated_at = *entry.op.completed_at;
                ++interrupted;
            }
            loaded.push_back(std::move(entry));
        }
    } catch (const std::exception& e) {
        std::filesystem::path aside = options_.history_path;
        aside += ".corrupt";
        std::error_code ec;
        std::filesystem::copy_file(options_.history_path, aside,
                                   std::filesystem::copy_options::overwrite_existing, ec);
        std::string warning = "operation history " + options_.history_path.string() +
                              " is damaged (" + e.what() + "); a copy was kept at " +
                              aside.string() + " and the history starts empty";
        logger("operations")
            ->error("history damaged path={} reason=\"{}\"", options_.history_path.string(),
                    e.what());
        return warning;
    }

    std::lock_guard lock(mutex_);
    entries_ = std::move(loaded);
    trim_history_locked();
    if (interrupted > 0) {
        logger("operations")->warn("history marked interrupted operations count={}", interrupted);
        mark_dirty_locked();
    }
    return std::nullopt;
}

void OperationQueue::start() {
    std::lock_guard lock(mutex_);
    if (!workers_.empty() || stopping_) return;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.workers); ++i) {
        workers_.emplace_back([this] { worker_loop(); });
    }
    writer_ = std::thread([this] { writer_loop(); });
}

Result<std::string> OperationQueue::submit(OperationRequest request, OperationWork work) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return make_error(503, "shutting_down", "The daemon is shutting down");
    }
    for (const auto& entry : entries_) {
        if (!entry.op.finished() && entry.op.model_name == request.model_name) {
            return make_error(409, "model_busy",
                              "Model " + request.model_name + " already has a " +
                                  std::string(to_string(entry.op.type)) +
                                  " operation running: " + entry.op.operation_id);
        }
    }
    Entry entry;
    entry.op.operation_id = make_uuid_v4();
    entry.op.model_name = std::move(request.model_name);
    entry.op.provider = std::move(request.provider);
    entry.op.runtime = std::string(to_string(request.runtime));
    entry.runtime = request.runtime;
    entry.op.type = request.type;
    entry.queued_message = std::move(request.message);
    entry.op.message = paused_ ? kPausedMessage : entry.queued_message;
    entry.op.started_at = format_rfc3339(clock_.now());
    entry.op.updated_at = entry.op.started_at;
    entry.work = std::move(work);
    std::string id = entry.op.operation_id;
    entries_.push_back(std::move(entry));
    notify_locked(entries_.back(), true);
    trim_history_locked();
    mark_dirty_locked();
    work_cv_.notify_one();
    return id;
}

std::optional<Operation> OperationQueue::get(const std::string& id) const {
    std::lock_guard lock(mutex_);
    if (const Entry* entry = find_locked(id)) return entry->op;
    return std::nullopt;
}

std::vector<Operation> OperationQueue::list(std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<Operation> out;
    out.reserve(std::min(limit, entries_.size()));
    for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < limit; ++it) {
        out.push_back(it->op);
    }
    return out;
}

std::optional<std::string> OperationQueue::unfinished_operation_for(
    const std::string& model_name) const {
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
        if (!entry.op.finished() && entry.op.model_name == model_name) {
            return entry.op.operation_id;
        }
    }
    return std::nullopt;
}

Result<Operation> OperationQueue::cancel(const std::string& id) {
    std::lock_guard lock(mutex_);
    Entry* entry = find_locked(id);
    if (!entry) return make_error(404, "operation_not_found", "Operation " + id + " not found");
    if (entry->op.finished()) {
        return make_error(
            409, "operation_finished",
            "Operation " + id + " already " + std::string(to_string(entry->op.status)));
    }
    entry->cancel->store(true);
    if (entry->op.status == OperationStatus::pending) {
        finish_locked(*entry, OperationStatus::cancelled, "Cancelled before it started",
                      std::nullopt);
    } else {
        entry->op.message = "Cancelling...";
        entry->op.updated_at = format_rfc3339(clock_.now());
        changed_locked(*entry);
        notify_locked(*entry, false);
    }
    logger("operations")->info("cancel requested op={} model={}", id, entry->op.model_name);
    return entry->op;
}

void OperationQueue::pause() {
    std::lock_guard lock(mutex_);
    if (paused_) return;
    paused_ = true;
    for (auto& entry : entries_) {
        if (entry.op.status != OperationStatus::pending) continue;
        entry.op.message = kPausedMessage;
        entry.op.updated_at = format_rfc3339(clock_.now());
        changed_locked(entry);
        notify_locked(entry, false);  // event clients see why it waits
    }
    logger("operations")->info("queue paused");
}

void OperationQueue::resume() {
    {
        std::lock_guard lock(mutex_);
        if (!paused_) return;
        paused_ = false;
        for (auto& entry : entries_) {
            if (entry.op.status != OperationStatus::pending) continue;
            entry.op.message = entry.queued_message;
            entry.op.updated_at = format_rfc3339(clock_.now());
            changed_locked(entry);
            notify_locked(entry, false);
        }
        logger("operations")->info("queue resumed");
    }
    work_cv_.notify_all();
}

OperationQueue::Status OperationQueue::status() const {
    std::lock_guard lock(mutex_);
    Status s;
    s.paused = paused_;
    s.limit = std::max<std::size_t>(1, options_.workers);
    for (const auto& entry : entries_) {
        switch (entry.op.status) {
            case OperationStatus::pending:
                ++s.pending;
                break;
            case OperationStatus::in_progress:
                ++s.active;
                break;
            case OperationStatus::completed:
                ++s.completed;
                break;
            case OperationStatus::failed:
                ++s.failed;
                break;
            case OperationStatus::cancelled:
                ++s.cancelled;
                break;
        }
    }
    return s;
}

OperationQueue::Census OperationQueue::census() const {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    Census c;
    c.bytes_transferred = bytes_transferred_.load();
    for (const auto& entry : entries_) {
        ++c.operations[{entry.op.type, entry.op.status}];
        if (entry.op.type != OperationType::install ||
            entry.op.status != OperationStatus::in_progress) {
            continue;
        }
        const double seconds = std::chrono::duration<double>(now - entry.running_since).count();
        if (seconds > 0 && entry.op.bytes_done > entry.bytes_at_run) {
            c.install_bytes_per_second +=
                static_cast<double>(entry.op.bytes_done - entry.bytes_at_run) / seconds;
        }
    }
    return c;
}

void OperationQueue::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty() && !writer_.joinable()) return;
        stopping_ = true;
        for (auto& entry : entries_) {
            if (!entry.op.finished()) entry.cancel->store(true);
        }
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    {
        std::lock_guard lock(mutex_);
        for (auto& entry : entries_) {
            if (!entry.op.finished()) {
                const std::string reason =
                    "interrupted by daemon shutdown; start it again to resume";
                finish_locked(entry, OperationStatus::failed,
                              failure_message(entry.op.type, reason), reason);
            }
        }
        writer_stop_ = true;
    }
    writer_cv_.notify_all();
    if (writer_.joinable()) {
        writer_.join();
    } else if (!options_.history_path.empty()) {
        std::lock_guard lock(mutex_);
        if (dirty_) (void)write_file_durably(options_.history_path, serialize_locked(), faults_);
    }
}

void OperationQueue::worker_loop() {
    for (;;) {
        // Declared before the lock below, so it is released after the queue's mutex: releasing
        // runs the queue's own release listener, which takes that mutex.
        RuntimeLocks::Hold runtime;
        std::string id;
        OperationWork work;
        std::shared_ptr<std::atomic<bool>> cancel;
        {
            std::unique_lock lock(mutex_);
            Entry* entry = nullptr;
            work_cv_.wait(lock,
                          [&] { return stopping_ || (entry = next_runnable_locked(runtime)); });
            if (stopping_) return;
            entry->op.status = OperationStatus::in_progress;
            entry->op.updated_at = format_rfc3339(clock_.now());
            entry->running_since = std::chrono::steady_clock::now();
            entry->bytes_at_run = entry->op.bytes_done;
            changed_locked(*entry);
            notify_locked(*entry, true);
            id = entry->op.operation_id;
            work = std::move(entry->work);
            cancel = entry->cancel;
            logger("operations")
                ->info("start op={} type={} model={} runtime={}", id, to_string(entry->op.type),
                       entry->op.model_name, entry->op.runtime);
        }

        OperationContext context(*this, id, cancel);
        Result<std::string> result = make_error(500, "internal", "operation did not run");
        try {
            result = work(context);
        } catch (const std::exception& e) {
            // Work must not throw (convention 3); if it does, the operation fails, not the daemon.
            result = make_error(500, "internal", std::string("unexpected error: ") + e.what());
        }

        {
            std::lock_guard lock(mutex_);
            if (Entry* entry = find_locked(id)) {
                if (result.ok()) {
                    finish_locked(*entry, OperationStatus::completed, result.value(), std::nullopt);
                } else if (cancel->load() && stopping_) {
                    const std::string reason =
                        "interrupted by daemon shutdown; start it again to resume";
                    finish_locked(*entry, OperationStatus::failed,
                                  failure_message(entry->op.type, reason), reason);
                } else if (cancel->load()) {
                    finish_locked(*entry, OperationStatus::cancelled, "Cancelled", std::nullopt);
                } else {
                    finish_locked(*entry, OperationStatus::failed,
                                  failure_message(entry->op.type, result.error().message),
                                  result.error().message);
                }
            }
        }
        // Held until the operation is final, so a switch refused meanwhile named a running one.
        // Out of the mutex: the release wakes the workers (another operation on this runtime).
        runtime.release();
        work_cv_.notify_all();
    }
}

OperationQueue::Entry* OperationQueue::next_runnable_locked(RuntimeLocks::Hold& runtime) {
    if (paused_) return nullptr;
    for (auto& entry : entries_) {
        if (entry.op.status != OperationStatus::pending) continue;
        // Busy with another operation, a switch, a service action or an activation: the entry
        // stays pending and the release listener wakes the workers when the runtime is free.
        auto taken = locks_.try_acquire({entry.runtime}, holder_of(entry.op));
        if (!taken) continue;
        runtime = std::move(*taken);
        return &entry;
    }
    return nullptr;
}

void OperationQueue::finish_locked(Entry& entry, OperationStatus status, std::string message,
                                   std::optional<std::string> error) {
    Operation& op = entry.op;
    op.status = status;
    op.message = std::move(message);
    op.error = std::move(error);
    if (status == OperationStatus::completed) {
        op.progress = 100.0;
        if (op.bytes_total) op.bytes_done = *op.bytes_total;
    }
    op.updated_at = format_rfc3339(clock_.now());
    op.completed_at = op.updated_at;
    entry.work = nullptr;
    entry.json_text.clear();
    logger("operations")
        ->info("finish op={} model={} status={}{}", op.operation_id, op.model_name,
               to_string(status), op.error ? " error=\"" + *op.error + "\"" : "");
    mark_dirty_locked();
    notify_locked(entry, true);
}

void OperationQueue::update(const std::string& id, const std::function<void(Operation&)>& change) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find_locked(id); entry && !entry->op.finished()) {
        change(entry->op);
        entry->op.updated_at = format_rfc3339(clock_.now());
        entry->json_text.clear();
        notify_locked(*entry, false);
    }
}

OperationQueue::Entry* OperationQueue::find_locked(const std::string& id) {
    for (auto& entry : entries_) {
        if (entry.op.operation_id == id) return &entry;
    }
    return nullptr;
}

const OperationQueue::Entry* OperationQueue::find_locked(const std::string& id) const {
    return const_cast<OperationQueue*>(this)->find_locked(id);
}

void OperationQueue::trim_history_locked() {
    // Drop the oldest finished operations beyond the limit; unfinished ones are never dropped.
    std::size_t excess =
        entries_.size() > options_.history_limit ? entries_.size() - options_.history_limit : 0;
    for (auto it = entries_.begin(); excess > 0 && it != entries_.end();) {
        if (it->op.finished()) {
            it = entries_.erase(it);
            --excess;
        } else {
            ++it;
        }
    }
}

void OperationQueue::changed_locked(Entry& entry) {
    entry.json_text.clear();
    mark_dirty_locked();
}

std::size_t OperationQueue::append_list_json(std::string& out, std::size_t limit,
                                             OperationShape shape, std::size_t slack) const {
    std::lock_guard lock(mutex_);
    const std::size_t count = std::min(limit, entries_.size());
    std::size_t bytes = 2 + count;  // brackets and commas
    for (auto it = entries_.rbegin(); it != entries_.rbegin() + count; ++it) {
        if (it->json_text.empty() || it->json_shape != shape) {
            it->json_text = shape(it->op).dump(-1, ' ', false, kReplaceInvalidUtf8);
            it->json_shape = shape;
        }
        bytes += it->json_text.size();
    }
    out.reserve(out.size() + bytes + slack);
    out += '[';
    for (auto it = entries_.rbegin(); it != entries_.rbegin() + count; ++it) {
        if (it != entries_.rbegin()) out += ',';
        out += it->json_text;
    }
    out += ']';
    return count;
}

void OperationQueue::mark_dirty_locked() {
    dirty_ = true;
    writer_cv_.notify_one();
}

std::string OperationQueue::serialize_locked() const {
    std::vector<const Operation*> operations;
    operations.reserve(entries_.size());
    for (const auto& entry : entries_) operations.push_back(&entry.op);
    return operations_file::serialize(operations);
}

void OperationQueue::writer_loop() {
    // Writes happen here, off the request path, coalescing bursts of changes into one write.
    std::unique_lock lock(mutex_);
    for (;;) {
        writer_cv_.wait(lock, [&] { return dirty_ || writer_stop_; });
        if (dirty_ && !options_.history_path.empty()) {
            dirty_ = false;
            std::string content = serialize_locked();
            lock.unlock();
            auto written = write_file_durably(options_.history_path, content, faults_);
            if (!written) {
                logger("operations")
                    ->error("history write failed error=\"{}\"", written.error().message);
            }
            lock.lock();
        } else {
            dirty_ = false;
        }
        if (writer_stop_ && !dirty_) return;
    }
}

}  // namespace venom

#pragma once
// The daemon's live events (operation progress and state, runtime switches, service status),
// published by its parts and pushed to WebSocket and Server-Sent-Events clients. Publishing
// never waits on a client: it appends to a bounded replay ring under a short lock and hands the
// event to one dispatcher thread, which copies it into each subscriber's bounded queue. A
// subscriber that lets its queue fill up is marked overflowed (its transport drops it).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "venom/clock.hpp"

namespace venom::events {

struct Event {
    std::uint64_t id = 0;       // 1, 2, ... in publishing order; 0: a snapshot outside the sequence
    std::string type;           // "OPERATION_PROGRESS", ...
    std::string topic;          // the operation id for operation events, else ""
    bool closes_topic = false;  // the topic's last event (an operation's final state)
    std::uint64_t resume_id = 0;  // a snapshot: the last id its subscriber had before it
    std::string json;             // {"id","type","timestamp","data"} on one line
};

using EventPtr = std::shared_ptr<const Event>;

// One client's view of the stream. Thread-safe.
class Subscription {
public:
    Subscription(std::string topic, std::size_t capacity)
        : topic_(std::move(topic)), capacity_(capacity) {}

    // Events queued since the last call, oldest first.
    std::vector<EventPtr> take();
    // More than `capacity` events waited at once: the client reads too slowly.
    bool overflowed() const;
    // With a topic filter: the topic's closing event was queued (nothing follows it).
    bool topic_closed() const;
    // Called (from the bus's dispatcher thread, never under the bus's lock) after events were
    // queued. Must not block. Replaced or cleared (nullptr) at any time; once clear() returned,
    // it is never called again.
    void set_wake(std::function<void()> wake);
    // Queues a snapshot of the followed topic ahead of everything else, or after it. A closing
    // snapshot is left out when the topic's closing event is queued already.
    void push_front(EventPtr event) { push(std::move(event), true); }
    void push_back(EventPtr event) { push(std::move(event), false); }
    // Nothing is queued (e.g. a replay found nothing newer).
    bool empty() const;

    const std::string& topic() const { return topic_; }
    // The last event id published before this subscription began (after its replay).
    std::uint64_t start_id() const { return start_id_; }

private:
    friend class EventBus;
    void push(EventPtr event, bool front);
    // Queues events this subscriber has not had yet; false when it had nothing to add.
    // Also calls the wake function when something was queued.
    bool deliver(const std::vector<EventPtr>& events);

    const std::string topic_;  // "" : every event
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<EventPtr> queue_;
    std::uint64_t seen_up_to_ = 0;  // ids at or below were queued (replay) or predate it
    std::uint64_t start_id_ = 0;
    bool overflowed_ = false;
    bool topic_closed_ = false;
    std::function<void()> wake_;
};

class EventBus {
public:
    struct Options {
        std::size_t replay = 256;                          // events kept for Last-Event-ID
        std::chrono::milliseconds progress_interval{100};  // per topic, for publish_progress
    };
    using Payload = std::function<nlohmann::json()>;

    EventBus(Options options, const Clock& clock);
    ~EventBus();  // stop()
    EventBus(const EventBus&) = delete;
    EventBus& operator=(const EventBus&) = delete;

    // Publishes now; a pending progress event of the same topic is dropped (this one says
    // more). Never blocks on clients or I/O. Thread-safe.
    void publish(std::string type, std::string topic, nlohmann::json data,
                 bool closes_topic = false);
    // At most one event per topic and progress_interval: a call inside the interval replaces
    // the waiting one, which goes out when the interval ends. `payload` is built only for the
    // events that go out, under the bus's lock (keep it cheap). Thread-safe.
    void publish_progress(std::string type, std::string topic, Payload payload);

    // A new subscriber to every event (`topic` empty) or one topic's. With `after_id`
    // (Last-Event-ID), the replay ring's later events matching it are queued first; an id above
    // the last one published (a client of an earlier daemon run) replays the whole ring. The
    // replay does not count against `capacity`: a client dropped as too slow that reconnects
    // gets what it missed, and then `capacity` more.
    std::shared_ptr<Subscription> subscribe(std::string topic, std::size_t capacity,
                                            std::optional<std::uint64_t> after_id = std::nullopt);

    // Builds an event outside the sequence (id 0), e.g. a snapshot for push_front to
    // `subscriber`, which a reconnect resumes after (its resume_id).
    EventPtr snapshot(std::string type, const Subscription& subscriber, const nlohmann::json& data,
                      bool closes_topic) const;

    std::uint64_t last_id() const;
    std::size_t subscribers() const;
    // Ends the dispatcher; later publishes are dropped. Idempotent.
    void stop();

private:
    struct Pending {
        // A century before boot: a topic's first progress goes out at once. (The zero time
        // point held it back on a machine up for less than one interval, as steady_clock counts
        // from boot: EventBusTest failed on a machine booted within the hour.)
        std::chrono::steady_clock::time_point last_sent{-std::chrono::hours(24 * 365 * 100)};
        std::string type;
        Payload payload;  // empty: nothing waiting
    };
    EventPtr make_event_locked(std::string type, std::string topic, const std::string& data,
                               bool closes_topic);
    void append_locked(EventPtr event);
    void dispatch_loop();

    Options options_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::uint64_t next_id_ = 1;
    std::deque<EventPtr> ring_;
    std::vector<EventPtr> outbox_;
    std::map<std::string, Pending> pending_;
    std::vector<std::weak_ptr<Subscription>> subscribers_;
    bool stopping_ = false;
    std::thread dispatcher_;
};

}  // namespace venom::events

#include "events/event_bus.hpp"

#include <algorithm>

namespace venom::events {
namespace {

using steady = std::chrono::steady_clock;

// Upstream text (error messages, model names) can hold any bytes; a dump must not throw.
std::string dump(const nlohmann::json& data) {
    return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<EventPtr> Subscription::take() {
    std::lock_guard lock(mutex_);
    std::vector<EventPtr> out(std::make_move_iterator(queue_.begin()),
                              std::make_move_iterator(queue_.end()));
    queue_.clear();
    return out;
}

bool Subscription::overflowed() const {
    std::lock_guard lock(mutex_);
    return overflowed_;
}

bool Subscription::topic_closed() const {
    std::lock_guard lock(mutex_);
    return topic_closed_;
}

void Subscription::set_wake(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

void Subscription::push(EventPtr event, bool front) {
    std::lock_guard lock(mutex_);
    if (!topic_.empty() && event->closes_topic) {
        if (topic_closed_) return;  // the real closing event says the same
        topic_closed_ = true;
    }
    if (front) {
        queue_.push_front(std::move(event));
    } else {
        queue_.push_back(std::move(event));
    }
}

bool Subscription::empty() const {
    std::lock_guard lock(mutex_);
    return queue_.empty();
}

bool Subscription::deliver(const std::vector<EventPtr>& events) {
    std::lock_guard lock(mutex_);
    bool added = false;
    for (const auto& event : events) {
        if (event->id <= seen_up_to_) continue;  // replayed already, or older than us
        seen_up_to_ = event->id;
        if (overflowed_ || topic_closed_) continue;
        if (!topic_.empty() && event->topic != topic_) continue;
        if (queue_.size() >= capacity_) {
            overflowed_ = true;
            queue_.clear();  // the transport drops this client; nothing more is sent
            added = true;
            break;
        }
        queue_.push_back(event);
        if (!topic_.empty() && event->closes_topic) topic_closed_ = true;
        added = true;
    }
    // Under the lock, so a wake cleared by set_wake(nullptr) is never called afterwards.
    if (added && wake_) wake_();
    return added;
}

EventBus::EventBus(Options options, const Clock& clock)
    : options_(options), clock_(clock), dispatcher_([this] { dispatch_loop(); }) {}

EventBus::~EventBus() {
    stop();
}

void EventBus::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (dispatcher_.joinable()) dispatcher_.join();
}

EventPtr EventBus::make_event_locked(std::string type, std::string topic, const std::string& data,
                                     bool closes_topic) {
    auto event = std::make_shared<Event>();
    event->id = next_id_++;
    event->json = "{\"id\":" + std::to_string(event->id) + ",\"type\":\"" + type +
                  "\",\"timestamp\":\"" + format_rfc3339(clock_.now()) + "\",\"data\":" + data +
                  "}";
    event->type = std::move(type);
    event->topic = std::move(topic);
    event->closes_topic = closes_topic;
    return event;
}

EventPtr EventBus::snapshot(std::string type, const Subscription& subscriber,
                            const nlohmann::json& data, bool closes_topic) const {
    auto event = std::make_shared<Event>();
    event->resume_id = subscriber.start_id();
    event->json = "{\"id\":null,\"type\":\"" + type + "\",\"timestamp\":\"" +
                  format_rfc3339(clock_.now()) + "\",\"data\":" + dump(data) + "}";
    event->type = std::move(type);
    event->topic = subscriber.topic();
    event->closes_topic = closes_topic;
    return event;
}

void EventBus::append_locked(EventPtr event) {
    ring_.push_back(event);
    while (ring_.size() > options_.replay) ring_.pop_front();
    outbox_.push_back(std::move(event));
}

void EventBus::publish(std::string type, std::string topic, nlohmann::json data,
                       bool closes_topic) {
    const std::string text = dump(data);  // outside the lock
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (!topic.empty()) {
            auto it = pending_.find(topic);
            if (it != pending_.end()) {
                if (closes_topic) {
                    pending_.erase(it);
                } else {
                    it->second.payload = nullptr;  // superseded by this event
                }
            }
        }
        append_locked(make_event_locked(std::move(type), std::move(topic), text, closes_topic));
    }
    cv_.notify_one();
}

void EventBus::publish_progress(std::string type, std::string topic, Payload payload) {
    const auto now = steady::now();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        Pending& pending = pending_[topic];
        if (!pending.payload && now - pending.last_sent >= options_.progress_interval) {
            pending.last_sent = now;
            append_locked(
                make_event_locked(std::move(type), std::move(topic), dump(payload()), false));
        } else {
            // Sent by the dispatcher when the interval is over (it may be waiting without a
            // deadline, so it is woken to take this one into account).
            const bool was_waiting = static_cast<bool>(pending.payload);
            pending.type = std::move(type);
            pending.payload = std::move(payload);
            if (was_waiting) return;
        }
    }
    cv_.notify_one();
}

std::shared_ptr<Subscription> EventBus::subscribe(std::string topic, std::size_t capacity,
                                                  std::optional<std::uint64_t> after_id) {
    capacity = std::max<std::size_t>(1, capacity);
    if (after_id) capacity += options_.replay;
    auto subscription = std::make_shared<Subscription>(std::move(topic), capacity);
    std::lock_guard lock(mutex_);
    const std::uint64_t last = next_id_ - 1;
    if (after_id) {
        const std::uint64_t from = *after_id > last ? 0 : *after_id;
        std::vector<EventPtr> replay;
        for (const auto& event : ring_) {
            if (event->id > from) replay.push_back(event);
        }
        subscription->deliver(replay);
    }
    {
        std::lock_guard inner(subscription->mutex_);
        subscription->seen_up_to_ = last;
        subscription->start_id_ = last;
    }
    subscribers_.push_back(subscription);
    return subscription;
}

std::uint64_t EventBus::last_id() const {
    std::lock_guard lock(mutex_);
    return next_id_ - 1;
}

std::size_t EventBus::subscribers() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(subscribers_.begin(), subscribers_.end(),
                                                  [](const auto& s) { return !s.expired(); }));
}

void EventBus::dispatch_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        const auto now = steady::now();
        std::optional<steady::time_point> next;
        for (auto it = pending_.begin(); it != pending_.end();) {
            Pending& pending = it->second;
            const auto due = pending.last_sent + options_.progress_interval;
            if (pending.payload && due <= now) {
                pending.last_sent = now;
                append_locked(
                    make_event_locked(pending.type, it->first, dump(pending.payload()), false));
                pending.payload = nullptr;
                ++it;
            } else if (pending.payload) {
                next = next ? std::min(*next, due) : due;
                ++it;
            } else if (due <= now) {
                it = pending_.erase(it);  // idle topic: a later event goes out at once anyway
            } else {
                ++it;
            }
        }
        if (!outbox_.empty()) {
            std::vector<EventPtr> batch = std::move(outbox_);
            outbox_.clear();
            std::vector<std::shared_ptr<Subscription>> live;
            std::erase_if(subscribers_, [&](const std::weak_ptr<Subscription>& weak) {
                auto strong = weak.lock();
                if (!strong) return true;
                live.push_back(std::move(strong));
                return false;
            });
            lock.unlock();
            for (const auto& subscription : live) subscription->deliver(batch);
            live.clear();  // a subscription's last owner may be here: released unlocked
            lock.lock();
            continue;
        }
        if (stopping_) return;
        if (next) {
            cv_.wait_until(lock, *next);
        } else {
            cv_.wait(lock);
        }
    }
}

}  // namespace venom::events

#include "venom/runtime_locks.hpp"

#include <algorithm>
#include <cassert>

namespace venom {
namespace {

std::size_t slot_of(Runtime runtime) {
    return static_cast<std::size_t>(runtime);
}

}  // namespace

RuntimeLocks::Hold::Hold(Hold&& other) noexcept
    : owner_(other.owner_), runtimes_(std::move(other.runtimes_)), token_(other.token_) {
    other.owner_ = nullptr;
    other.runtimes_.clear();
    other.token_ = 0;
}

RuntimeLocks::Hold& RuntimeLocks::Hold::operator=(Hold&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        runtimes_ = std::move(other.runtimes_);
        token_ = other.token_;
        other.owner_ = nullptr;
        other.runtimes_.clear();
        other.token_ = 0;
    }
    return *this;
}

bool RuntimeLocks::Hold::holds(Runtime runtime) const {
    return std::find(runtimes_.begin(), runtimes_.end(), runtime) != runtimes_.end();
}

void RuntimeLocks::Hold::release() {
    if (!owner_ || runtimes_.empty()) return;
    RuntimeLocks* owner = owner_;
    std::vector<Runtime> runtimes = std::move(runtimes_);
    runtimes_.clear();
    owner_ = nullptr;
    owner->release(runtimes, token_);
    token_ = 0;
}

Error RuntimeLocks::busy_error(Runtime runtime, const std::string& holder) {
    return make_error(409, "runtime_busy",
                      std::string(to_string(runtime)) + " is busy: " + holder +
                          " is running; try again when it ends");
}

Result<RuntimeLocks::Hold> RuntimeLocks::try_acquire(std::initializer_list<Runtime> runtimes,
                                                     const std::string& holder) {
    return acquire(std::vector<Runtime>(runtimes), holder);
}

Result<RuntimeLocks::Hold> RuntimeLocks::try_acquire(const std::vector<Runtime>& runtimes,
                                                     const std::string& holder) {
    return acquire(runtimes, holder);
}

Result<RuntimeLocks::Hold> RuntimeLocks::acquire(std::vector<Runtime> runtimes,
                                                 const std::string& holder) {
    std::sort(runtimes.begin(), runtimes.end());
    runtimes.erase(std::unique(runtimes.begin(), runtimes.end()), runtimes.end());
    std::lock_guard lock(mutex_);
    // All or none: look at every slot before taking any.
    for (Runtime runtime : runtimes) {
        const Slot& slot = slots_[slot_of(runtime)];
        if (slot.token != 0) return busy_error(runtime, slot.holder);
    }
    const std::uint64_t token = next_token_++;
    for (Runtime runtime : runtimes) slots_[slot_of(runtime)] = {token, holder};
    return Hold(this, std::move(runtimes), token);
}

std::optional<std::string> RuntimeLocks::holder(Runtime runtime) const {
    std::lock_guard lock(mutex_);
    const Slot& slot = slots_[slot_of(runtime)];
    if (slot.token == 0) return std::nullopt;
    return slot.holder;
}

void RuntimeLocks::release(const std::vector<Runtime>& runtimes, std::uint64_t token) {
    {
        std::lock_guard lock(mutex_);
        for (Runtime runtime : runtimes) {
            Slot& slot = slots_[slot_of(runtime)];
            assert(slot.token == token);  // a hold frees only what it took
            if (slot.token == token) slot = {};
        }
    }
    std::lock_guard lock(listeners_mutex_);
    for (const auto& [id, listener] : listeners_) listener();
}

std::uint64_t RuntimeLocks::add_release_listener(std::function<void()> listener) {
    std::lock_guard lock(listeners_mutex_);
    const std::uint64_t id = next_listener_++;
    listeners_.emplace(id, std::move(listener));
    return id;
}

void RuntimeLocks::remove_release_listener(std::uint64_t id) {
    std::lock_guard lock(listeners_mutex_);
    listeners_.erase(id);
}

}  // namespace venom

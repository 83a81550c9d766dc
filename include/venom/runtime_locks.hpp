#pragma once
// One lock per runtime, shared by everything that uses a runtime or changes whether it runs: the
// operation queue (an install or removal holds its runtime while it runs), the registry (an
// activation), the LLM server controller (a start, stop or restart) and the runtime switcher (a
// switch holds every local runtime it may stop or start). The daemon owns the one instance and
// hands it to each by reference, so they see each other (docs/ARCHITECTURE.md "Runtime locks").
//
// Nobody waits for a lock: try_acquire answers at once, and a refusal says what holds the
// runtime. That keeps request threads free (an Ollama pull may hold Ollama for an hour) and
// makes hold-and-wait deadlocks impossible: a caller that needs several runtimes takes them all
// in one call or none of them. Work that can wait (the queue's pending operations) listens for
// releases and tries again.

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom {

class RuntimeLocks {
public:
    // The locks one try_acquire took, released when the Hold is destroyed (or by release()).
    // Move-only. Not thread-safe itself: one owner at a time.
    class Hold {
    public:
        Hold() = default;
        Hold(Hold&& other) noexcept;
        Hold& operator=(Hold&& other) noexcept;
        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;
        ~Hold() { release(); }

        bool holds(Runtime runtime) const;
        bool empty() const { return runtimes_.empty(); }
        // Frees every runtime held and tells the release listeners. Idempotent.
        void release();

    private:
        friend class RuntimeLocks;
        Hold(RuntimeLocks* owner, std::vector<Runtime> runtimes, std::uint64_t token)
            : owner_(owner), runtimes_(std::move(runtimes)), token_(token) {}

        RuntimeLocks* owner_ = nullptr;
        std::vector<Runtime> runtimes_;
        std::uint64_t token_ = 0;  // which acquisition, so a hold frees only its own locks
    };

    RuntimeLocks() = default;
    RuntimeLocks(const RuntimeLocks&) = delete;
    RuntimeLocks& operator=(const RuntimeLocks&) = delete;

    // Takes every runtime in `runtimes` for `holder`, a phrase naming what runs ("install of
    // llama3:latest (operation 3f2a…)", "switch to vllm", "restart of ollama"), or none of them:
    // 409 runtime_busy naming the first busy runtime and its holder ("ollama is busy: install of
    // llama3:latest (operation 3f2a…) is running; try again when it ends"). Never waits; a
    // runtime held already, even by the caller's own Hold, is busy. Thread-safe.
    Result<Hold> try_acquire(std::initializer_list<Runtime> runtimes, const std::string& holder);
    Result<Hold> try_acquire(const std::vector<Runtime>& runtimes, const std::string& holder);

    // What holds `runtime` now, nullopt when it is free. Thread-safe.
    std::optional<std::string> holder(Runtime runtime) const;

    // `listener` is called after every release, on the releasing thread, without the locks'
    // own mutex held, so it may take its own mutex (to wake workers waiting for a runtime
    // without losing the wake-up) and call try_acquire; it must not release a Hold itself.
    // Whoever releases a Hold must therefore not hold a mutex a listener takes. Returns an id for
    // remove_release_listener, after which the listener is never called again. Thread-safe.
    std::uint64_t add_release_listener(std::function<void()> listener);
    void remove_release_listener(std::uint64_t id);

    // The refusal try_acquire gives for `runtime` held by `holder`.
    static Error busy_error(Runtime runtime, const std::string& holder);

private:
    struct Slot {
        std::uint64_t token = 0;  // 0: free
        std::string holder;
    };
    void release(const std::vector<Runtime>& runtimes, std::uint64_t token);
    Result<Hold> acquire(std::vector<Runtime> runtimes, const std::string& holder);

    mutable std::mutex mutex_;  // guards slots_ and next_token_
    std::array<Slot, kAllRuntimes.size()> slots_;
    std::uint64_t next_token_ = 1;

    std::mutex listeners_mutex_;  // held while listeners run, so removal waits for a running one
    std::map<std::uint64_t, std::function<void()>> listeners_;
    std::uint64_t next_listener_ = 1;
};

}  // namespace venom

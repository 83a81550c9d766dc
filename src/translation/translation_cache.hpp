#pragma once
// Translations already made, by (model, source, target, sha256 of the text): a bounded LRU in
// memory, saved to a JSON file with durable writes so a restart keeps it (issue 12, point 3).
// Only successful translations are ever put in.
//
// Thread-safe: every member may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace venom::translation {

class TranslationCache {
public:
    struct Options {
        std::size_t max_entries = 2000;
        // Bytes of translations (and keys) held at most; the least recently used go first. A
        // translation is whatever a runtime answered, so a count alone would not bound memory.
        std::size_t max_bytes = 16 * 1024 * 1024;
        std::optional<std::filesystem::path> file;  // nullopt: memory only
        // A save happens at most this often; later changes wait for the next one or flush().
        std::chrono::milliseconds min_save_interval{2000};
    };

    explicit TranslationCache(Options options);
    // Saves what has not been saved yet.
    ~TranslationCache();

    // The key for one text: model, source ("auto" when unknown), target and the sha256 of the
    // text, so the text itself is never kept as a key.
    static std::string key(const std::string& model, const std::string& source,
                           const std::string& target, const std::string& text);

    // Reads the file. A missing file is an empty cache; a damaged one (or one of another
    // version) is a warning (returned) and an empty cache, with a copy of the file kept at
    // <file>.corrupt for a person, since the next save rewrites it.
    std::optional<std::string> load();

    std::optional<std::string> get(const std::string& key);  // marks it most recently used
    // get() calls that found a translation, and those that did not, since start. Thread-safe.
    std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
    std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
    void put(const std::string& key, std::string translation);
    std::size_t size() const;

    // Saves now when something changed since the last save and the last save is at least
    // min_save_interval old (bounded rate); `force` ignores the interval. A failed save is
    // logged and retried at the next call. Never blocks get()/put() while it writes, and a
    // caller finding a save under way returns at once (unless `force`).
    void save_if_due(bool force = false);

private:
    using Entry = std::pair<std::string, std::string>;  // key, translation
    Options options_;
    mutable std::mutex mutex_;
    std::list<Entry> order_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;  // of every key and translation held
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> misses_{0};
    bool dirty_ = false;
    std::chrono::steady_clock::time_point last_save_{};
    std::mutex save_mutex_;  // one writer of the file at a time

    void evict_locked();  // drops the least recently used past either bound
};

}  // namespace venom::translation

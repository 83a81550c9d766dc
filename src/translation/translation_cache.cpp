#include "translation/translation_cache.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "venom/durable_file.hpp"
#include "venom/logging.hpp"

namespace venom::translation {

namespace {

constexpr int kVersion = 1;  // of the file's layout

std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    hex.reserve(length * 2);
    char buf[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        hex += buf;
    }
    return hex;
}

}  // namespace

TranslationCache::TranslationCache(Options options) : options_(std::move(options)) {}

TranslationCache::~TranslationCache() {
    save_if_due(true);
}

std::string TranslationCache::key(const std::string& model, const std::string& source,
                                  const std::string& target, const std::string& text) {
    // The parts are joined with a byte no model name or language code holds.
    return model + '\x1f' + (source.empty() ? "auto" : source) + '\x1f' + target + '\x1f' +
           sha256_hex(text);
}

std::optional<std::string> TranslationCache::load() {
    if (!options_.file) return std::nullopt;
    std::ifstream in(*options_.file, std::ios::binary);
    if (!in) return std::nullopt;  // no file yet
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::vector<Entry> loaded;
    std::string problem;
    try {
        const auto doc = nlohmann::json::parse(buffer.str());
        if (doc.at("version") != kVersion) {
            problem = "it is of another version (" + doc.at("version").dump() + ")";
        } else {
            for (const auto& e : doc.at("entries")) {
                loaded.emplace_back(e.at("key").get<std::string>(),
                                    e.at("text").get<std::string>());
            }
        }
    } catch (const std::exception& e) {
        problem = e.what();
    }
    if (!problem.empty()) {
        std::filesystem::path aside = *options_.file;
        aside += ".corrupt";
        std::error_code ec;
        std::filesystem::copy_file(*options_.file, aside,
                                   std::filesystem::copy_options::overwrite_existing, ec);
        return "translation cache " + options_.file->string() +
               " is damaged and was not used: " + problem +
               (ec ? "" : "; a copy was kept at " + aside.string());
    }
    std::lock_guard lock(mutex_);
    order_.clear();
    index_.clear();
    bytes_ = 0;
    for (auto& entry : loaded) {  // most recently used first, as saved
        if (index_.count(entry.first)) continue;
        bytes_ += entry.first.size() + entry.second.size();
        order_.push_back(std::move(entry));
        index_[order_.back().first] = std::prev(order_.end());
    }
    evict_locked();
    return std::nullopt;
}

std::optional<std::string> TranslationCache::get(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
        misses_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
}

void TranslationCache::put(const std::string& key, std::string translation) {
    if (options_.max_entries == 0) return;
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
        bytes_ -= it->second->second.size();
        bytes_ += translation.size();
        it->second->second = std::move(translation);
        order_.splice(order_.begin(), order_, it->second);
    } else {
        bytes_ += key.size() + translation.size();
        order_.emplace_front(key, std::move(translation));
        index_[key] = order_.begin();
    }
    evict_locked();
    dirty_ = true;
}

void TranslationCache::evict_locked() {
    while (!order_.empty() &&
           (order_.size() > options_.max_entries || bytes_ > options_.max_bytes)) {
        bytes_ -= order_.back().first.size() + order_.back().second.size();
        index_.erase(order_.back().first);
        order_.pop_back();
    }
}

std::size_t TranslationCache::size() const {
    std::lock_guard lock(mutex_);
    return order_.size();
}

void TranslationCache::save_if_due(bool force) {
    if (!options_.file) return;
    // A translation finishing while another one saves does not wait for the disk.
    std::unique_lock writer(save_mutex_, std::defer_lock);
    if (force) {
        writer.lock();
    } else if (!writer.try_lock()) {
        return;
    }
    std::vector<Entry> snapshot;
    {
        std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (!dirty_ || (!force && now - last_save_ < options_.min_save_interval)) return;
        snapshot.assign(order_.begin(), order_.end());
        dirty_ = false;
        last_save_ = now;
    }
    // Serialised outside mutex_: get() and put() go on meanwhile.
    nlohmann::json entries = nlohmann::json::array();
    for (auto& [key, text] : snapshot) {
        entries.push_back({{"key", std::move(key)}, {"text", std::move(text)}});
    }
    const nlohmann::json doc = {{"version", kVersion}, {"entries", std::move(entries)}};
    const std::string body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto written = write_file_durably(*options_.file, body); !written) {
        logger("translation")->warn("cache not saved: {}", written.error().message);
        std::lock_guard lock(mutex_);
        dirty_ = true;
    }
}

}  // namespace venom::translation

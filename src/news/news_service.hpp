#pragma once
// Hub news for GET /api/v1/models/news: the blog feed and the papers of a month, fetched on the
// request pool, cached like the catalogs (TtlCache: fresh hits make no upstream call, one fetch
// per key with later callers joining it, the last good list served stale on failure, failures
// never cached), and translated into the panel's language through an injected function.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "news/news_item.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/clock.hpp"
#include "venom/result.hpp"
#include "venom/ttl_cache.hpp"

namespace venom::news {

enum class NewsKind { blog, papers };

// Translates `text` (English) into `target_lang` ("pl", "de"). Called on the news service's
// own translation threads, several at once: must be thread-safe. An error leaves the text in
// English. This is the seam the TranslationService plugs into.
using Translate =
    std::function<Result<std::string>(const std::string& text, const std::string& target_lang)>;

struct NewsQuery {
    NewsKind kind = NewsKind::blog;
    std::string month;  // "YYYY-MM", papers only
    std::size_t limit = 5;
    std::string lang = "en";  // lower-case: en, pl or de
};

struct NewsAnswer {
    std::vector<NewsItem> items;
    bool stale = false;
    std::optional<std::string> error;
};

class NewsService {
public:
    struct Options {
        std::string hub;            // HF_ENDPOINT: paper links and the daily papers API
        std::string blog_feed_url;  // the feed itself
        std::string papers_url;     // the month page is <papers_url>/YYYY-MM
        std::chrono::milliseconds timeout{10000};  // one upstream request
        std::chrono::milliseconds translation_timeout{8000};  // translating one answer
        std::chrono::seconds ttl{1800};
        std::size_t translation_workers = 4;  // translations of one answer run this many at once
    };

    // `pool` runs the fetches and the translation of answers (never an I/O thread).
    NewsService(Options options, const Clock& clock, BlockingPool& pool);
    ~NewsService();  // stops the translation threads (waits for the ones running)

    // Where translations come from; unset: answers with lang other than "en" stay in English
    // and say so in `error`. Call before serving (not thread-safe with get()).
    void set_translate(Translate translate);

    // Calls `done` exactly once, maybe at once on the calling thread, else from a pool thread:
    // the first `limit` items, translated when query.lang is not "en" (each item in full, or
    // left in English with the reason in `error`), within translation_timeout. Thread-safe.
    void get(const NewsQuery& query, std::function<void(NewsAnswer)> done);

    // The current month, "YYYY-MM" in UTC, from the clock. Thread-safe.
    std::string current_month() const;

    // One upstream read, uncached (for the cache and tests). 502/504 when the upstream fails or
    // answers an error; 502 upstream_layout_changed when a 200 answer holds no item. Blocking.
    Result<std::vector<NewsItem>> fetch(NewsKind kind, const std::string& month) const;

private:
    Result<std::vector<NewsItem>> fetch_blog() const;
    Result<std::vector<NewsItem>> fetch_papers(const std::string& month) const;
    Result<std::vector<NewsItem>> fetch_daily_papers(const std::string& month,
                                                     const std::string& page_problem) const;
    // The items' titles and summaries in `lang`, with `answer.error` extended for those left
    // in English. Blocks at most translation_timeout.
    NewsAnswer translate(NewsAnswer answer, const std::string& lang);
    std::optional<std::string> cached_translation(const std::string& lang,
                                                  const std::string& text);
    void remember_translation(const std::string& lang, const std::string& text,
                              const std::string& translated);

    Options options_;
    const Clock& clock_;
    BlockingPool& pool_;
    Translate translate_;
    TtlCache<std::vector<NewsItem>> cache_;
    // Translations of item texts, per (language, English text): a later answer with the same
    // items translates nothing again; a changed text is translated afresh. Bounded.
    std::mutex translations_mutex_;
    std::map<std::pair<std::string, std::string>, std::string> translations_;
    BlockingPool translation_pool_;  // last: stopped first, before what its tasks use
};

}  // namespace venom::news

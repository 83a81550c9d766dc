#pragma once
// Hub news for GET /api/v1/models/news: the blog feed and the papers of a month, fetched on the
// request pool, cached like the catalogs (TtlCache: fresh hits make no upstream call, one fetch
// per key with later callers joining it, the last good list served stale on failure, failures
// never cached), and translated into the panel's language through an injected function (the
// daemon plugs in translation::TranslationService, so news share its workers and its cache).

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "news/news_item.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/clock.hpp"
#include "venom/deadline_timer.hpp"
#include "venom/result.hpp"
#include "venom/ttl_cache.hpp"

namespace venom::news {

enum class NewsKind { blog, papers };

// Translates `text` (English) into `target_lang` ("pl", "de") and calls `done` exactly once,
// by `deadline` (the translator bounds its upstream calls by it), maybe at once on the calling
// thread. Called for every text of an answer in a row, from any thread: must be thread-safe and
// must not wait for an upstream. An error leaves the text in English.
using TranslateDone = std::function<void(Result<std::string>)>;
using Translate =
    std::function<void(const std::string& text, const std::string& target_lang,
                       std::chrono::steady_clock::time_point deadline, TranslateDone done)>;

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
        std::chrono::milliseconds timeout{10000};             // one upstream request
        std::chrono::milliseconds translation_timeout{8000};  // translating one answer
        std::chrono::seconds ttl{1800};
    };

    // `pool` runs the fetches (never an I/O thread).
    NewsService(Options options, const Clock& clock, BlockingPool& pool);

    // Where translations come from; unset: answers with lang other than "en" stay in English
    // and say so in `error`. Call before serving (not thread-safe with get()).
    void set_translate(Translate translate);

    // Calls `done` exactly once, maybe at once on the calling thread, else from a pool or
    // translator thread: the first `limit` items, translated when query.lang is not "en" (each
    // item in full, or left in English with the reason in `error`), within translation_timeout
    // of the list being there. Never waits for a translation on a thread. Thread-safe.
    void get(const NewsQuery& query, std::function<void(NewsAnswer)> done);

    // The current month, "YYYY-MM" in UTC, from the clock. Thread-safe.
    std::string current_month() const;

private:
    // One upstream read, uncached. 502/504 when the upstream fails or answers an error; 502
    // upstream_layout_changed when a 200 answer holds no item. Blocking.
    Result<std::vector<NewsItem>> fetch(NewsKind kind, const std::string& month) const;
    Result<std::vector<NewsItem>> fetch_blog() const;
    Result<std::vector<NewsItem>> fetch_papers(const std::string& month) const;
    Result<std::vector<NewsItem>> fetch_daily_papers(const std::string& month,
                                                     const std::string& page_problem) const;
    // Calls `done` with the items' titles and summaries in `lang`, and `answer.error` extended
    // for those left in English.
    void translate(NewsAnswer answer, const std::string& lang,
                   std::function<void(NewsAnswer)> done);

    Options options_;
    const Clock& clock_;
    Translate translate_;
    TtlCache<std::vector<NewsItem>> cache_;
    DeadlineTimer timer_;  // ends translations at their deadline; last: joined first
};

}  // namespace venom::news

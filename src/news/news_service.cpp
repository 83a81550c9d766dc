#include "news/news_service.hpp"

#include <condition_variable>
#include <ctime>
#include <memory>
#include <set>

#include "news/blog_feed.hpp"
#include "news/hub_papers.hpp"
#include "venom/http_client.hpp"
#include "venom/logging.hpp"
#include "venom/text.hpp"

namespace venom::news {
namespace {

// Translations kept in memory; past this the map starts over (the news lists are small: a
// few dozen texts per language).
constexpr std::size_t kMaxTranslations = 4096;
// Papers asked of the daily papers API (its default page size, upstream-protocols.md §4.2).
constexpr int kDailyPapersLimit = 50;

Result<net::HttpReply> http_get(const std::string& url, std::chrono::milliseconds timeout,
                           const char* accept) {
    net::HttpCall call;
    call.url = url;
    call.timeout = timeout;
    call.stall_timeout = timeout;
    call.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
    call.headers = {std::string("Accept: ") + accept};
    return net::perform(call);
}

Error http_error(const std::string& what, long status) {
    return make_error(502, "upstream_error", what + " answered HTTP " + std::to_string(status));
}

// One text to translate: item `item`'s title or summary.
struct Job {
    std::size_t item;
    bool summary;
    std::string text;
};

// What the translation threads share with the request waiting for them; outlives a request
// that stopped waiting (its late results are dropped).
struct Batch {
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::optional<Result<std::string>>> results;
    std::size_t left = 0;
    std::chrono::steady_clock::time_point deadline;
};

}  // namespace

NewsService::NewsService(Options options, const Clock& clock, BlockingPool& pool)
    : options_(std::move(options)),
      clock_(clock),
      pool_(pool),
      cache_(clock, options_.ttl, pool),
      translation_pool_(options_.translation_workers, 256) {}

NewsService::~NewsService() {
    translation_pool_.stop();
}

void NewsService::set_translate(Translate translate) {
    translate_ = std::move(translate);
}

std::string NewsService::current_month() const {
    const std::time_t now = std::chrono::system_clock::to_time_t(clock_.now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    return buf;
}

void NewsService::get(const NewsQuery& query, std::function<void(NewsAnswer)> done) {
    const std::string key = query.kind == NewsKind::blog ? "blog" : "papers|" + query.month;
    cache_.get(
        key, [this, kind = query.kind, month = query.month] { return fetch(kind, month); },
        [this, query, done = std::move(done)](TtlCache<std::vector<NewsItem>>::Answer cached) {
            NewsAnswer answer{std::move(cached.value), cached.stale, std::move(cached.error)};
            if (answer.items.size() > query.limit) answer.items.resize(query.limit);
            if (query.lang == "en" || answer.items.empty()) return done(std::move(answer));
            if (!translate_) {
                const std::string why =
                    "translation: unavailable (no translator is connected); items are in English";
                answer.error = answer.error ? *answer.error + "; " + why : why;
                return done(std::move(answer));
            }
            // Translating waits for the translator: never on the caller's (maybe I/O) thread.
            auto shared = std::make_shared<NewsAnswer>(std::move(answer));
            const bool queued = pool_.post(
                [this, shared, lang = query.lang, done] {
                    done(translate(std::move(*shared), lang));
                },
                [shared, done] {
                    NewsAnswer untranslated = std::move(*shared);
                    untranslated.error = "translation: venomd is shutting down";
                    done(std::move(untranslated));
                });
            if (!queued) {
                NewsAnswer untranslated = std::move(*shared);
                const std::string why = "translation: too many requests queued; items are in English";
                untranslated.error = untranslated.error ? *untranslated.error + "; " + why : why;
                done(std::move(untranslated));
            }
        });
}

NewsAnswer NewsService::translate(NewsAnswer answer, const std::string& lang) {
    const std::vector<NewsItem> original = answer.items;
    std::vector<Job> jobs;
    for (std::size_t i = 0; i < answer.items.size(); ++i) {
        NewsItem& item = answer.items[i];
        if (auto hit = cached_translation(lang, item.title)) {
            item.title = *hit;
        } else {
            jobs.push_back({i, false, item.title});
        }
        if (!item.summary) continue;
        if (auto hit = cached_translation(lang, *item.summary)) {
            item.summary = *hit;
        } else {
            jobs.push_back({i, true, *item.summary});
        }
    }
    if (jobs.empty()) return answer;

    auto batch = std::make_shared<Batch>();
    batch->results.resize(jobs.size());
    batch->left = jobs.size();
    batch->deadline = std::chrono::steady_clock::now() + options_.translation_timeout;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        auto finish = [batch, j](Result<std::string> result) {
            std::lock_guard lock(batch->mutex);
            batch->results[j] = std::move(result);
            if (--batch->left == 0) batch->done.notify_all();
        };
        const bool queued = translation_pool_.post(
            [batch, finish, translate = translate_, text = jobs[j].text, lang] {
                // Queued past the deadline: nobody waits for it any more.
                if (std::chrono::steady_clock::now() >= batch->deadline) {
                    return finish(make_error(504, "translation_timeout", "not started in time"));
                }
                try {
                    finish(translate(text, lang));
                } catch (const std::exception& e) {
                    finish(make_error(500, "translation_failed", e.what()));
                }
            },
            [finish] { finish(make_error(503, "shutting_down", "venomd is shutting down")); });
        if (!queued) finish(make_error(503, "busy", "too many translations queued"));
    }

    std::vector<std::optional<Result<std::string>>> results;
    {
        std::unique_lock lock(batch->mutex);
        batch->done.wait_until(lock, batch->deadline, [&] { return batch->left == 0; });
        results = batch->results;  // a copy: late results keep landing in the batch
    }
    std::set<std::size_t> untranslated;
    std::optional<std::string> first_reason;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        const Job& job = jobs[j];
        if (results[j] && results[j]->ok() && !trim(results[j]->value()).empty()) {
            const std::string& text = results[j]->value();
            remember_translation(lang, job.text, text);
            if (job.summary) {
                answer.items[job.item].summary = text;
            } else {
                answer.items[job.item].title = text;
            }
            continue;
        }
        untranslated.insert(job.item);
        if (!first_reason) {
            first_reason = !results[j] ? "timed out after " +
                                             std::to_string(options_.translation_timeout.count()) +
                                             " ms"
                           : results[j]->ok() ? std::string("empty translation")
                                              : results[j]->error().message;
        }
    }
    // An item is either wholly translated or wholly in English, never half and half.
    for (std::size_t i : untranslated) answer.items[i] = original[i];
    if (!untranslated.empty()) {
        const std::string why = "translation: " + std::to_string(untranslated.size()) + " of " +
                                std::to_string(answer.items.size()) +
                                " items not translated to " + lang + " (" + *first_reason +
                                "); they are in English";
        logger("news")->warn("news translation incomplete lang={} untranslated={} reason=\"{}\"",
                             lang, untranslated.size(), *first_reason);
        answer.error = answer.error ? *answer.error + "; " + why : why;
    }
    return answer;
}

std::optional<std::string> NewsService::cached_translation(const std::string& lang,
                                                           const std::string& text) {
    std::lock_guard lock(translations_mutex_);
    auto it = translations_.find({lang, text});
    if (it == translations_.end()) return std::nullopt;
    return it->second;
}

void NewsService::remember_translation(const std::string& lang, const std::string& text,
                                       const std::string& translated) {
    std::lock_guard lock(translations_mutex_);
    if (translations_.size() >= kMaxTranslations) translations_.clear();
    translations_[{lang, text}] = translated;
}

Result<std::vector<NewsItem>> NewsService::fetch(NewsKind kind, const std::string& month) const {
    return kind == NewsKind::blog ? fetch_blog() : fetch_papers(month);
}

Result<std::vector<NewsItem>> NewsService::fetch_blog() const {
    auto reply = http_get(options_.blog_feed_url, options_.timeout,
                     "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1");
    if (!reply) return reply.error();
    if (reply->status != 200) return http_error("The Hub blog feed", reply->status);
    auto items = parse_blog_feed(reply->body);
    if (!items) return items.error();
    if (items->empty()) {
        // A feed that lists nothing has changed its layout, it has not run out of posts: an
        // error, so the cache keeps serving the last good list (stale).
        return make_error(502, "upstream_layout_changed",
                          "The Hub blog feed was not understood: HTTP 200 with " +
                              std::to_string(reply->body.size()) + " bytes but no items");
    }
    return items;
}

Result<std::vector<NewsItem>> NewsService::fetch_papers(const std::string& month) const {
    auto reply = http_get(options_.papers_url + "/" + month, options_.timeout, "text/html");
    if (!reply) return reply.error();
    if (reply->status != 200) return http_error("The Hub papers page", reply->status);
    auto items = parse_papers_page(reply->body, options_.hub);
    if (items && !items->empty()) return std::move(*items);
    // The page answered but its list could not be read (or was empty): the daily papers API
    // has the same entries as JSON.
    const std::string problem = items ? "no papers in its list" : "layout not understood";
    logger("news")->warn("papers page unusable month={} bytes={} problem=\"{}\"; using the API",
                         month, reply->body.size(), problem);
    return fetch_daily_papers(month, problem);
}

Result<std::vector<NewsItem>> NewsService::fetch_daily_papers(
    const std::string& month, const std::string& page_problem) const {
    const std::string url = strip_trailing_slashes(options_.hub) + "/api/daily_papers?month=" +
                            month + "&limit=" + std::to_string(kDailyPapersLimit);
    auto reply = http_get(url, options_.timeout, "application/json");
    const std::string page = "the papers page for " + month + ": " + page_problem;
    if (!reply) {
        return make_error(reply.error().http_status, reply.error().code,
                          page + "; the daily papers API: " + reply.error().message);
    }
    if (reply->status != 200) {
        return make_error(502, "upstream_error",
                          page + "; the daily papers API answered HTTP " +
                              std::to_string(reply->status));
    }
    auto items = parse_daily_papers(reply->body, options_.hub);
    if (!items) {
        return make_error(502, items.error().code, page + "; " + items.error().message);
    }
    if (items->empty()) {
        return make_error(502, "upstream_layout_changed",
                          page + "; the daily papers API listed no papers either");
    }
    return items;
}

}  // namespace venom::news

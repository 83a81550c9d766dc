#include "news/news_service.hpp"

#include <ctime>
#include <memory>
#include <mutex>
#include <set>

#include "news/blog_feed.hpp"
#include "news/hub_papers.hpp"
#include "venom/http_client.hpp"
#include "venom/logging.hpp"
#include "venom/text.hpp"

namespace venom::news {
namespace {

// Papers asked of the daily papers API (its default page size, upstream-protocols.md §4.2).
constexpr int kDailyPapersLimit = 50;

Result<net::HttpReply> http_get(const std::string& url, std::chrono::milliseconds timeout,
                                const char* accept) {
    net::HttpCall call;
    call.url = url;
    call.timeout = timeout;
    // A silent upstream is reported as stalled, before the whole request's bound ends it.
    call.stall_timeout = std::max(timeout / 2, std::chrono::milliseconds(1));
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

// One answer being translated: what the translator's callbacks share. The last one to land
// assembles the answer and calls `done`.
struct Batch {
    NewsAnswer answer;
    std::string lang;
    std::vector<Job> jobs;
    std::function<void(NewsAnswer)> done;
    std::mutex mutex;
    std::vector<std::optional<Result<std::string>>> results;
    std::size_t left = 0;
    bool closed = false;  // answered: late translations are dropped
    std::chrono::milliseconds timeout{0};
};

// The answer with every translated item in place and every other one whole in English (never
// half and half), `error` saying which were left and why.
NewsAnswer assemble(Batch& batch) {
    NewsAnswer answer = std::move(batch.answer);
    const std::vector<NewsItem> original = answer.items;
    std::set<std::size_t> untranslated;
    std::optional<std::string> first_reason;
    for (std::size_t j = 0; j < batch.jobs.size(); ++j) {
        const Job& job = batch.jobs[j];
        const auto& result = batch.results[j];
        if (result && result->ok() && !trim(result->value()).empty()) {
            if (job.summary) {
                answer.items[job.item].summary = result->value();
            } else {
                answer.items[job.item].title = result->value();
            }
            continue;
        }
        untranslated.insert(job.item);
        if (!first_reason) {
            first_reason = !result ? "timed out: not translated within " +
                                         std::to_string(batch.timeout.count()) + " ms"
                           : result->ok() ? std::string("empty translation")
                                          : result->error().message;
        }
    }
    for (std::size_t i : untranslated) answer.items[i] = original[i];
    if (!untranslated.empty()) {
        const std::string why = "translation: " + std::to_string(untranslated.size()) + " of " +
                                std::to_string(answer.items.size()) + " items not translated to " +
                                batch.lang + " (" + *first_reason + "); they are in English";
        logger("news")->warn("news translation incomplete lang={} untranslated={} reason=\"{}\"",
                             batch.lang, untranslated.size(), *first_reason);
        answer.error = answer.error ? *answer.error + "; " + why : why;
    }
    return answer;
}

}  // namespace

NewsService::NewsService(Options options, const Clock& clock, BlockingPool& pool)
    : options_(std::move(options)), clock_(clock), cache_(clock, options_.ttl, pool) {}

void NewsService::set_translate(Translate translate) {
    translate_ = std::move(translate);
}

std::string NewsService::current_month() const {
    return format_utc_month(clock_.now());
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
            translate(std::move(answer), query.lang, done);
        });
}

void NewsService::translate(NewsAnswer answer, const std::string& lang,
                            std::function<void(NewsAnswer)> done) {
    auto batch = std::make_shared<Batch>();
    for (std::size_t i = 0; i < answer.items.size(); ++i) {
        const NewsItem& item = answer.items[i];
        batch->jobs.push_back({i, false, item.title});
        if (item.summary) batch->jobs.push_back({i, true, *item.summary});
    }
    batch->answer = std::move(answer);
    batch->lang = lang;
    batch->done = std::move(done);
    batch->results.resize(batch->jobs.size());
    batch->timeout = options_.translation_timeout;
    // One count held here until every text was handed over, so a translator answering at once
    // (a cache hit) cannot finish the batch early.
    batch->left = batch->jobs.size() + 1;
    // Whoever closes the batch answers: the last translation to land, or the deadline with
    // what has landed by then (texts queued behind other work stay in English). Nothing is
    // written to the batch once it is closed.
    auto land = [batch](std::optional<std::size_t> job, std::optional<Result<std::string>> result,
                        bool at_deadline) {
        {
            std::lock_guard lock(batch->mutex);
            if (batch->closed) return;
            if (job) batch->results[*job] = std::move(result);
            if (!at_deadline && --batch->left > 0) return;
            batch->closed = true;
        }
        batch->done(assemble(*batch));
    };
    const auto deadline = std::chrono::steady_clock::now() + options_.translation_timeout;
    timer_.at(deadline, [land] { land(std::nullopt, std::nullopt, true); });
    for (std::size_t j = 0; j < batch->jobs.size(); ++j) {
        try {
            translate_(batch->jobs[j].text, lang, deadline, [land, j](Result<std::string> result) {
                land(j, std::move(result), false);
            });
        } catch (const std::exception& e) {  // this text stays in English, the others go on
            land(j, Result<std::string>(make_error(500, "translation_failed", e.what())), false);
        }
    }
    land(std::nullopt, std::nullopt, false);
}

Result<std::vector<NewsItem>> NewsService::fetch(NewsKind kind, const std::string& month) const {
    return kind == NewsKind::blog ? fetch_blog() : fetch_papers(month);
}

Result<std::vector<NewsItem>> NewsService::fetch_blog() const {
    auto reply =
        http_get(options_.blog_feed_url, options_.timeout,
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
    const std::string url = strip_trailing_slashes(options_.hub) +
                            "/api/daily_papers?month=" + month +
                            "&limit=" + std::to_string(kDailyPapersLimit);
    auto reply = http_get(url, options_.timeout, "application/json");
    const std::string page = "the papers page for " + month + ": " + page_problem;
    if (!reply) {
        return make_error(reply.error().http_status, reply.error().code,
                          page + "; the daily papers API: " + reply.error().message);
    }
    if (reply->status != 200) {
        return make_error(
            502, "upstream_error",
            page + "; the daily papers API answered HTTP " + std::to_string(reply->status));
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

#pragma once

// The Hub's news surfaces (upstream-protocols.md §3 and §4), mounted on the FakeHub's server so
// they live where HF_ENDPOINT points, as on huggingface.co:
// - /blog/feed.xml: RSS 2.0 as the Hub serves it (items with title, pubDate in GMT, link,
//   guid isPermaLink="false"; no author), or Atom with set_feed_format(atom). Titles come both
//   entity-escaped and CDATA-wrapped, descriptions carry escaped HTML (&lt;p&gt;, &amp;nbsp;,
//   numeric entities), as captured feeds do.
// - /papers/month/YYYY-MM: a server-rendered page whose DailyPapers island carries the list as
//   HTML-escaped JSON in data-props (other islands beside it, attribute order class,
//   data-target, data-props), plus the <article> markup. With set_page_layout(changed) the
//   island is gone (the list moved to a script tag under another key), so a client must fall
//   back to the API.
// - /api/daily_papers?month=YYYY-MM: the same entries as a bare JSON array (§4.2 shape: a
//   `paper` object with id, authors[{name}], publishedAt, summary, upvotes; entry-level title,
//   summary and a publishedAt that is the submission time).
// Faults per surface: HTTP 500, a stall (headers, then silence), or 200 with garbage.
//
// Thread-safety: every member may be called from any thread while requests are served.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_http_server.hpp"

namespace venom::testing {

struct FakeBlogPost {
    // Sent as written: already escaped, or "<![CDATA[...]]>", as the feed does both.
    std::string title_xml;
    std::string link;
    std::string pub_date;         // RFC 822, "Thu, 23 Jul 2026 00:00:00 GMT"
    std::string description_xml;  // empty: no <description> (the Hub's usual item)
};

struct FakePaper {
    std::string id;  // arXiv id, "2607.01234"
    std::string title;
    std::string summary;
    std::string published_at;  // paper.publishedAt, "2026-07-14T17:59:01.000Z"
    std::vector<std::string> authors;
    int upvotes = 0;
};

class FakeHubNews {
public:
    enum class FeedFormat { rss, atom };
    enum class PageLayout { current, changed };
    enum class Fault { none, http_500, stall, garbage };
    enum class Surface { feed, page, api };

    // Mounts the three routes on `hub` (a FakeHub's hub()) with default_posts() and
    // default_papers() for every month. `hub` must outlive the routes' use; this object may go
    // first (the routes keep the state alive).
    explicit FakeHubNews(FakeHttpServer& hub);

    void set_feed_format(FeedFormat format);
    void set_posts(std::vector<FakeBlogPost> posts);
    // The papers of `month` ("YYYY-MM"); other months keep the default ones.
    void set_papers(std::string month, std::vector<FakePaper> papers);
    void set_page_layout(PageLayout layout);
    void set_fault(Surface surface, Fault fault);
    // Each answer of `surface` waits this long before its status line (a slow Hub).
    void set_delay(Surface surface, std::chrono::milliseconds delay);

    // Requests each surface got (the month page counted over all months).
    std::size_t requests(Surface surface) const;

    // Three posts: an escaped title with &amp; and &#8217;, a CDATA title with "<3 & GGUF", an
    // entry with an HTML description (tags, &amp;nbsp;, &amp;amp;) and one without.
    static std::vector<FakeBlogPost> default_posts();
    // Three papers, most upvoted first; the second has a 1,500-character abstract ending in
    // "END-OF-ABSTRACT." (longer than the 240 characters the earlier implementation kept).
    static std::vector<FakePaper> default_papers();

private:
    struct State;
    std::shared_ptr<State> state_;
    FakeHttpServer& hub_;
};

}  // namespace venom::testing

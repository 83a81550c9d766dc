#include "fakes/fake_hub_news.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace venom::testing {

using nlohmann::json;

struct FakeHubNews::State {
    std::mutex mutex;
    FeedFormat format = FeedFormat::rss;
    PageLayout layout = PageLayout::current;
    std::vector<FakeBlogPost> posts = default_posts();
    std::map<std::string, std::vector<FakePaper>> papers;  // by month
    std::map<Surface, Fault> faults;
    std::map<Surface, std::size_t> counts;
    std::map<Surface, std::chrono::milliseconds> delays;

    FakeResponse delayed(Surface surface, FakeResponse response) {
        response.delay_before_headers = delays[surface];
        return response;
    }

    std::vector<FakePaper> papers_of(const std::string& month) {
        auto it = papers.find(month);
        return it != papers.end() ? it->second : default_papers();
    }
};

namespace {

// The Hub's pages are rendered by Svelte, whose attribute escaping writes `&quot;` (where Go's
// html/template, in fake_ollama_library.cpp, writes `&#34;`): both forms must decode.
std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// RFC 822 "Thu, 23 Jul 2026 00:00:00 GMT" as Atom's RFC 3339, for the posts the fake knows.
std::string atom_date(const std::string& rfc822) {
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char mon[4] = {};
    int day = 0, year = 0, h = 0, m = 0, s = 0;
    std::sscanf(rfc822.c_str(), "%*3s, %d %3s %d %d:%d:%d", &day, mon, &year, &h, &m, &s);
    int month = 1;
    for (int i = 0; i < 12; ++i) {
        if (std::string(mon) == months[i]) month = i + 1;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", year, month, day, h, m, s);
    return buf;
}

std::string rss(const std::vector<FakeBlogPost>& posts) {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n"
        "  <title>Hugging Face - Blog</title>\n  <link>https://huggingface.co/blog</link>\n"
        "  <description>Hugging Face - Blog</description>\n"
        "  <atom:link href=\"https://huggingface.co/blog/feed.xml\" rel=\"self\" "
        "type=\"application/rss+xml\"/>\n";
    for (const auto& p : posts) {
        xml += "  <item>\n    <title>" + p.title_xml + "</title>\n    <pubDate>" + p.pub_date +
               "</pubDate>\n    <link>" + p.link + "</link>\n    <guid isPermaLink=\"false\">" +
               p.link + "</guid>\n";
        if (!p.description_xml.empty()) {
            xml += "    <description>" + p.description_xml + "</description>\n";
        }
        xml += "  </item>\n";
    }
    return xml + "</channel>\n</rss>\n";
}

std::string atom(const std::vector<FakeBlogPost>& posts) {
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>Hugging Face - Blog</title>\n"
        "  <link href=\"https://huggingface.co/blog\"/>\n  <id>https://huggingface.co/blog</id>\n";
    for (const auto& p : posts) {
        xml += "  <entry>\n    <title>" + p.title_xml +
               "</title>\n    <link rel=\"alternate\" href=\"" + p.link + "\"/>\n    <id>" +
               p.link + "</id>\n    <published>" + atom_date(p.pub_date) +
               "</published>\n    <updated>" + atom_date(p.pub_date) +
               "</updated>\n    <author><name>Hugging Face</name></author>\n";
        if (!p.description_xml.empty()) {
            xml += "    <summary type=\"html\">" + p.description_xml + "</summary>\n";
        }
        xml += "  </entry>\n";
    }
    return xml + "</feed>\n";
}

// One entry of /api/daily_papers (upstream-protocols.md §4.2).
json entry(const FakePaper& p) {
    json authors = json::array();
    int n = 0;
    for (const auto& name : p.authors) {
        authors.push_back({{"_id", "65f0c0ffee" + std::to_string(100000000000000 + n++)},
                           {"name", name},
                           {"hidden", false}});
    }
    json paper = {{"id", p.id},
                  {"authors", authors},
                  {"publishedAt", p.published_at},
                  {"submittedOnDailyAt", "2026-07-20T02:11:09.321Z"},
                  {"title", p.title},
                  {"summary", p.summary},
                  {"upvotes", p.upvotes},
                  {"discussionId", "6690aa00bb11cc22dd33ee44"},
                  {"ai_summary", nullptr}};
    return {{"paper", paper},
            {"publishedAt", "2026-07-20T02:11:09.321Z"},  // the submission, not the paper
            {"title", p.title},
            {"summary", p.summary},
            {"thumbnail",
             "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/" + p.id + ".png"},
            {"numComments", 3},
            {"isAuthorParticipating", false}};
}

std::string page(const std::string& month, const std::vector<FakePaper>& papers,
                 FakeHubNews::PageLayout layout) {
    json list = json::array();
    for (const auto& p : papers) list.push_back(entry(p));
    std::string html =
        "<!doctype html>\n<html class=\"\">\n<head><meta charset=\"utf-8\">"
        "<title>Daily Papers - Hugging Face</title>"
        "<script src=\"/front/build/kube-1/index.js\" defer></script></head>\n<body>\n"
        "<div class=\"SVELTE_HYDRATER contents\" data-target=\"MainHeader\" "
        "data-props=\"{&quot;authLight&quot;:null,&quot;isWide&quot;:false}\"><header>"
        "<a href=\"/\">Hugging Face</a><nav><a href=\"/models\">Models</a></nav></header></div>\n"
        "<main>\n";
    std::string articles;
    for (const auto& p : papers) {
        articles += "<article class=\"relative flex flex-col\"><h3><a href=\"/papers/" + p.id +
                    "\">" + html_escape(p.title) + "</a></h3><div class=\"leading-none\">" +
                    std::to_string(p.upvotes) + "</div><ul>";
        for (const auto& a : p.authors) articles += "<li title=\"" + html_escape(a) + "\"></li>";
        articles += "</ul></article>\n";
    }
    if (layout == FakeHubNews::PageLayout::current) {
        const json props = {{"dailyPapers", list},
                            {"dateString", month},
                            {"periodType", "month"},
                            {"sort", "upvotes"}};
        html +=
            "<div class=\"SVELTE_HYDRATER contents\" data-target=\"DailyPapers\" data-props=\"" +
            html_escape(props.dump()) + "\">" + articles + "</div>\n";
    } else {
        // A redesign: no island; the list as a JSON script under a new key.
        html += "<section class=\"papers-grid\">" + articles +
                "</section>\n"
                "<script type=\"application/json\" id=\"papers-data\">" +
                json{{"papersOfTheMonth", list}}.dump() + "</script>\n";
    }
    return html + "</main>\n<footer>Hugging Face</footer>\n</body>\n</html>\n";
}

std::string query_value(const std::string& query, const std::string& key) {
    std::size_t at = 0;
    while (at < query.size()) {
        std::size_t end = query.find('&', at);
        if (end == std::string::npos) end = query.size();
        const std::string pair = query.substr(at, end - at);
        if (pair.rfind(key + "=", 0) == 0) return pair.substr(key.size() + 1);
        at = end + 1;
    }
    return {};
}

// The fault's answer, or nullopt to answer normally.
std::optional<FakeResponse> faulted(FakeHubNews::Fault fault, const std::string& content_type) {
    switch (fault) {
        case FakeHubNews::Fault::none:
            return std::nullopt;
        case FakeHubNews::Fault::http_500:
            return FakeResponse::json(
                500,
                R"({"error":"Internal Error - We're working hard to fix this as soon as possible!"})");
        case FakeHubNews::Fault::stall: {
            FakeResponse r = FakeResponse::text(200, std::string(4096, ' '), content_type);
            r.stall_after_bytes = 0;
            return r;
        }
        case FakeHubNews::Fault::garbage:
            return FakeResponse::text(200, "<html><body>\x01\x02 upstream proxy error <b>oops",
                                      content_type);
    }
    return std::nullopt;
}

}  // namespace

FakeHubNews::FakeHubNews(FakeHttpServer& hub) : state_(std::make_shared<State>()), hub_(hub) {
    auto state = state_;
    hub_.on("GET", "/blog/feed.xml", [state](const FakeRequest&) {
        std::lock_guard lock(state->mutex);
        ++state->counts[Surface::feed];
        const bool atom_feed = state->format == FeedFormat::atom;
        const std::string type =
            atom_feed ? "application/atom+xml; charset=utf-8" : "application/xml; charset=utf-8";
        if (auto f = faulted(state->faults[Surface::feed], type)) return *f;
        return state->delayed(
            Surface::feed,
            FakeResponse::text(200, atom_feed ? atom(state->posts) : rss(state->posts), type));
    });
    hub_.on_prefix("GET", "/papers/month/", [state](const FakeRequest& request) {
        std::lock_guard lock(state->mutex);
        ++state->counts[Surface::page];
        const std::string type = "text/html; charset=utf-8";
        if (auto f = faulted(state->faults[Surface::page], type)) return *f;
        const std::string month = request.path.substr(std::string("/papers/month/").size());
        return state->delayed(
            Surface::page,
            FakeResponse::text(200, page(month, state->papers_of(month), state->layout), type));
    });
    hub_.on("GET", "/api/daily_papers", [state](const FakeRequest& request) {
        std::lock_guard lock(state->mutex);
        ++state->counts[Surface::api];
        if (auto f = faulted(state->faults[Surface::api], "application/json; charset=utf-8")) {
            return *f;
        }
        // The API's default order is publishedAt (newest first): not the page's upvote order.
        std::vector<FakePaper> papers = state->papers_of(query_value(request.query, "month"));
        std::sort(papers.begin(), papers.end(), [](const FakePaper& a, const FakePaper& b) {
            return a.published_at > b.published_at;
        });
        json list = json::array();
        for (const auto& p : papers) list.push_back(entry(p));
        return state->delayed(Surface::api, FakeResponse::json(200, list.dump()));
    });
}

void FakeHubNews::set_feed_format(FeedFormat format) {
    std::lock_guard lock(state_->mutex);
    state_->format = format;
}

void FakeHubNews::set_posts(std::vector<FakeBlogPost> posts) {
    std::lock_guard lock(state_->mutex);
    state_->posts = std::move(posts);
}

void FakeHubNews::set_papers(std::string month, std::vector<FakePaper> papers) {
    std::lock_guard lock(state_->mutex);
    state_->papers[std::move(month)] = std::move(papers);
}

void FakeHubNews::set_page_layout(PageLayout layout) {
    std::lock_guard lock(state_->mutex);
    state_->layout = layout;
}

void FakeHubNews::set_fault(Surface surface, Fault fault) {
    std::lock_guard lock(state_->mutex);
    state_->faults[surface] = fault;
}

void FakeHubNews::set_delay(Surface surface, std::chrono::milliseconds delay) {
    std::lock_guard lock(state_->mutex);
    state_->delays[surface] = delay;
}

std::size_t FakeHubNews::requests(Surface surface) const {
    std::lock_guard lock(state_->mutex);
    return state_->counts[surface];
}

std::vector<FakeBlogPost> FakeHubNews::default_posts() {
    return {
        {"Transformers &amp; friends: what&#8217;s new in v5",
         "https://huggingface.co/blog/transformers-v5", "Thu, 23 Jul 2026 00:00:00 GMT", ""},
        {"<![CDATA[Quantization <3 & GGUF: a field guide]]>",
         "https://huggingface.co/blog/community-org/gguf-guide", "Mon, 20 Jul 2026 19:38:16 GMT",
         "&lt;p&gt;A &lt;b&gt;fast&lt;/b&gt; way to run models&amp;nbsp;locally &amp;amp; "
         "cheaply.&lt;/p&gt;&lt;p&gt;Second paragraph &amp;#8212; with a &lt;a "
         "href=\"https://example.org\"&gt;link&lt;/a&gt;.&lt;/p&gt;"},
        {"Open LLM Leaderboard: July update", "https://huggingface.co/blog/leaderboard-july",
         "Wed, 15 Jul 2026 12:00:00 GMT",
         "<![CDATA[<div><p>New <em>models</em> &amp; new tasks.</p></div>]]>"},
    };
}

std::vector<FakePaper> FakeHubNews::default_papers() {
    std::string long_abstract;
    while (long_abstract.size() < 1480) {
        long_abstract += "We study how sparse mixtures of experts scale with data and compute.\n";
    }
    long_abstract += "END-OF-ABSTRACT.";
    return {
        {"2607.01111",
         "Scaling Laws for Small Models",
         "Small models follow\nscaling laws too.",
         "2026-07-02T17:59:01.000Z",
         {"Ada Lovelace", "Alan Turing"},
         120},
        {"2607.02222",
         "Sparse Experts at Scale",
         long_abstract,
         "2026-07-14T09:00:00.000Z",
         {"Grace Hopper"},
         87},
        {"2607.03333",
         "Tokenizers & Unicode: \"Zażółć gęślą jaźń\"",
         "Byte-level tokenizers handle Polish.",
         "2026-07-21T08:30:00.000Z",
         {"Marie Curie"},
         12},
    };
}

}  // namespace venom::testing

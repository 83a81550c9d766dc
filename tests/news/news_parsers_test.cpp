// The Hub news parsers (issue 12, point 1): the blog feed as RSS 2.0 and Atom (CDATA, entities,
// HTML), dates to ISO 8601 UTC, and the papers month page's embedded JSON and the daily papers
// API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "news/blog_feed.hpp"
#include "news/hub_papers.hpp"

namespace venom::news {
namespace {

TEST(BlogFeedTest, ReadsRssWithEntitiesCdataAndHtml) {
    const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Blog</title>
  <item>
    <title>  Caf&#233; &amp; &quot;LLMs&quot; &#x2014; part&#8217;s 2 </title>
    <pubDate>Fri, 20 Mar 2026 19:38:16 GMT</pubDate>
    <link>https://huggingface.co/blog/org/cafe</link>
    <guid isPermaLink="false">https://huggingface.co/blog/org/cafe</guid>
    <description>&lt;p&gt;Hello&amp;nbsp;&lt;b&gt;world&lt;/b&gt; &amp;amp; co&lt;/p&gt;&lt;p&gt;Next&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</description>
    <dc:creator>Jane Doe</dc:creator>
  </item>
  <item><title><![CDATA[Tags like <model> & more]]></title>
    <pubDate>Thu, 23 Jul 2026 02:00:00 +0200</pubDate>
    <guid>https://huggingface.co/blog/tags</guid>
    <description><![CDATA[<div>Raw <i>HTML</i> &amp; entity</div>]]></description></item>
  <item><title></title><link>https://huggingface.co/blog/untitled</link></item>
</channel></rss>)";
    auto items = parse_blog_feed(xml);
    ASSERT_TRUE(items) << items.error().message;
    ASSERT_EQ(items->size(), 2u);  // the untitled item is skipped
    const NewsItem& a = (*items)[0];
    EXPECT_EQ(a.title, "Caf\u00e9 & \"LLMs\" \u2014 part\u2019s 2");
    EXPECT_EQ(a.url, "https://huggingface.co/blog/org/cafe");
    EXPECT_EQ(a.summary, "Hello world & co Next");
    EXPECT_EQ(a.published_at, "2026-03-20T19:38:16Z");
    ASSERT_TRUE(a.authors);
    EXPECT_EQ(*a.authors, std::vector<std::string>{"Jane Doe"});
    const NewsItem& b = (*items)[1];
    EXPECT_EQ(b.title, "Tags like <model> & more");        // a title is text, not HTML
    EXPECT_EQ(b.url, "https://huggingface.co/blog/tags");  // a guid is a permalink by default
    EXPECT_EQ(b.summary, "Raw HTML & entity");
    EXPECT_EQ(b.published_at, "2026-07-23T00:00:00Z");  // +0200 to UTC
    EXPECT_FALSE(b.authors);
}

TEST(BlogFeedTest, ReadsAtom) {
    const std::string xml = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
  <entry><title type="html">A &lt;b&gt;bold&lt;/b&gt; move</title>
    <link rel="self" href="https://huggingface.co/self"/>
    <link href="https://huggingface.co/blog/bold"/>
    <updated>2026-07-01T10:00:00.000Z</updated>
    <author><name>Hugging Face</name></author><author><name>Bob</name></author>
    <content type="html">&lt;p&gt;Body &amp;amp; soul&lt;/p&gt;</content></entry>
</feed>)";
    auto items = parse_blog_feed(xml);
    ASSERT_TRUE(items) << items.error().message;
    ASSERT_EQ(items->size(), 1u);
    const NewsItem& a = (*items)[0];
    EXPECT_EQ(a.title, "A bold move");
    EXPECT_EQ(a.url, "https://huggingface.co/blog/bold");
    EXPECT_EQ(a.summary, "Body & soul");
    EXPECT_EQ(a.published_at, "2026-07-01T10:00:00Z");
    EXPECT_EQ(*a.authors, (std::vector<std::string>{"Hugging Face", "Bob"}));
}

TEST(BlogFeedTest, NotXmlAndOtherDocumentsAreErrors) {
    auto garbage = parse_blog_feed("<html><body>oops");
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().code, "upstream_bad_xml");
    auto other = parse_blog_feed("<html><body>fine</body></html>");
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, "upstream_layout_changed");
    auto empty = parse_blog_feed("<rss version=\"2.0\"><channel/></rss>");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(BlogFeedTest, DatesBecomeIsoUtc) {
    EXPECT_EQ(to_iso_utc("Thu, 23 Jul 2026 00:00:00 GMT"), "2026-07-23T00:00:00Z");
    EXPECT_EQ(to_iso_utc("23 Jul 2026 10:30 -0130"), "2026-07-23T12:00:00Z");
    EXPECT_EQ(to_iso_utc("2026-07-14T17:59:01.000Z"), "2026-07-14T17:59:01Z");
    EXPECT_EQ(to_iso_utc("2026-07-14T17:59:01+02:00"), "2026-07-14T15:59:01Z");
    EXPECT_EQ(to_iso_utc("yesterday"), std::nullopt);
    EXPECT_EQ(to_iso_utc("Thu, 23 Foo 2026 00:00:00 GMT"), std::nullopt);
    EXPECT_EQ(to_iso_utc(""), std::nullopt);
}

TEST(BlogFeedTest, HtmlBecomesText) {
    EXPECT_EQ(html_to_text("plain  text\n here"), "plain text here");
    EXPECT_EQ(html_to_text("<p>a</p><p>b&nbsp;&amp;&#x2014;c</p><style>p{}</style>"),
              "a b &\u2014c");
    EXPECT_EQ(html_to_text(""), "");
}

std::string escaped(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"') {
            out += "&quot;";
        } else if (c == '&') {
            out += "&amp;";
        } else {
            out += c;
        }
    }
    return out;
}

const char* kEntries = R"([
  {"paper": {"id": "2607.00001", "title": "First", "summary": "Line one\nline two",
             "publishedAt": "2026-07-02T17:59:01.000Z", "upvotes": 5,
             "authors": [{"name": "A. One"}, {"name": ""}, {"_id": "x"}]},
   "publishedAt": "2026-07-03T00:00:00.000Z", "title": "First"},
  {"paper": {"id": "2607.00002", "summary": "S & T", "upvotes": 50, "authors": []},
   "title": "Second & \"quoted\"", "publishedAt": "2026-07-05T00:00:00.000Z"},
  "not an object"
])";

TEST(HubPapersTest, ReadsTheEmbeddedListWhateverTheAttributeOrder) {
    const std::string page =
        "<html><body><div class=\"SVELTE_HYDRATER contents\" data-target=\"MainHeader\" "
        "data-props=\"{}\"></div><div data-props=\"" +
        escaped(std::string(R"({"dailyPapers":)") + kEntries + R"(,"dateString":"2026-07"})") +
        "\" class=\"SVELTE_HYDRATER contents\" data-target=\"DailyPapers\"><article/></div>"
        "</body></html>";
    auto items = parse_papers_page(page, "https://hub.example/");
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 2u);
    const NewsItem& first = (*items)[0];  // page order kept
    EXPECT_EQ(first.title, "First");
    EXPECT_EQ(first.summary, "Line one line two");
    EXPECT_EQ(first.url, "https://hub.example/papers/2607.00001");
    EXPECT_EQ(first.published_at, "2026-07-02T17:59:01Z");
    EXPECT_EQ(*first.authors, std::vector<std::string>{"A. One"});
    const NewsItem& second = (*items)[1];
    EXPECT_EQ(second.title, "Second & \"quoted\"");
    EXPECT_EQ(second.published_at, "2026-07-05T00:00:00Z");  // the entry's when the paper has none
    EXPECT_TRUE(second.authors && second.authors->empty());
}

TEST(HubPapersTest, APageWithoutTheIslandIsNotUnderstood) {
    EXPECT_FALSE(parse_papers_page("<html><body><article>x</article></body></html>", "h"));
    EXPECT_FALSE(
        parse_papers_page("<div data-target=\"DailyPapers\" data-props=\"not json\"></div>", "h"));
    EXPECT_FALSE(parse_papers_page(
        "<div data-target=\"DailyPapers\" data-props=\"{&quot;papers&quot;:[]}\"></div>", "h"));
    auto empty = parse_papers_page(
        "<div data-target=\"DailyPapers\" data-props=\"{&quot;dailyPapers&quot;:[]}\"></div>", "h");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(HubPapersTest, TheDailyApiIsSortedByUpvotesAndKeepsWholeSummaries) {
    nlohmann::json entries = nlohmann::json::parse(kEntries);
    const std::string long_summary(5000, 'x');
    entries[0]["paper"]["summary"] = long_summary;
    auto items = parse_daily_papers(entries.dump(), "https://hub.example");
    ASSERT_TRUE(items) << items.error().message;
    ASSERT_EQ(items->size(), 2u);
    EXPECT_EQ((*items)[0].title, "Second & \"quoted\"");  // 50 upvotes first
    EXPECT_EQ((*items)[1].summary, long_summary);
    auto bad = parse_daily_papers("{\"error\":\"x\"}", "h");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, "upstream_bad_json");
}

}  // namespace
}  // namespace venom::news

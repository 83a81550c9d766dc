#pragma once
// The Hub's blog feed (upstream-protocols.md §3): RSS 2.0 today, Atom accepted too, read with
// pugixml. Titles may be CDATA or entity-escaped; descriptions may carry HTML, reduced to text.

#include <optional>
#include <string>
#include <vector>

#include "news/news_item.hpp"
#include "venom/result.hpp"

namespace venom::news {

// The items of an RSS 2.0 (<rss><channel><item>) or Atom (<feed><entry>) document, in feed
// order; items without a title are skipped. 502 upstream_bad_xml when the text is not XML,
// 502 upstream_layout_changed when it is XML but neither shape. An empty list is returned as
// it is (the caller decides). Pure.
Result<std::vector<NewsItem>> parse_blog_feed(const std::string& xml);

// HTML (or plain text) as a reader sees it: tags dropped, entities decoded (&amp; &nbsp;
// &#8217; ...), runs of whitespace made one space, trimmed. Pure.
std::string html_to_text(const std::string& html);

// "Thu, 23 Jul 2026 00:00:00 GMT" (RFC 822/1123, zones GMT, UT, Z, +hhmm, -hhmm) or an ISO 8601
// time ("2026-07-23T10:00:00.000Z", "2026-07-23T12:00:00+02:00") as "2026-07-23T00:00:00Z"
// (UTC); nullopt when it is neither. Pure.
std::optional<std::string> to_iso_utc(const std::string& text);

}  // namespace venom::news

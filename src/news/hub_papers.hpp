#pragma once
// The Hub's papers of a month (upstream-protocols.md §4): the month page embeds its list as
// HTML-escaped JSON in the data-props of <div data-target="DailyPapers">; the daily papers API
// (/api/daily_papers?month=) answers the same entries as a bare JSON array.

#include <optional>
#include <string>
#include <vector>

#include "news/news_item.hpp"
#include "venom/result.hpp"

namespace venom::news {

// The papers a month page embeds, in page order, or nullopt when the page's layout is not
// understood (no DailyPapers island, props that are not JSON, no dailyPapers array). Paper
// URLs are <hub>/papers/<arxiv id>. Pure.
std::optional<std::vector<NewsItem>> parse_papers_page(const std::string& html,
                                                       const std::string& hub);

// The entries of a /api/daily_papers answer, most upvoted first (the month page's order).
// 502 upstream_bad_json when it is not a JSON array. Pure.
Result<std::vector<NewsItem>> parse_daily_papers(const std::string& json, const std::string& hub);

}  // namespace venom::news

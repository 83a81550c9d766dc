#pragma once
// One entry of GET /api/v1/models/news (venom-python.md §1.4, NewsItem): a Hub blog post or a
// paper of the month, in the shape the web panel reads.

#include <optional>
#include <string>
#include <vector>

namespace venom::news {

struct NewsItem {
    std::string title;
    std::optional<std::string> url;
    std::optional<std::string> summary;               // plain text, never cut
    std::optional<std::string> published_at;          // ISO 8601 UTC, "2026-07-23T00:00:00Z"
    std::optional<std::vector<std::string>> authors;  // nullopt: the source names none
    std::string source = "huggingface";
};

}  // namespace venom::news

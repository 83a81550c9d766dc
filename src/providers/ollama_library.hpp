#pragma once
// The public Ollama library (ollama.com) has no JSON API; its pages are server-rendered HTML
// with stable x-test-* marker attributes (upstream-protocols.md §1.11). This reads them with a
// real HTML parser (libxml2), never with regexes over markup.

#include <chrono>
#include <string>
#include <vector>

#include "venom/model_provider.hpp"
#include "venom/result.hpp"

namespace venom::providers {

class OllamaLibrary {
public:
    enum class Listing {
        catalog,   // /library: the official models
        trending,  // /library?sort=popular: the same, most pulled first
        search,    // /search?q=: every namespace
    };

    OllamaLibrary(std::string base_url, std::chrono::milliseconds timeout);

    // Fetches and parses one page; at most `limit` entries, skipping (page-1)*limit for
    // search. 502/504 when the site fails or answers an error; an empty page is an empty list.
    // Blocking: workers only.
    Result<std::vector<CatalogEntry>> list(Listing listing, const std::string& query,
                                           std::size_t limit, std::size_t page = 1) const;

private:
    std::string base_url_;
    std::chrono::milliseconds timeout_;
};

// The model cards of a library or search page, in page order. Pure.
std::vector<CatalogEntry> parse_library_html(const std::string& html);

// "55.7M" -> 55700000, "1.2K" -> 1200, "3B" -> 3000000000, "812" -> 812; nullopt otherwise.
std::optional<int64_t> parse_pull_count(const std::string& text);

}  // namespace venom::providers

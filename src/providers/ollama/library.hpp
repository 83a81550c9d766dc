#pragma once
// The public Ollama library (ollama.com) has no JSON API; its pages are server-rendered HTML
// (upstream-protocols.md §1.11). Cards are read with a real HTML parser (libxml2) by more than
// one signal: the x-test-* marker attributes when present (they are not a contract), otherwise
// the "/library/<name>" links and the card's text (chips, "5.1M Pulls").

#include <atomic>
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

    // Fetches and parses one page (search: the site's page `page`); at most `limit` entries.
    // 502/504 when the site fails or answers an error; 502 upstream_layout_changed when a
    // page holds no model we can read (never an empty list in place of a good one), except a
    // search the site says matched nothing. Blocking: workers only; thread-safe.
    Result<std::vector<CatalogEntry>> list(Listing listing, const std::string& query,
                                           std::size_t limit, std::size_t page = 1) const;

private:
    static bool legitimately_empty(Listing listing, const std::string& body);

    std::string base_url_;
    std::chrono::milliseconds timeout_;
    mutable std::atomic<bool> layout_failure_logged_{false};
};

// The model cards of a library or search page, in page order: by markers when the page has
// them, else by model links and card text. Pure.
std::vector<CatalogEntry> parse_library_html(const std::string& html);

// "55.7M" -> 55700000, "1.2K" -> 1200, "3B" -> 3000000000, "812" -> 812; nullopt otherwise.
std::optional<int64_t> parse_pull_count(const std::string& text);

}  // namespace venom::providers

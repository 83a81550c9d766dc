#pragma once

// A fake of https://ollama.com's model library pages (upstream-protocols.md §1.11), which have no
// JSON API: clients scrape the server-rendered HTML. Pages are full documents (doctype, head with
// meta/link/script tags, htmx attributes, inline SVG icons) around result cards that carry the
// bare `x-test-*` marker attributes scrapers rely on. A request with `HX-Request: true` gets only
// the result fragment, as htmx does.
//
// Routes: `/library` (official models, default order; `?sort=popular` popular order,
// `?sort=newest` default order, `?q=` filter), `/search?q=&c=&page=` (official and community
// models, community cards link to "/<user>/<model>"; `c` filters by capability; `page` picks
// one page of set_search_page_size() cards, 1-based, as the site's htmx paging does; a page
// past the end says "No models found"). Anything else is an HTML 404 page.
//
// The markers are not a contract: third-party scrapers record them disappearing. With
// set_markers(false) the same pages are served without any x-test-* attribute.
//
// Thread-safety: every member may be called from any thread while requests are being served.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_http_server.hpp"

namespace venom::testing {

// One model card of a listing.
struct LibraryCard {
    std::string slug;  // "llama3.1" (official, under /library/) or "user/model" (community)
    std::string description;
    std::vector<std::string> capabilities;  // badges: "tools", "vision", "thinking", ...
    std::vector<std::string> sizes;         // size tags: "8b", "70b"
    std::string pull_count;                 // abbreviated as on the site: "55.7M", "1.2K", "3B"
    int tag_count = 0;
    std::string updated;        // relative: "1 month ago"
    std::string updated_title;  // absolute, the tooltip: "Jul 2, 2025 6:09 AM UTC"
};

class FakeOllamaLibrary {
public:
    // Starts serving default_cards() on 127.0.0.1 at an ephemeral port.
    FakeOllamaLibrary();
    // Stops the server before the state its handlers read goes away.
    ~FakeOllamaLibrary();

    FakeOllamaLibrary(const FakeOllamaLibrary&) = delete;
    FakeOllamaLibrary& operator=(const FakeOllamaLibrary&) = delete;

    // "http://127.0.0.1:PORT", what OLLAMA_LIBRARY_URL should be set to.
    std::string base_url() const;
    // The request log, and stop() to make the site unreachable.
    FakeHttpServer& server();

    // Replaces the cards; their order is the default (/library) order.
    void set_cards(std::vector<LibraryCard> cards);
    // The `sort=popular` order: these slugs first, in this order, then the other cards by
    // descending pull count. Empty (the default): every card by descending pull count.
    void set_popular_order(std::vector<std::string> slugs);
    // Every page answers `status` with an HTML error page (a 503 looks like the site's
    // maintenance page), until recover().
    void fail_with(int status);
    void recover();
    // Whether cards carry the x-test-* marker attributes (default true).
    void set_markers(bool on);
    // Cards per /search page (default 20).
    void set_search_page_size(std::size_t size);
    // Serves every listing as a full page of normal size with the cards in a markup this
    // fake's clients cannot know (no markers, no model links), until recover().
    void serve_unknown_layout();

    // Ten official models and two community ones, with realistic descriptions and counts;
    // includes a description with characters that need HTML escaping (&, ').
    static std::vector<LibraryCard> default_cards();

private:
    FakeResponse handle(const FakeRequest& request) const;

    mutable std::mutex mutex_;
    std::vector<LibraryCard> cards_;
    std::vector<std::string> popular_order_;
    std::optional<int> failure_status_;
    bool markers_ = true;
    std::size_t search_page_size_ = 20;
    bool unknown_layout_ = false;

    // Last member: destroyed first, so no handler runs against destroyed state.
    FakeHttpServer server_;
};

}  // namespace venom::testing

#include "providers/ollama/library.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include <cmath>
#include <memory>
#include <regex>
#include <set>

#include "venom/http_client.hpp"
#include "venom/logging.hpp"
#include "venom/runtime.hpp"
#include "venom/text.hpp"

namespace venom::providers {
namespace {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;
using XPathContext = std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)>;
using XPathResult = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;

std::string text_of(xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    std::string out = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    return trim(out);
}

std::string attribute(xmlNode* node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    std::string out = value ? reinterpret_cast<const char*>(value) : "";
    xmlFree(value);
    return trim(out);
}

// Nodes matching `expr` relative to `node`.
std::vector<xmlNode*> select(xmlXPathContext* ctx, xmlNode* node, const char* expr) {
    std::vector<xmlNode*> out;
    XPathResult result(xmlXPathNodeEval(node, reinterpret_cast<const xmlChar*>(expr), ctx),
                       xmlXPathFreeObject);
    if (!result || !result->nodesetval) return out;
    for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
        out.push_back(result->nodesetval->nodeTab[i]);
    }
    return out;
}

std::string slug_from_href(std::string href) {
    if (href.rfind("/library/", 0) == 0) return href.substr(9);
    if (!href.empty() && href.front() == '/') return href.substr(1);
    return href;
}

// Without markers, a card is found by its link: "/library/<name>" for official models,
// "/<user>/<model>" for community ones (upstream-protocols.md §1.11). Site sections with two
// path segments ("/library/x/tags", "/public/...") are not models. Empty when not a model link.
std::string model_slug_of_link(std::string href) {
    href = href.substr(0, href.find_first_of("?#"));
    static const std::regex official("^/library/([A-Za-z0-9._-]+)$");
    static const std::regex community("^/([A-Za-z0-9_-]+)/([A-Za-z0-9._-]+)$");
    std::smatch m;
    if (std::regex_match(href, m, official)) return m[1];
    if (std::regex_match(href, m, community)) {
        static const std::set<std::string> sections{"library", "public", "api",      "blog",
                                                    "docs",    "search", "settings", "download"};
        if (!sections.contains(m[1].str())) return m[1].str() + "/" + m[2].str();
    }
    return {};
}

// Card text with the site's &nbsp; ("&nbsp;Pulls") turned into plain spaces.
std::string plain_text(xmlNode* node) {
    const std::string text = text_of(node);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 2, "\xC2\xA0") == 0) {
            out += ' ';
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool is_capability_chip(const std::string& text) {
    static const std::set<std::string> chips{"tools",     "vision", "thinking",
                                             "embedding", "cloud",  "audio"};
    return chips.contains(text);
}

// Size tags as the site prints them: "0.6b", "8b", "270m", "e2b", "8x7b", "1t".
bool is_size_chip(const std::string& text) {
    static const std::regex size("^e?[0-9]+(\\.[0-9]+)?(x[0-9]+(\\.[0-9]+)?)?[kmbt]$");
    return std::regex_match(text, size);
}

// Tags and pulls read from a card's text when it has no markers: chips are leaf elements whose
// whole text is a capability or a size; the pull count is the figure before "Pulls".
void read_card_text(xmlXPathContext* ctx, xmlNode* card, CatalogEntry& entry) {
    std::vector<std::string> capabilities, sizes;
    for (xmlNode* leaf : select(ctx, card, ".//*[not(*)]")) {
        // Case matters: sizes are lower case ("8b"), pull counts upper case ("3.9M").
        const std::string text = plain_text(leaf);
        if (is_capability_chip(to_lower(text)))
            capabilities.push_back(to_lower(text));
        else if (is_size_chip(text))
            sizes.push_back(text);
    }
    entry.tags = std::move(capabilities);
    entry.tags.insert(entry.tags.end(), sizes.begin(), sizes.end());
    static const std::regex pulls("([0-9][0-9.,]*[KMBkmb]?)\\s*Pulls");
    std::smatch m;
    const std::string text = plain_text(card);
    if (std::regex_search(text, m, pulls)) entry.downloads = parse_pull_count(m[1]);
}

// The element that holds one model's card: the closest list item around the link, else the link.
xmlNode* card_around(xmlNode* link) {
    for (xmlNode* node = link->parent; node && node->type == XML_ELEMENT_NODE;
         node = node->parent) {
        if (xmlStrcmp(node->name, BAD_CAST "li") == 0) return node;
    }
    return link;
}

}  // namespace

std::optional<int64_t> parse_pull_count(const std::string& raw) {
    std::string text = trim(raw);
    if (text.empty()) return std::nullopt;
    double scale = 1;
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
        case 'K':
            scale = 1e3;
            break;
        case 'M':
            scale = 1e6;
            break;
        case 'B':
            scale = 1e9;
            break;
        default:
            break;
    }
    if (scale != 1) text.pop_back();
    text.erase(std::remove(text.begin(), text.end(), ','), text.end());
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    // "nan", "inf" and 1e300 are numbers to strtod, not counts: llround of them is unspecified.
    if (end == text.c_str() || *end != '\0' || !(value >= 0) || value * scale > 9e18) {
        return std::nullopt;
    }
    return static_cast<int64_t>(std::llround(value * scale));
}

std::vector<CatalogEntry> parse_library_html(const std::string& html) {
    std::vector<CatalogEntry> entries;
    Doc doc(htmlReadMemory(
                html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET),
            xmlFreeDoc);
    if (!doc) return entries;
    XPathContext ctx(xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
    if (!ctx) return entries;
    xmlNode* root = xmlDocGetRootElement(doc.get());
    // First signal: the x-test-* markers. Third-party scrapers record them disappearing, so
    // they are not a contract: without them the model links and the card text are read.
    for (xmlNode* card : select(ctx.get(), root, "//*[@x-test-model]")) {
        CatalogEntry entry;
        entry.provider = "ollama";
        entry.runtime = std::string(to_string(Runtime::ollama));
        if (auto title = select(ctx.get(), card, ".//*[@x-test-model-title]"); !title.empty()) {
            entry.model_name = attribute(title[0], "title");
        }
        if (entry.model_name.empty()) {
            if (auto link = select(ctx.get(), card, ".//a[@href]"); !link.empty()) {
                entry.model_name = slug_from_href(attribute(link[0], "href"));
            } else if (card->name && xmlStrcmp(card->name, BAD_CAST "a") == 0) {
                entry.model_name = slug_from_href(attribute(card, "href"));
            }
        }
        if (entry.model_name.empty()) continue;
        entry.display_name = entry.model_name;
        for (const char* marker : {".//*[@x-test-capability]", ".//*[@x-test-size]"}) {
            for (xmlNode* badge : select(ctx.get(), card, marker)) {
                if (auto text = text_of(badge); !text.empty()) entry.tags.push_back(text);
            }
        }
        if (auto pulls = select(ctx.get(), card, ".//*[@x-test-pull-count]"); !pulls.empty()) {
            entry.downloads = parse_pull_count(text_of(pulls[0]));
        }
        entries.push_back(std::move(entry));
    }
    if (!entries.empty()) return entries;

    std::set<std::string> seen;
    for (xmlNode* link : select(ctx.get(), root, "//a[@href]")) {
        std::string slug = model_slug_of_link(attribute(link, "href"));
        if (slug.empty() || !seen.insert(slug).second) continue;
        CatalogEntry entry;
        entry.provider = "ollama";
        entry.runtime = std::string(to_string(Runtime::ollama));
        entry.model_name = slug;
        entry.display_name = slug;
        read_card_text(ctx.get(), card_around(link), entry);
        entries.push_back(std::move(entry));
    }
    return entries;
}

OllamaLibrary::OllamaLibrary(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<std::vector<CatalogEntry>> OllamaLibrary::list(Listing listing, const std::string& query,
                                                      std::size_t limit, std::size_t page) const {
    net::HttpCall call;
    switch (listing) {
        case Listing::catalog:
            call.url = base_url_ + "/library";
            break;
        case Listing::trending:
            call.url = base_url_ + "/library?sort=popular";
            break;
        case Listing::search:
            call.url = base_url_ + "/search?q=" + net::url_encode(query);
            // Later pages are the site's own pages (its htmx "load more" asks for page=N).
            if (page > 1) call.url += "&page=" + std::to_string(page);
            break;
    }
    call.timeout = timeout_;
    call.stall_timeout = timeout_;
    call.headers = {"Accept: text/html"};
    auto reply = net::perform(call);
    if (!reply) return reply.error();
    if (reply->status != 200) {
        return make_error(502, "upstream_error",
                          "The Ollama library answered HTTP " + std::to_string(reply->status));
    }
    std::vector<CatalogEntry> all = parse_library_html(reply->body);
    if (all.empty() && !legitimately_empty(listing, reply->body)) {
        // A whole page with no model we can read means the layout changed, not that the
        // library emptied: an error, so the catalog cache keeps serving the last good list
        // (stale) instead of replacing it with nothing. Logged once until a page parses again.
        if (!layout_failure_logged_.exchange(true)) {
            logger("ollama")->error("ollama library page layout not understood url={} bytes={}",
                                    call.url, reply->body.size());
        }
        return make_error(502, "upstream_layout_changed",
                          "The Ollama library page layout was not understood: HTTP 200 with " +
                              std::to_string(reply->body.size()) + " bytes but no model cards");
    }
    layout_failure_logged_ = false;
    if (all.size() > limit) all.resize(limit);
    return all;
}

bool OllamaLibrary::legitimately_empty(Listing listing, const std::string& body) {
    // The library always lists models; a search may match none, and then the site says so.
    return listing == Listing::search && body.find("No models found") != std::string::npos;
}

}  // namespace venom::providers

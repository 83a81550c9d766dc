#include "providers/ollama_library.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include <cmath>
#include <memory>

#include "venom/http_client.hpp"
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

}  // namespace

std::optional<int64_t> parse_pull_count(const std::string& raw) {
    std::string text = trim(raw);
    if (text.empty()) return std::nullopt;
    double scale = 1;
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
        case 'K': scale = 1e3; break;
        case 'M': scale = 1e6; break;
        case 'B': scale = 1e9; break;
        default: break;
    }
    if (scale != 1) text.pop_back();
    text.erase(std::remove(text.begin(), text.end(), ','), text.end());
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || value < 0) return std::nullopt;
    return static_cast<int64_t>(std::llround(value * scale));
}

std::vector<CatalogEntry> parse_library_html(const std::string& html) {
    std::vector<CatalogEntry> entries;
    Doc doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                           HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                               HTML_PARSE_NONET),
            xmlFreeDoc);
    if (!doc) return entries;
    XPathContext ctx(xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
    if (!ctx) return entries;
    for (xmlNode* card : select(ctx.get(), xmlDocGetRootElement(doc.get()), "//*[@x-test-model]")) {
        CatalogEntry entry;
        entry.provider = "ollama";
        entry.runtime = "ollama";
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
    return entries;
}

OllamaLibrary::OllamaLibrary(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<std::vector<CatalogEntry>> OllamaLibrary::list(Listing listing, const std::string& query,
                                                      std::size_t limit,
                                                      std::size_t page) const {
    net::HttpCall call;
    switch (listing) {
        case Listing::catalog: call.url = base_url_ + "/library"; break;
        case Listing::trending: call.url = base_url_ + "/library?sort=popular"; break;
        case Listing::search: call.url = base_url_ + "/search?q=" + net::url_encode(query); break;
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
    const std::size_t skip = listing == Listing::search ? (page - 1) * limit : 0;
    std::vector<CatalogEntry> out;
    for (std::size_t i = skip; i < all.size() && out.size() < limit; ++i) {
        out.push_back(std::move(all[i]));
    }
    return out;
}

}  // namespace venom::providers

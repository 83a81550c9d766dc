#include "news/hub_papers.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "news/blog_feed.hpp"
#include "venom/text.hpp"

namespace venom::news {
namespace {

using nlohmann::json;

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An abstract as one paragraph: arXiv wraps lines with '\n'. Whole, never cut
// (venom-python.md §6 item 11: the earlier implementation cut papers to 240 characters).
std::string one_line(const std::string& text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

struct Ranked {
    NewsItem item;
    long long upvotes = 0;
};

std::optional<Ranked> paper_item(const json& entry, const std::string& hub) {
    if (!entry.is_object()) return std::nullopt;
    // By reference: a copy of a deeply nested upstream value would recurse (the parser does not).
    static const json kNone = json::object();
    auto found = entry.find("paper");
    const json& paper = found != entry.end() ? *found : kNone;
    Ranked out;
    NewsItem& item = out.item;
    item.title = one_line(string_at(entry, "title"));
    if (item.title.empty()) item.title = one_line(string_at(paper, "title"));
    if (item.title.empty()) return std::nullopt;
    // The paper's abstract; the entry's copy only when the paper has none.
    std::string summary = string_at(paper, "summary");
    if (summary.empty()) summary = string_at(entry, "summary");
    if (!summary.empty()) item.summary = one_line(summary);
    // The paper's own publication time (arXiv), not the entry's, which is sometimes the time
    // it was submitted to daily papers (upstream-protocols.md §4.2).
    std::string published = string_at(paper, "publishedAt");
    if (published.empty()) published = string_at(entry, "publishedAt");
    item.published_at = to_iso_utc(published);
    const std::string id = string_at(paper, "id");
    if (!id.empty()) item.url = strip_trailing_slashes(hub) + "/papers/" + id;
    std::vector<std::string> authors;
    if (paper.is_object() && paper.contains("authors") && paper["authors"].is_array()) {
        for (const json& author : paper["authors"]) {
            std::string name = trim(string_at(author, "name"));
            if (!name.empty()) authors.push_back(std::move(name));
        }
    }
    item.authors = std::move(authors);
    if (paper.is_object() && paper.contains("upvotes") && paper["upvotes"].is_number_integer()) {
        out.upvotes = paper["upvotes"].get<long long>();
    }
    return out;
}

std::vector<NewsItem> items_of(const json& entries, const std::string& hub, bool by_upvotes) {
    std::vector<Ranked> ranked;
    for (const json& entry : entries) {
        if (auto item = paper_item(entry, hub)) ranked.push_back(std::move(*item));
    }
    if (by_upvotes) {
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const Ranked& a, const Ranked& b) { return a.upvotes > b.upvotes; });
    }
    std::vector<NewsItem> items;
    for (auto& r : ranked) items.push_back(std::move(r.item));
    return items;
}

// The data-props of the DailyPapers island, entities decoded by the HTML parser, whatever the
// attribute order (the earlier implementation matched a literal `data-target=… data-props=`).
std::optional<std::string> daily_papers_props(const std::string& html) {
    using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;
    using Context = std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)>;
    using Object = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;
    Doc doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                           HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET),
            xmlFreeDoc);
    if (!doc) return std::nullopt;
    Context ctx(xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
    if (!ctx) return std::nullopt;
    Object found(xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(
                                            "//*[@data-target='DailyPapers']/@data-props"),
                                        ctx.get()),
                 xmlXPathFreeObject);
    if (!found || !found->nodesetval || found->nodesetval->nodeNr == 0) return std::nullopt;
    xmlChar* value = xmlNodeGetContent(found->nodesetval->nodeTab[0]);
    if (!value) return std::nullopt;
    std::string props = reinterpret_cast<const char*>(value);
    xmlFree(value);
    return props;
}

}  // namespace

std::optional<std::vector<NewsItem>> parse_papers_page(const std::string& html,
                                                       const std::string& hub) {
    const auto props = daily_papers_props(html);
    if (!props) return std::nullopt;
    const json parsed = json::parse(*props, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("dailyPapers") ||
        !parsed["dailyPapers"].is_array()) {
        return std::nullopt;
    }
    return items_of(parsed["dailyPapers"], hub, false);
}

Result<std::vector<NewsItem>> parse_daily_papers(const std::string& text, const std::string& hub) {
    const json parsed = json::parse(text, nullptr, false);
    if (!parsed.is_array()) {
        return make_error(502, "upstream_bad_json",
                          "The daily papers API did not answer a JSON array");
    }
    return items_of(parsed, hub, true);
}

}  // namespace venom::news

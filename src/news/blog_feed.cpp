#include "news/blog_feed.hpp"

#include <libxml/HTMLparser.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <pugixml.hpp>

#include "venom/text.hpp"

namespace venom::news {
namespace {

bool is_block(const xmlNode* node) {
    static const char* const blocks[] = {"p",       "div",     "br",     "li",         "ul",  "ol",
                                         "h1",      "h2",      "h3",     "h4",         "h5",  "h6",
                                         "tr",      "td",      "th",     "blockquote", "pre", "hr",
                                         "section", "article", "figure", "table"};
    const char* name = reinterpret_cast<const char*>(node->name);
    for (const char* block : blocks) {
        if (std::strcmp(name, block) == 0) return true;
    }
    return false;
}

void collect_text(const xmlNode* node, std::string& out) {
    for (; node; node = node->next) {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content) out += reinterpret_cast<const char*>(node->content);
        } else if (node->type == XML_ELEMENT_NODE) {
            const char* name = reinterpret_cast<const char*>(node->name);
            if (std::strcmp(name, "script") == 0 || std::strcmp(name, "style") == 0) continue;
            const bool block = is_block(node);
            if (block) out += ' ';
            collect_text(node->children, out);
            if (block) out += ' ';
        }
    }
}

std::string collapse_whitespace(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        // U+00A0 (&nbsp;) is a space to a reader.
        const bool nbsp =
            c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0;
        if (std::isspace(c) || nbsp) {
            space = true;
            if (nbsp) ++i;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += static_cast<char>(c);
    }
    return out;
}

// The element's text with CDATA and entities resolved by pugixml, trimmed.
std::string child_text(const pugi::xml_node& node, const char* name) {
    return trim(node.child(name).text().get());
}

std::optional<std::string> non_empty(std::string text) {
    if (text.empty()) return std::nullopt;
    return text;
}

int month_number(const std::string& name) {
    static const char* const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    const std::string lower = to_lower(name.substr(0, 3));
    for (int i = 0; i < 12; ++i) {
        if (lower == months[i]) return i + 1;
    }
    return 0;
}

std::string format_utc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];  // room for any int the compiler cannot rule out
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<std::time_t> to_time(int year, int month, int day, int hour, int minute, int second,
                                   long offset_seconds) {
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 ||
        hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return timegm(&tm) - offset_seconds;
}

// "+0200", "-05:00", "GMT", "UT", "Z"; nullopt for anything else (RFC 822's military and
// US zone letters are obsolete and absent from the Hub's feed).
std::optional<long> zone_offset(std::string zone) {
    zone = trim(zone);
    if (zone.empty() || zone == "GMT" || zone == "UT" || zone == "UTC" || zone == "Z") return 0;
    if ((zone[0] != '+' && zone[0] != '-') || zone.size() < 5) return std::nullopt;
    std::string digits;
    for (char c : zone.substr(1)) {
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    if (digits.size() != 4) return std::nullopt;
    const long seconds = std::stol(digits.substr(0, 2)) * 3600 + std::stol(digits.substr(2)) * 60;
    return zone[0] == '-' ? -seconds : seconds;
}

std::optional<std::string> rfc822_to_iso(const std::string& text) {
    std::string rest = text;
    if (auto comma = rest.find(','); comma != std::string::npos) rest = rest.substr(comma + 1);
    int day = 0, year = 0, hour = 0, minute = 0, second = 0, used = 0;
    char month[16] = {};
    if (std::sscanf(rest.c_str(), " %d %15s %d %d:%d%n", &day, month, &year, &hour, &minute,
                    &used) != 5) {
        return std::nullopt;
    }
    std::string tail = rest.substr(static_cast<std::size_t>(used));
    if (!tail.empty() && tail[0] == ':') {
        int more = 0;
        if (std::sscanf(tail.c_str(), ":%d%n", &second, &more) != 1) return std::nullopt;
        tail = tail.substr(static_cast<std::size_t>(more));
    }
    const auto offset = zone_offset(tail);
    if (!offset) return std::nullopt;
    auto t = to_time(year, month_number(month), day, hour, minute, second, *offset);
    if (!t) return std::nullopt;
    return format_utc(*t);
}

std::optional<std::string> iso_to_iso(const std::string& text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                    &second, &used) != 6) {
        return std::nullopt;
    }
    std::string tail = text.substr(static_cast<std::size_t>(used));
    if (!tail.empty() && tail[0] == '.') {  // fractions of a second: dropped
        std::size_t i = 1;
        while (i < tail.size() && std::isdigit(static_cast<unsigned char>(tail[i]))) ++i;
        tail = tail.substr(i);
    }
    const auto offset = zone_offset(tail);
    if (!offset) return std::nullopt;
    auto t = to_time(year, month, day, hour, minute, second, *offset);
    if (!t) return std::nullopt;
    return format_utc(*t);
}

std::vector<std::string> names_of(const pugi::xml_node& item, const char* element,
                                  const char* inner) {
    std::vector<std::string> names;
    for (auto node : item.children(element)) {
        std::string name = trim(inner ? node.child(inner).text().get() : node.text().get());
        if (!name.empty()) names.push_back(html_to_text(name));
    }
    return names;
}

NewsItem rss_item(const pugi::xml_node& item) {
    NewsItem out;
    // RSS titles are plain text (entities already resolved by pugixml): "a <b> tag" stays.
    out.title = collapse_whitespace(child_text(item, "title"));
    out.url = non_empty(child_text(item, "link"));
    if (!out.url) {  // <guid isPermaLink="true"> is the post's address too
        const auto guid = item.child("guid");
        if (std::string(guid.attribute("isPermaLink").as_string("true")) == "true") {
            out.url = non_empty(trim(guid.text().get()));
        }
    }
    std::string description = child_text(item, "description");
    if (description.empty()) description = child_text(item, "content:encoded");
    out.summary = non_empty(html_to_text(description));
    out.published_at = to_iso_utc(child_text(item, "pubDate"));
    if (!out.published_at) out.published_at = to_iso_utc(child_text(item, "dc:date"));
    auto authors = names_of(item, "dc:creator", nullptr);
    for (auto& a : names_of(item, "author", nullptr)) authors.push_back(std::move(a));
    if (!authors.empty()) out.authors = std::move(authors);
    return out;
}

NewsItem atom_entry(const pugi::xml_node& entry) {
    NewsItem out;
    const std::string title = child_text(entry, "title");
    const std::string type = entry.child("title").attribute("type").as_string("text");
    out.title = type == "text" ? collapse_whitespace(title) : html_to_text(title);
    for (auto link : entry.children("link")) {
        const std::string rel = link.attribute("rel").as_string("alternate");
        if (rel == "alternate") {
            out.url = non_empty(trim(link.attribute("href").as_string()));
            break;
        }
    }
    std::string summary = child_text(entry, "summary");
    if (summary.empty()) summary = child_text(entry, "content");
    out.summary = non_empty(html_to_text(summary));
    out.published_at = to_iso_utc(child_text(entry, "published"));
    if (!out.published_at) out.published_at = to_iso_utc(child_text(entry, "updated"));
    auto authors = names_of(entry, "author", "name");
    if (!authors.empty()) out.authors = std::move(authors);
    return out;
}

}  // namespace

std::string html_to_text(const std::string& html) {
    if (html.find_first_of("<&") == std::string::npos) return collapse_whitespace(html);
    using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;
    Doc doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                           HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET),
            xmlFreeDoc);
    if (!doc) return collapse_whitespace(html);
    std::string text;
    collect_text(xmlDocGetRootElement(doc.get()), text);
    return collapse_whitespace(text);
}

std::optional<std::string> to_iso_utc(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(t[0])) && t.find('T') != std::string::npos) {
        return iso_to_iso(t);
    }
    return rfc822_to_iso(t);
}

Result<std::vector<NewsItem>> parse_blog_feed(const std::string& xml) {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                        pugi::encoding_utf8);
    if (!parsed) {
        return make_error(502, "upstream_bad_xml",
                          std::string("The blog feed is not XML: ") + parsed.description() +
                              " at byte " + std::to_string(parsed.offset));
    }
    std::vector<NewsItem> items;
    const pugi::xml_node root = doc.document_element();
    const std::string root_name = root.name();
    if (root_name == "rss") {
        for (auto item : root.child("channel").children("item")) {
            NewsItem news = rss_item(item);
            if (!news.title.empty()) items.push_back(std::move(news));
        }
    } else if (root_name == "feed") {
        for (auto entry : root.children("entry")) {
            NewsItem news = atom_entry(entry);
            if (!news.title.empty()) items.push_back(std::move(news));
        }
    } else {
        return make_error(
            502, "upstream_layout_changed",
            "The blog feed is neither RSS nor Atom (root element <" + root_name + ">)");
    }
    return items;
}

}  // namespace venom::news

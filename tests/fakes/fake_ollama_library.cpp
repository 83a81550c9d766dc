#include "fakes/fake_ollama_library.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <string_view>
#include <utility>

namespace venom::testing {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Go html/template's escaping, so that scrapers meet the same entities as on the real site.
std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(
                std::strtol(std::string(text.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The first value of `key` in a raw query string, decoded; empty when absent.
std::string query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq)) == key) {
            return eq == std::string_view::npos ? std::string()
                                                : percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

// "55.7M" → 55.7e6; what the popular order falls back to.
double pull_count_value(std::string_view text) {
    if (text.empty()) return 0;
    double scale = 1;
    switch (text.back()) {
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
    if (scale != 1) text.remove_suffix(1);
    return std::strtod(std::string(text).c_str(), nullptr) * scale;
}

bool is_community(const LibraryCard& card) {
    return card.slug.find('/') != std::string::npos;
}

bool matches_query(const LibraryCard& card, const std::string& query) {
    if (query.empty()) return true;
    const std::string needle = lower(query);
    return lower(card.slug).find(needle) != std::string::npos ||
           lower(card.description).find(needle) != std::string::npos;
}

constexpr std::string_view kSearchIcon =
    R"(<svg class="absolute left-3 top-1/2 -translate-y-1/2 fill-current h-4 w-4 )"
    R"(text-neutral-500" viewBox="0 0 20 20" xmlns="http://www.w3.org/2000/svg"><path d="m8.5 )"
    R"(3c3.04 0 5.5 2.46 5.5 5.5 0 1.25-.42 2.4-1.12 3.32l4.15 4.15c.29.29.29.77 0 )"
    R"(1.06-.27.27-.68.29-.98.07l-.08-.07-4.15-4.15c-.92.7-2.07 1.12-3.32 1.12-3.04 )"
    R"(0-5.5-2.46-5.5-5.5s2.46-5.5 5.5-5.5zm0 1.5c-2.21 0-4 1.79-4 4s1.79 4 4 4 4-1.79 )"
    R"(4-4-1.79-4-4-4z"/></svg>)";
constexpr std::string_view kPullsIcon =
    R"(<svg class="mr-1.5 h-[14px] w-[14px] sm:h-4 sm:w-4" xmlns="http://www.w3.org/2000/svg" )"
    R"(fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" )"
    R"(aria-hidden="true"><path stroke-linecap="round" stroke-linejoin="round" d="M3 )"
    R"(16.5v2.25A2.25 2.25 0 0 0 5.25 21h13.5A2.25 2.25 0 0 0 21 18.75V16.5M16.5 12 12 16.5m0 )"
    R"(0L7.5 12m4.5 4.5V3" /></svg>)";
constexpr std::string_view kTagsIcon =
    R"(<svg class="mr-1.5 h-[14px] w-[14px] sm:h-4 sm:w-4" xmlns="http://www.w3.org/2000/svg" )"
    R"(fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" )"
    R"(aria-hidden="true"><path stroke-linecap="round" stroke-linejoin="round" d="M9.568 )"
    R"(3H5.25A2.25 2.25 0 0 0 3 5.25v4.318c0 .597.237 1.17.659 1.591l9.581 9.581c.699.699 )"
    R"(1.78.872 2.607.33a18.095 18.095 0 0 0 5.223-5.223c.542-.827.369-1.908-.33-2.607L11.16 )"
    R"(3.66A2.25 2.25 0 0 0 9.568 3Z" /><path stroke-linecap="round" stroke-linejoin="round" )"
    R"(d="M6 6h.008v.008H6V6Z" /></svg>)";
constexpr std::string_view kClockIcon =
    R"(<svg class="mr-1.5 h-[14px] w-[14px] sm:h-4 sm:w-4" xmlns="http://www.w3.org/2000/svg" )"
    R"(fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" )"
    R"(aria-hidden="true"><path stroke-linecap="round" stroke-linejoin="round" d="M12 )"
    R"(6v6h4.5m4.5 0a9 9 0 1 1-18 0 9 9 0 0 1 18 0Z" /></svg>)";

std::string card_html(const LibraryCard& card) {
    const std::string slug = escape_html(card.slug);
    const std::string href = is_community(card) ? "/" + slug : "/library/" + slug;
    std::string html;
    html +=
        "          <li x-test-model class=\"flex items-baseline border-b border-neutral-200 "
        "py-6\">\n";
    html += "            <a href=\"" + href + "\" class=\"group w-full space-y-5\">\n";
    html += "              <div class=\"flex flex-col\">\n";
    html += "                <div x-test-model-title title=\"" + slug +
            "\" class=\"flex items-center mb-3\">\n";
    html +=
        "                  <h2 class=\"truncate text-xl font-medium underline-offset-2 "
        "group-hover:underline md:text-2xl\">\n";
    html += "                    <span>" + slug + "</span>\n";
    html += "                  </h2>\n";
    html += "                </div>\n";
    html += "                <p class=\"max-w-lg break-words text-neutral-800 text-md\">" +
            escape_html(card.description) + "</p>\n";
    html += "              </div>\n";
    html += "              <div class=\"flex flex-col\">\n";
    html += "                <div class=\"flex flex-wrap space-x-2\">\n";
    for (const std::string& capability : card.capabilities) {
        const bool cloud = capability == "cloud";
        html += std::string(
                    "                  <span x-test-capability class=\"inline-flex "
                    "items-center rounded-md ") +
                (cloud ? "bg-cyan-50 text-cyan-500" : "bg-indigo-50 text-indigo-600") +
                " px-2 py-[2px] text-xs font-medium sm:text-[13px]\">" + escape_html(capability) +
                "</span>\n";
    }
    for (const std::string& size : card.sizes) {
        html +=
            "                  <span x-test-size class=\"inline-flex items-center rounded-md "
            "bg-[#ddf4ff] px-2 py-[2px] text-xs font-medium text-blue-600 sm:text-[13px]\">" +
            escape_html(size) + "</span>\n";
    }
    html += "                </div>\n";
    html +=
        "                <p class=\"my-2 flex space-x-5 text-[13px] font-medium "
        "text-neutral-500\">\n";
    html += "                  <span class=\"flex items-center\">\n";
    html += "                    " + std::string(kPullsIcon) + "\n";
    html +=
        "                    <span x-test-pull-count>" + escape_html(card.pull_count) + "</span>\n";
    html += "                    <span class=\"hidden sm:flex\">&nbsp;Pulls</span>\n";
    html += "                  </span>\n";
    html += "                  <span class=\"flex items-center\">\n";
    html += "                    " + std::string(kTagsIcon) + "\n";
    html += "                    <span x-test-tag-count>" + std::to_string(card.tag_count) +
            "</span>\n";
    html += "                    <span class=\"hidden sm:flex\">&nbsp;Tags</span>\n";
    html += "                  </span>\n";
    const std::string updated_title =
        card.updated_title.empty() ? "Jul 2, 2025 6:09 AM UTC" : card.updated_title;
    html += "                  <span class=\"flex items-center\" title=\"" +
            escape_html(updated_title) + "\">\n";
    html += "                    " + std::string(kClockIcon) + "\n";
    html += "                    <span class=\"hidden sm:flex\">Updated&nbsp;</span>\n";
    html += "                    <span x-test-updated>" + escape_html(card.updated) + "</span>\n";
    html += "                  </span>\n";
    html += "                </p>\n";
    html += "              </div>\n";
    html += "            </a>\n";
    html += "          </li>\n";
    return html;
}

// The part htmx swaps in, and all an HX-Request gets back.
std::string results_fragment(const std::vector<const LibraryCard*>& cards) {
    std::string html =
        "      <div x-test-repos id=\"repo\">\n"
        "        <ul role=\"list\" class=\"grid grid-cols-1 gap-y-3\">\n";
    for (const LibraryCard* card : cards) html += card_html(*card);
    html += "        </ul>\n";
    if (cards.empty()) {
        html += "        <p class=\"py-6 text-neutral-500\">No models found</p>\n";
    }
    html += "      </div>\n";
    return html;
}

std::string document_head(const std::string& title, const std::string& path) {
    return "<!DOCTYPE html>\n"
           "<html class=\"h-full overflow-y-scroll\">\n"
           "  <head>\n"
           "    <title>" +
           escape_html(title) +
           "</title>\n\n"
           "    <meta charset=\"utf-8\" />\n"
           "    <meta name=\"description\" content=\"Get up and running with large language "
           "models.\"/>\n"
           "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
           "    <meta property=\"og:title\" content=\"" +
           escape_html(title) +
           "\" />\n"
           "    <meta property=\"og:description\" content=\"Get up and running with large "
           "language models.\" />\n"
           "    <meta property=\"og:url\" content=\"https://ollama.com" +
           escape_html(path) +
           "\" />\n"
           "    <meta property=\"og:image\" content=\"https://ollama.com/public/og.png\" />\n"
           "    <meta property=\"og:image:type\" content=\"image/png\" />\n"
           "    <meta property=\"og:type\" content=\"website\" />\n"
           "    <meta name=\"twitter:card\" content=\"summary\" />\n"
           "    <link rel=\"icon\" type=\"image/png\" sizes=\"16x16\" "
           "href=\"/public/icon-16x16.png\" />\n"
           "    <link rel=\"icon\" type=\"image/png\" sizes=\"32x32\" "
           "href=\"/public/icon-32x32.png\" />\n"
           "    <link rel=\"apple-touch-icon\" sizes=\"180x180\" "
           "href=\"/public/apple-touch-icon.png\" />\n"
           "    <link href=\"/public/tailwind.css?v=2c4e9b1d\" rel=\"stylesheet\" />\n"
           "    <script type=\"application/ld+json\">\n"
           "      {\"@context\":\"https://schema.org\",\"@type\":\"WebSite\",\"name\":\"Ollama\","
           "\"url\":\"https://ollama.com\"}\n"
           "    </script>\n"
           // Script text is raw in HTML: a parser must not read "<b" or "&&" as markup.
           "    <script type=\"text/javascript\">\n"
           "      function copyToClipboard(element) {\n"
           "        const text = element.getAttribute('data-command');\n"
           "        if (navigator.clipboard && text.length > 0 && text.indexOf('<b>') < 0) {\n"
           "          navigator.clipboard.writeText(text);\n"
           "        }\n"
           "      }\n"
           "    </script>\n"
           "    <script src=\"/public/vendor/htmx/bundle.js\"></script>\n"
           "  </head>\n";
}

std::string page_header() {
    return "    <header class=\"sticky top-0 z-40 bg-white underline-offset-4 lg:static\">\n"
           "      <nav class=\"flex w-full items-center justify-between px-6 py-3.5\">\n"
           "        <a href=\"/\" class=\"z-50\"><img src=\"/public/ollama.png\" class=\"w-8\" "
           "alt=\"Ollama\" /></a>\n"
           "        <div class=\"hidden lg:flex xl:flex-1 items-center space-x-6 ml-6 text-lg\">\n"
           "          <a class=\"hover:underline\" target=\"_blank\" "
           "href=\"https://discord.com/invite/ollama\">Discord</a>\n"
           "          <a class=\"hover:underline\" target=\"_blank\" "
           "href=\"https://github.com/ollama/ollama\">GitHub</a>\n"
           "          <a class=\"hover:underline\" href=\"/search\">Models</a>\n"
           "        </div>\n"
           "        <div class=\"flex-grow justify-center items-center hidden lg:flex\">\n"
           "          <div class=\"relative w-full xl:max-w-[28rem]\">\n"
           "            <form action=\"/search\" autocomplete=\"off\">\n"
           "              " +
           std::string(kSearchIcon) +
           "\n"
           "              <input id=\"search\" hx-get=\"/search\" hx-trigger=\"keyup changed "
           "delay:300ms, search\" hx-target=\"#repo\" hx-select=\"#repo\" hx-swap=\"outerHTML\" "
           "hx-push-url=\"true\" name=\"q\" class=\"w-full rounded-full border border-neutral-200 "
           "pl-10 pr-4 py-2 text-sm\" placeholder=\"Search models\" autocomplete=\"off\" />\n"
           "            </form>\n"
           "          </div>\n"
           "        </div>\n"
           "        <div class=\"hidden lg:flex items-center space-x-4\">\n"
           "          <a href=\"/signin\" class=\"whitespace-nowrap\">Sign in</a>\n"
           "          <a href=\"/download\" class=\"rounded-full bg-neutral-800 px-4 py-1 "
           "text-white\">Download</a>\n"
           "        </div>\n"
           "      </nav>\n"
           "    </header>\n";
}

std::string page_footer() {
    return "    <footer class=\"mt-auto\">\n"
           "      <div class=\"bg-white underline-offset-4 hidden md:block\">\n"
           "        <div class=\"flex items-center justify-between px-6 py-3.5\">\n"
           "          <div class=\"text-xs text-neutral-500\">&copy; 2025 Ollama</div>\n"
           "          <div class=\"flex space-x-6 text-xs text-neutral-500\">\n"
           "            <a href=\"/blog\" class=\"hover:underline\">Blog</a>\n"
           "            <a href=\"https://github.com/ollama/ollama/tree/main/docs\" "
           "class=\"hover:underline\">Docs</a>\n"
           "            <a href=\"https://x.com/ollama\" class=\"hover:underline\">X "
           "(Twitter)</a>\n"
           "          </div>\n"
           "        </div>\n"
           "      </div>\n"
           "    </footer>\n";
}

std::string full_page(const std::string& title, const std::string& path, const std::string& query,
                      const std::string& sort, const std::string& fragment) {
    std::string html = document_head(title, path);
    html += "  <body class=\"antialiased min-h-screen w-full m-0 flex flex-col\">\n";
    html += page_header();
    html += "    <main class=\"mx-auto flex w-full max-w-6xl flex-1 flex-col px-6 py-8\">\n";
    html += "      <div class=\"flex flex-col sm:flex-row sm:items-center gap-4 pb-4\">\n";
    html += "        <input hx-get=\"" + escape_html(path) +
            "\" hx-trigger=\"keyup changed delay:300ms\" hx-target=\"#repo\" hx-select=\"#repo\" "
            "hx-push-url=\"true\" name=\"q\" value=\"" +
            escape_html(query) +
            "\" class=\"w-full rounded-lg border px-3 py-2\" placeholder=\"Filter by name...\" "
            "autofocus />\n";
    html += "        <select name=\"sort\" hx-get=\"" + escape_html(path) +
            "\" hx-target=\"#repo\" hx-select=\"#repo\" hx-push-url=\"true\" "
            "class=\"rounded-lg border px-3 py-2\">\n";
    for (const auto& [value, label] :
         {std::pair{"featured", "Featured"}, std::pair{"popular", "Most popular"},
          std::pair{"newest", "Newest"}}) {
        html += std::string("          <option value=\"") + value + "\"" +
                (sort == value ? " selected" : "") + ">" + label + "</option>\n";
    }
    html += "        </select>\n";
    html += "      </div>\n";
    html += fragment;
    html += "    </main>\n";
    html += page_footer();
    html += "  </body>\n</html>\n";
    return html;
}

std::string reason_of(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Error";
    }
}

FakeResponse error_page(int status) {
    const std::string title = std::to_string(status) + " " + reason_of(status);
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "  <meta charset=\"utf-8\" />\n"
        "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
        "  <title>" +
        title +
        "</title>\n"
        "  <style>body{font-family:system-ui,sans-serif;margin:4rem auto;"
        "max-width:32rem;color:#262626}</style>\n"
        "</head>\n<body>\n"
        "  <h1>" +
        title + "</h1>\n";
    html += status == 503 ? "  <p>Ollama is down for maintenance. Please try again shortly.</p>\n"
                          : "  <p>Something went wrong.</p>\n";
    html += "</body>\n</html>\n";
    FakeResponse response = FakeResponse::text(status, std::move(html), "text/html; charset=utf-8");
    if (status == 503) response.with_header("Retry-After", "30");
    return response;
}

// The same markup with every bare x-test-* attribute removed, as scrapers saw it happen.
std::string without_markers(const std::string& html) {
    static const std::regex marker(" x-test-[a-z-]+");
    return std::regex_replace(html, marker, "");
}

// Cards a scraper cannot recognise (buttons with data ids instead of links), with enough
// markup to be a page of normal size.
std::string unknown_layout(const std::vector<const LibraryCard*>& cards) {
    std::string html = "      <div id=\"repo\"><div role=\"list\" class=\"grid\">\n";
    for (const LibraryCard* card : cards) {
        html += "        <button data-model-id=\"" + escape_html(card->slug) +
                "\" class=\"group w-full space-y-5\"><div class=\"truncate text-xl\">" +
                escape_html(card->description) + "</div></button>\n";
    }
    html += "      </div></div>\n";
    return html;
}

}  // namespace

std::vector<LibraryCard> FakeOllamaLibrary::default_cards() {
    return {
        {"gpt-oss",
         "OpenAI\xE2\x80\x99s open-weight models designed for powerful reasoning, agentic tasks, "
         "and versatile developer use cases.",
         {"tools", "thinking", "cloud"},
         {"20b", "120b"},
         "3.9M",
         5,
         "2 weeks ago",
         "Sep 10, 2025 4:12 PM UTC"},
        {"deepseek-r1",
         "DeepSeek-R1 is a family of open reasoning models with performance approaching that of "
         "leading models, such as O3 and Gemini 2.5 Pro.",
         {"tools", "thinking"},
         {"1.5b", "7b", "8b", "14b", "32b", "70b", "671b"},
         "65.2M",
         35,
         "1 month ago",
         "Aug 19, 2025 9:03 AM UTC"},
        {"gemma3",
         "The current, most capable model that runs on a single GPU.",
         {"vision"},
         {"270m", "1b", "4b", "12b", "27b"},
         "19.6M",
         29,
         "3 weeks ago",
         "Sep 3, 2025 11:47 PM UTC"},
        {"qwen3",
         "Qwen3 is the latest generation of large language models in Qwen series, offering a "
         "comprehensive suite of dense and mixture-of-experts (MoE) models.",
         {"tools", "thinking"},
         {"0.6b", "1.7b", "4b", "8b", "14b", "30b", "32b", "235b"},
         "9.5M",
         58,
         "2 weeks ago",
         "Sep 11, 2025 2:30 AM UTC"},
        {"llama3.1",
         "Llama 3.1 is a new state-of-the-art model from Meta available in 8B, 70B and 405B "
         "parameter sizes.",
         {"tools"},
         {"8b", "70b", "405b"},
         "103.3M",
         93,
         "9 months ago",
         "Dec 9, 2024 2:32 PM UTC"},
        {"nomic-embed-text",
         "A high-performing open embedding model with a large token context window.",
         {"embedding"},
         {},
         "38.1M",
         3,
         "1 year ago",
         "Feb 15, 2024 6:17 PM UTC"},
        {"llama3.2",
         "Meta's Llama 3.2 goes small with 1B and 3B models.",
         {"tools"},
         {"1b", "3b"},
         "32.4M",
         63,
         "1 year ago",
         "Sep 25, 2024 3:45 PM UTC"},
        {"mistral",
         "The 7B model released by Mistral AI, updated to version 0.3.",
         {"tools"},
         {"7b"},
         "19.2M",
         84,
         "1 month ago",
         "Jul 25, 2025 10:08 AM UTC"},
        {"llava",
         "\xF0\x9F\x8C\x8B LLaVA is a novel end-to-end trained large multimodal model that "
         "combines a vision encoder and Vicuna for general-purpose visual and language "
         "understanding. Updated to version 1.6.",
         {"vision"},
         {"7b", "13b", "34b"},
         "9.8M",
         98,
         "1 year ago",
         "Feb 1, 2024 8:51 PM UTC"},
        {"phi3",
         "Phi-3 is a family of lightweight 3B (Mini) & 14B (Medium) state-of-the-art open models "
         "by Microsoft.",
         {},
         {"3.8b", "14b"},
         "13.6M",
         72,
         "1 year ago",
         "Sep 17, 2024 7:22 AM UTC"},
        {"huihui_ai/deepseek-r1-abliterated",
         "DeepSeek's first generation reasoning models, uncensored with abliteration.",
         {"tools", "thinking"},
         {"1.5b", "7b", "8b", "14b", "32b", "70b"},
         "812.4K",
         55,
         "4 months ago",
         "May 30, 2025 1:14 PM UTC"},
        {"fixt/home-3b-v3",
         "A fine-tuned StableLM-3B for controlling smart homes.",
         {},
         {"3b"},
         "1.2K",
         2,
         "1 year ago",
         "Jan 12, 2024 5:40 AM UTC"},
    };
}

FakeOllamaLibrary::FakeOllamaLibrary() : cards_(default_cards()) {
    server_.on_prefix("*", "/", [this](const FakeRequest& request) { return handle(request); });
    server_.start();
}

FakeOllamaLibrary::~FakeOllamaLibrary() {
    server_.stop();
}

std::string FakeOllamaLibrary::base_url() const {
    return server_.base_url();
}

FakeHttpServer& FakeOllamaLibrary::server() {
    return server_;
}

void FakeOllamaLibrary::set_cards(std::vector<LibraryCard> cards) {
    std::lock_guard lock(mutex_);
    cards_ = std::move(cards);
}

void FakeOllamaLibrary::set_popular_order(std::vector<std::string> slugs) {
    std::lock_guard lock(mutex_);
    popular_order_ = std::move(slugs);
}

void FakeOllamaLibrary::fail_with(int status) {
    std::lock_guard lock(mutex_);
    failure_status_ = status;
}

void FakeOllamaLibrary::recover() {
    std::lock_guard lock(mutex_);
    failure_status_.reset();
    unknown_layout_ = false;
}

void FakeOllamaLibrary::set_markers(bool on) {
    std::lock_guard lock(mutex_);
    markers_ = on;
}

void FakeOllamaLibrary::set_search_page_size(std::size_t size) {
    std::lock_guard lock(mutex_);
    search_page_size_ = std::max<std::size_t>(size, 1);
}

void FakeOllamaLibrary::serve_unknown_layout() {
    std::lock_guard lock(mutex_);
    unknown_layout_ = true;
}

FakeResponse FakeOllamaLibrary::handle(const FakeRequest& request) const {
    std::lock_guard lock(mutex_);
    if (failure_status_) return error_page(*failure_status_);

    const bool library = request.path == "/library" || request.path == "/library/";
    const bool search = request.path == "/search";
    if ((!library && !search) || (request.method != "GET" && request.method != "HEAD")) {
        return error_page(404);
    }

    const std::string query = query_param(request.query, "q");
    const std::string capability = lower(query_param(request.query, "c"));
    std::string sort = query_param(request.query, library ? "sort" : "o");
    // The search page lists by popularity unless asked for the newest.
    if (sort.empty()) sort = search ? "popular" : "featured";

    std::vector<const LibraryCard*> selected;
    for (const LibraryCard& card : cards_) {
        if (library && is_community(card)) continue;
        if (!matches_query(card, query)) continue;
        if (!capability.empty() &&
            std::none_of(card.capabilities.begin(), card.capabilities.end(),
                         [&](const std::string& c) { return lower(c) == capability; })) {
            continue;
        }
        selected.push_back(&card);
    }
    if (sort == "popular") {
        auto rank = [&](const LibraryCard* card) {
            const auto it = std::find(popular_order_.begin(), popular_order_.end(), card->slug);
            return static_cast<std::size_t>(it - popular_order_.begin());
        };
        std::stable_sort(
            selected.begin(), selected.end(), [&](const LibraryCard* a, const LibraryCard* b) {
                const std::size_t rank_a = rank(a);
                const std::size_t rank_b = rank(b);
                if (rank_a != rank_b) return rank_a < rank_b;
                return pull_count_value(a->pull_count) > pull_count_value(b->pull_count);
            });
    }

    if (search) {
        const long page =
            std::max(1L, std::strtol(query_param(request.query, "page").c_str(), nullptr, 10));
        const std::size_t first = static_cast<std::size_t>(page - 1) * search_page_size_;
        selected.erase(selected.begin(),
                       selected.begin() + static_cast<long>(std::min(first, selected.size())));
        if (selected.size() > search_page_size_) selected.resize(search_page_size_);
    }

    std::string fragment = results_fragment(selected);
    if (!markers_) fragment = without_markers(fragment);
    if (unknown_layout_) fragment = unknown_layout(selected);
    const auto hx = request.header("HX-Request");
    if (hx && lower(*hx) == "true") {
        return FakeResponse::text(200, fragment, "text/html; charset=utf-8")
            .with_header("Vary", "HX-Request");
    }
    const std::string title = search ? "Ollama Search" : "library";
    return FakeResponse::text(200, full_page(title, request.path, query, sort, fragment),
                              "text/html; charset=utf-8")
        .with_header("Vary", "HX-Request");
}

}  // namespace venom::testing

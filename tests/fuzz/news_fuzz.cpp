// The Hub's blog feed, papers page and daily papers API are documents we do not control, and
// a translated text can be anything: pugixml, libxml2's HTML parser, our readers and the text
// chunker must survive any input. The first byte picks the reader.
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

#include "news/blog_feed.hpp"
#include "news/hub_papers.hpp"
#include "translation/text_chunker.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0:
            if (auto items = venom::news::parse_blog_feed(text)) {
                for (const auto& item : *items) assert(!item.title.empty());
            }
            break;
        case 1:
            if (auto items = venom::news::parse_papers_page(text, "https://huggingface.co")) {
                for (const auto& item : *items) assert(!item.title.empty());
            }
            break;
        case 2:
            (void)venom::news::parse_daily_papers(text, "https://huggingface.co");
            break;
        default: {
            // Pieces put back together are the text, and no chunk is over the budget.
            const std::size_t budget = 16 + (size % 97);  // 256 at least in venomd
            const auto pieces = venom::translation::split_for_translation(text, budget);
            std::string joined;
            for (const auto& piece : pieces) {
                if (piece.translate) assert(piece.text.size() <= budget);
                joined += piece.text;
            }
            assert(joined == text);
        }
    }
    return 0;
}

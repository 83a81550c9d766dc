#include "translation/text_chunker.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>

namespace venom::translation {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_blank(std::string_view line) {
    return std::all_of(line.begin(), line.end(), is_space);
}

// "```" or "~~~" (3+) after at most 3 spaces opens or closes a fenced block (CommonMark §4.5).
std::string_view fence_of(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && i < 3 && line[i] == ' ') ++i;
    if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return {};
    const char mark = line[i];
    std::size_t n = 0;
    while (i + n < line.size() && line[i + n] == mark) ++n;
    return n >= 3 ? line.substr(i, n) : std::string_view{};
}

// A paragraph is worth translating when, without its URLs, it still has a letter.
bool has_words(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 7, "http://") == 0 || text.compare(i, 8, "https://") == 0) {
            while (i < text.size() && !is_space(text[i])) ++i;
            continue;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (std::isalpha(c) || c >= 0x80) return true;
        ++i;
    }
    return false;
}

// Backs `pos` off a UTF-8 continuation byte so a cut never splits a character.
std::size_t char_boundary(std::string_view text, std::size_t pos) {
    while (pos > 0 && pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) {
        --pos;
    }
    return pos;
}

class Splitter {
public:
    explicit Splitter(std::size_t budget) : budget_(std::max<std::size_t>(budget, 1)) {}

    void verbatim(std::string_view text) {
        if (text.empty()) return;
        if (!pieces_.empty() && !pieces_.back().translate) {
            pieces_.back().text += text;
        } else {
            pieces_.push_back({std::string(text), false});
        }
    }

    // One paragraph: its surrounding whitespace verbatim, the rest one or more chunks.
    void paragraph(std::string_view text) {
        std::size_t begin = 0;
        std::size_t end = text.size();
        while (begin < end && is_space(text[begin])) ++begin;
        while (end > begin && is_space(text[end - 1])) --end;
        verbatim(text.substr(0, begin));
        const std::string_view core = text.substr(begin, end - begin);
        if (!has_words(core)) {
            verbatim(core);
        } else if (core.size() <= budget_) {
            pieces_.push_back({std::string(core), true});
        } else {
            sentences(core);
        }
        verbatim(text.substr(end));
    }

    std::vector<TextPiece> take() { return std::move(pieces_); }

private:
    // Greedy runs of whole sentences under the budget; whitespace between runs verbatim.
    void sentences(std::string_view text) {
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t cut = start + budget_;
            if (cut >= text.size()) {
                pieces_.push_back({std::string(text.substr(start)), true});
                return;
            }
            // The last sentence end within the budget; else the last whitespace; else a hard cut.
            std::size_t best = std::string_view::npos;
            for (std::size_t i = start; i < cut; ++i) {
                const char c = text[i];
                const bool ends =
                    c == '.' || c == '!' || c == '?' ||
                    (c == '\xA6' && i >= 2 && text.compare(i - 2, 3, "\xE2\x80\xA6") == 0);
                if ((ends && i + 1 <= cut && i + 1 < text.size() && is_space(text[i + 1])) ||
                    c == '\n') {
                    best = i + 1;
                }
            }
            if (best == std::string_view::npos || best <= start) {
                for (std::size_t i = cut; i > start; --i) {
                    if (is_space(text[i - 1])) {
                        best = i - 1;
                        break;
                    }
                }
            }
            if (best == std::string_view::npos || best <= start) {
                best = char_boundary(text, cut);
                if (best <= start) best = cut;  // a budget smaller than one character
            }
            std::size_t chunk_end = best;
            while (chunk_end > start && is_space(text[chunk_end - 1])) --chunk_end;
            pieces_.push_back({std::string(text.substr(start, chunk_end - start)), true});
            std::size_t next = best;
            while (next < text.size() && is_space(text[next])) ++next;
            verbatim(text.substr(chunk_end, next - chunk_end));
            start = next;
        }
    }

    std::size_t budget_;
    std::vector<TextPiece> pieces_;
};

}  // namespace

std::size_t chunk_budget_bytes(std::int64_t context_tokens, std::size_t max_chunk_bytes) {
    constexpr std::int64_t kReserveTokens = 512;
    constexpr std::size_t kMinBytes = 256;
    const std::int64_t for_chunk = std::max<std::int64_t>(context_tokens - kReserveTokens, 0) / 2;
    const std::size_t bytes = static_cast<std::size_t>(for_chunk) * 3;
    return std::max(kMinBytes, std::min(bytes, max_chunk_bytes));
}

std::vector<TextPiece> split_for_translation(std::string_view text, std::size_t budget_bytes) {
    Splitter splitter(budget_bytes);
    std::string_view fence;           // the open fence, empty outside a code block
    std::size_t paragraph_start = 0;  // start of the prose not yet emitted
    std::size_t pos = 0;
    auto flush_prose = [&](std::size_t end) {
        // Prose between paragraph_start and end: paragraphs split at blank lines.
        std::size_t p = paragraph_start;
        std::size_t para_begin = p;
        while (p < end) {
            std::size_t eol = text.find('\n', p);
            std::size_t next = eol == std::string_view::npos || eol >= end ? end : eol + 1;
            if (is_blank(text.substr(p, next - p))) {
                if (para_begin < p) splitter.paragraph(text.substr(para_begin, p - para_begin));
                splitter.verbatim(text.substr(p, next - p));
                para_begin = next;
            }
            p = next;
        }
        if (para_begin < end) splitter.paragraph(text.substr(para_begin, end - para_begin));
        paragraph_start = end;
    };
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
        std::string_view line = text.substr(pos, next - pos);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        const std::string_view mark = fence_of(line);
        if (fence.empty() && !mark.empty()) {
            flush_prose(pos);
            fence = mark;
        } else if (!fence.empty() && !mark.empty() && mark[0] == fence[0] &&
                   mark.size() >= fence.size() &&
                   is_blank(line.substr(line.find(mark) + mark.size()))) {
            splitter.verbatim(text.substr(paragraph_start, next - paragraph_start));
            paragraph_start = next;
            fence = {};
        }
        pos = next;
    }
    if (!fence.empty()) {
        splitter.verbatim(text.substr(paragraph_start));  // an unclosed block runs to the end
    } else {
        flush_prose(text.size());
    }
    return splitter.take();
}

std::string join_translated(const std::vector<TextPiece>& pieces,
                            const std::vector<std::string>& translations) {
    std::string out;
    std::size_t next = 0;
    for (const auto& piece : pieces) {
        if (piece.translate) {
            assert(next < translations.size());
            out += translations[next++];
        } else {
            out += piece.text;
        }
    }
    assert(next == translations.size());
    return out;
}

}  // namespace venom::translation

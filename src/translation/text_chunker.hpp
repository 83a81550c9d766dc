#pragma once
// Splitting a long text into pieces a model can translate one at a time, and joining the
// translations back (issue 12, point 4). Pure functions, no I/O; thread-safe.
//
// The text is cut into an ordered list of pieces. Verbatim pieces are kept byte for byte: fenced
// code blocks (``` or ~~~, as CommonMark opens them), the blank lines between paragraphs, the
// whitespace between the parts of a split paragraph, and paragraphs with nothing to translate
// (a bare URL, numbers). Every other piece is a chunk to translate: one paragraph, or, when a
// paragraph is over the budget, runs of whole sentences under it (a sentence ends at . ! ? or …
// followed by whitespace, so a URL's dots never split it), and a single sentence over the budget
// is cut at the last whitespace before it. Joining puts the translated chunks back in place, so
// paragraph breaks, code blocks and URL-only lines come back exactly as sent.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace venom::translation {

struct TextPiece {
    std::string text;
    bool translate = false;  // false: kept verbatim
};

// The per-chunk budget in bytes for a model whose context holds `context_tokens` tokens: the
// chunk, its translation and the instructions must fit, so half of what is left after a
// 512-token reserve goes to the chunk, at a conservative 3 bytes per token (Polish and German
// text is partly multi-byte), and never more than `max_chunk_bytes` (answers are also bounded
// by the model's output limit) nor less than 256 bytes.
std::size_t chunk_budget_bytes(std::int64_t context_tokens, std::size_t max_chunk_bytes);

// The pieces of `text`, in order; concatenating their texts gives `text` back. Chunks are at
// most `budget_bytes` long (budget_bytes >= 1), cut only at UTF-8 character boundaries.
std::vector<TextPiece> split_for_translation(std::string_view text, std::size_t budget_bytes);

// The pieces' texts concatenated, each translated chunk replaced by the next entry of
// `translations` (in order; translations.size() must equal the number of chunks).
std::string join_translated(const std::vector<TextPiece>& pieces,
                            const std::vector<std::string>& translations);

}  // namespace venom::translation

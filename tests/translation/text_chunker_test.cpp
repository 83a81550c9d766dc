// The chunker behind long-text translation (issue 12, point 4): paragraphs, then sentences,
// under the budget; code blocks, paragraph breaks and URL-only lines kept byte for byte.
#include "translation/text_chunker.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace venom::translation {
namespace {

std::vector<std::string> chunks_of(const std::vector<TextPiece>& pieces) {
    std::vector<std::string> out;
    for (const auto& p : pieces) {
        if (p.translate) out.push_back(p.text);
    }
    return out;
}

std::string concat(const std::vector<TextPiece>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += p.text;
    return out;
}

// Marks each chunk the way a fake model does, so the joined text shows where chunks went.
std::string mark_all(const std::vector<TextPiece>& pieces) {
    std::vector<std::string> marked;
    for (const auto& c : chunks_of(pieces)) marked.push_back("[pl] " + c);
    return join_translated(pieces, marked);
}

TEST(TextChunker, ShortTextIsOneChunkAndSurroundingWhitespaceStays) {
    const auto pieces = split_for_translation("  Hello world.\n", 100);
    EXPECT_EQ(chunks_of(pieces), std::vector<std::string>{"Hello world."});
    EXPECT_EQ(mark_all(pieces), "  [pl] Hello world.\n");
}

TEST(TextChunker, EachParagraphIsAChunkAndBlankLinesAreKeptExactly) {
    const std::string text = "First one.\n\n\nSecond one.\r\n\r\nThird.";
    const auto pieces = split_for_translation(text, 1000);
    EXPECT_EQ(chunks_of(pieces), (std::vector<std::string>{"First one.", "Second one.", "Third."}));
    EXPECT_EQ(concat(pieces), text);
    EXPECT_EQ(mark_all(pieces), "[pl] First one.\n\n\n[pl] Second one.\r\n\r\n[pl] Third.");
}

TEST(TextChunker, FencedCodeBlocksAreNeverTranslated) {
    const std::string text =
        "Intro text.\n\n```python\nprint('hi')\n\nx = 1\n```\nAfter the code.\n\n~~~\nraw\n~~~\n";
    const auto pieces = split_for_translation(text, 1000);
    EXPECT_EQ(chunks_of(pieces), (std::vector<std::string>{"Intro text.", "After the code."}));
    EXPECT_EQ(mark_all(pieces),
              "[pl] Intro text.\n\n```python\nprint('hi')\n\nx = 1\n```\n[pl] After the code.\n\n"
              "~~~\nraw\n~~~\n");
}

TEST(TextChunker, AnUnclosedFenceKeepsTheRestVerbatim) {
    const auto pieces = split_for_translation("Text.\n\n```\ncode\n\nmore code", 1000);
    EXPECT_EQ(chunks_of(pieces), std::vector<std::string>{"Text."});
    EXPECT_EQ(concat(pieces), "Text.\n\n```\ncode\n\nmore code");
}

TEST(TextChunker, AParagraphOfOnlyAUrlIsKept) {
    const auto pieces = split_for_translation("See below.\n\nhttps://example.com/a.b?c=d\n", 1000);
    EXPECT_EQ(chunks_of(pieces), std::vector<std::string>{"See below."});
}

TEST(TextChunker, ALongParagraphSplitsAtSentencesUnderTheBudgetNotInsideUrls) {
    const std::string text =
        "One sentence here. Visit https://hf.co/blog/x.y for more. Third sentence is here! "
        "Fourth?";
    const auto pieces = split_for_translation(text, 40);
    const auto chunks = chunks_of(pieces);
    ASSERT_GE(chunks.size(), 3u);
    for (const auto& c : chunks) EXPECT_LE(c.size(), 40u) << c;
    EXPECT_EQ(concat(pieces), text);
    bool url_whole = false;
    for (const auto& c : chunks) url_whole |= c.find("https://hf.co/blog/x.y") != std::string::npos;
    EXPECT_TRUE(url_whole);
    EXPECT_EQ(chunks.front(), "One sentence here.");
}

TEST(TextChunker, ASentenceOverTheBudgetIsCutAtWhitespaceAndNeverInsideACharacter) {
    std::string text;
    for (int i = 0; i < 30; ++i) text += "zażółć ";
    text += "end";
    const auto pieces = split_for_translation(text, 25);
    for (const auto& c : chunks_of(pieces)) {
        EXPECT_LE(c.size(), 25u);
        EXPECT_EQ(c.back() != ' ', true);
    }
    EXPECT_EQ(concat(pieces), text);
    // A word longer than the budget: cut, but at a character boundary.
    const std::string word(10, 'a');
    const auto hard = split_for_translation(word + "ż" + word, 11);
    for (const auto& c : chunks_of(hard)) EXPECT_LE(c.size(), 11u);
    EXPECT_EQ(concat(hard), word + "ż" + word);
}

TEST(TextChunker, BudgetComesFromTheContextLength) {
    EXPECT_EQ(chunk_budget_bytes(4096, 100000), (4096 - 512) / 2 * 3);
    EXPECT_EQ(chunk_budget_bytes(131072, 6000), 6000u);  // capped
    EXPECT_EQ(chunk_budget_bytes(100, 6000), 256u);      // floor
}

}  // namespace
}  // namespace venom::translation

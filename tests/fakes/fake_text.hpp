#pragma once
// How the fake chat upstreams (OpenAI, Gemini) turn a reply into tokens and stream pieces: one
// "token" per word, so usage counts and max-token cuts are predictable in tests.

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace venom::testing {

inline std::size_t word_count(std::string_view text) {
    std::size_t words = 0;
    bool in_word = false;
    for (const char c : text) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    return words;
}

// The reply cut into stream deltas: one word with the whitespace after it each, so the pieces
// concatenate back to the exact text and count like word_count().
inline std::vector<std::string> pieces_of(std::string_view text) {
    std::vector<std::string> pieces;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = start;
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        pieces.emplace_back(text.substr(start, end - start));
        start = end;
    }
    return pieces;
}

inline std::string join(const std::vector<std::string>& pieces) {
    std::string out;
    for (const std::string& piece : pieces) out += piece;
    return out;
}

}  // namespace venom::testing

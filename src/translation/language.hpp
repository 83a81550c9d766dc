#pragma once
// The languages venomd translates to and from, with the one normalisation rule every route uses
// (POST /translate's target_lang/source_lang and /models/news?lang=): trimmed, case-insensitive,
// one of pl, en, de. Kept here so the rule cannot differ between routes (venom-python.md §6.12).
// Header-only and pure.

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace venom::translation {

struct Language {
    std::string_view code;   // "pl"
    std::string_view label;  // "Polish": what the prompt names it
};

inline constexpr std::array<Language, 3> kLanguages{{
    {"pl", "Polish"},
    {"en", "English"},
    {"de", "German"},
}};

// "pl, en, de": for error messages.
inline std::string supported_languages_text() {
    std::string out;
    for (const auto& language : kLanguages) {
        if (!out.empty()) out += ", ";
        out += language.code;
    }
    return out;
}

// The canonical lower-case code for `text` ("PL", " de " -> "pl", "de"); nullopt when it is
// not a supported language.
inline std::optional<std::string> normalize_language(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& language : kLanguages) {
        if (language.code == lower) return lower;
    }
    return std::nullopt;
}

// "Polish" for "pl"; the code itself for anything not normalised.
inline std::string_view language_label(std::string_view code) {
    for (const auto& language : kLanguages) {
        if (language.code == code) return language.label;
    }
    return code;
}

}  // namespace venom::translation

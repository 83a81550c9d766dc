// The translation cache: LRU bound, persistence across instances, damaged file tolerated.
#include "translation/translation_cache.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "support/temp_dir.hpp"

namespace venom::translation {
namespace {

TranslationCache::Options options(std::size_t entries, std::optional<std::filesystem::path> file) {
    TranslationCache::Options o;
    o.max_entries = entries;
    o.file = std::move(file);
    return o;
}

TEST(TranslationCache, KeepsTheMostRecentlyUsedWithinTheBound) {
    TranslationCache cache(options(2, std::nullopt));
    cache.put("a", "A");
    cache.put("b", "B");
    EXPECT_EQ(cache.get("a"), "A");  // a is now the most recent
    cache.put("c", "C");             // evicts b
    EXPECT_EQ(cache.get("b"), std::nullopt);
    EXPECT_EQ(cache.get("a"), "A");
    EXPECT_EQ(cache.get("c"), "C");
    EXPECT_EQ(cache.size(), 2u);
}

TEST(TranslationCache, KeyDependsOnModelLanguagesAndText) {
    const auto k = TranslationCache::key("m", "", "pl", "hello");
    EXPECT_NE(k, TranslationCache::key("m2", "", "pl", "hello"));
    EXPECT_NE(k, TranslationCache::key("m", "en", "pl", "hello"));
    EXPECT_NE(k, TranslationCache::key("m", "", "de", "hello"));
    EXPECT_NE(k, TranslationCache::key("m", "", "pl", "hello!"));
    EXPECT_EQ(k.find("hello"), std::string::npos);  // the text is hashed, not kept
}

TEST(TranslationCache, SurvivesANewInstanceAndADamagedFileIsAWarning) {
    venom::testing::TempDir dir;
    const auto file = dir.path() / "translation-cache.json";
    {
        TranslationCache cache(options(10, file));
        cache.put("k", "Przetłumaczone");
    }  // the destructor saves
    {
        TranslationCache cache(options(10, file));
        EXPECT_EQ(cache.load(), std::nullopt);
        EXPECT_EQ(cache.get("k"), "Przetłumaczone");
    }
    std::ofstream(file) << "{not json";
    TranslationCache damaged(options(10, file));
    const auto warning = damaged.load();
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("damaged"), std::string::npos);
    EXPECT_EQ(damaged.size(), 0u);
    // The next save rewrites the file: what was there is kept aside for a person.
    damaged.put("k2", "Nowe");
    damaged.save_if_due(true);
    std::ifstream aside(file.string() + ".corrupt");
    std::string kept((std::istreambuf_iterator<char>(aside)), std::istreambuf_iterator<char>());
    EXPECT_EQ(kept, "{not json");
}

TEST(TranslationCache, AFileOfAnotherVersionIsNotReadAsThisOne) {
    venom::testing::TempDir dir;
    const auto file = dir.path() / "translation-cache.json";
    std::ofstream(file) << R"({"version":2,"entries":[{"key":"k","text":"T"}]})";
    TranslationCache cache(options(10, file));
    const auto warning = cache.load();
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("version"), std::string::npos);
    EXPECT_EQ(cache.get("k"), std::nullopt);
}

TEST(TranslationCache, HugeAnswersAreBoundedByBytesNotOnlyByCount) {
    auto o = options(1000, std::nullopt);
    o.max_bytes = 10 * 1024;
    TranslationCache cache(o);
    cache.put("small", "S");
    for (int i = 0; i < 5; ++i) cache.put("big" + std::to_string(i), std::string(3000, 'x'));
    // 5 × 3000 bytes do not fit in 10 KiB: the least recently used went first.
    EXPECT_EQ(cache.get("small"), std::nullopt);
    EXPECT_EQ(cache.get("big0"), std::nullopt);
    EXPECT_EQ(cache.get("big1"), std::nullopt);
    EXPECT_TRUE(cache.get("big4").has_value());
    EXPECT_LE(cache.size(), 3u);
}

}  // namespace
}  // namespace venom::translation

// The translation cache: LRU bound, persistence across instances, damaged file tolerated.
#include "translation/translation_cache.hpp"

#include <gtest/gtest.h>

#include <fstream>

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
}

}  // namespace
}  // namespace venom::translation

// CloudCatalog decisions that need no provider: names, keys, the built-in lists. The live
// lists against fake OpenAI and Gemini servers are in tests/integration/runtime_control_test.
#include "cloud/cloud_catalog.hpp"

#include <gtest/gtest.h>

namespace venom::cloud {
namespace {

TEST(CloudCatalogTest, ProviderAliasesAreTheSpecsOnes) {
    // The aliases are parse_runtime's (venom/runtime.hpp); the catalog's providers are the cloud
    // runtimes.
    EXPECT_EQ(parse_runtime("openai"), Runtime::openai);
    EXPECT_EQ(parse_runtime("OpenAI"), Runtime::openai);
    for (const char* alias : {"google", "gem", "google-gemini", "GEM"}) {
        EXPECT_EQ(parse_runtime(alias), Runtime::google) << alias;
    }
    EXPECT_EQ(parse_runtime("azure"), std::nullopt);
    EXPECT_EQ(parse_runtime(""), std::nullopt);
    EXPECT_EQ(CloudCatalog::providers(), (std::vector<Runtime>{Runtime::openai, Runtime::google}));
}

TEST(CloudCatalogTest, WithoutAKeyNothingIsAskedAndTheSwitchIsRefused) {
    FakeClock clock;
    CloudCatalog::Options o;
    // A base URL nothing answers: any request would show up as an "unreachable" error.
    o.openai_base_url = "http://127.0.0.1:9/v1";
    o.openai_api_key = "";  // empty counts as unset
    CloudCatalog catalog(o, clock);
    EXPECT_FALSE(catalog.has_key(Runtime::openai));
    CloudModelList list = catalog.models(Runtime::openai);
    EXPECT_EQ(list.source, "fallback");
    EXPECT_EQ(list.error, "OPENAI_API_KEY is not set");
    EXPECT_FALSE(list.models.empty());
    auto refused = catalog.resolve(Runtime::openai, "gpt-4o");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().http_status, 400);
    EXPECT_EQ(refused.error().code, "missing_api_key");
    EXPECT_EQ(catalog.resolve(Runtime::google, "").error().code, "missing_api_key");
    EXPECT_EQ(catalog.resolve(Runtime::ollama, "").error().code, "unknown_provider");
}

TEST(CloudCatalogTest, AnUnreachableProviderFallsBackAndMatchesIdsNamesAndAliases) {
    FakeClock clock;
    CloudCatalog::Options o;
    o.gemini_base_url = "http://127.0.0.1:9";
    o.google_api_key = "AIza-test";
    o.timeout = std::chrono::milliseconds(500);
    CloudCatalog catalog(o, clock);
    auto by_alias = catalog.resolve(Runtime::google, "Gemini-1.5-Pro-Latest");
    ASSERT_TRUE(by_alias.ok()) << by_alias.error().message;
    EXPECT_EQ(by_alias->id, "gemini-1.5-pro");
    auto prefixed = catalog.resolve(Runtime::google, "models/gemini-2.5-flash");
    ASSERT_TRUE(prefixed.ok());
    EXPECT_EQ(prefixed->id, "gemini-2.5-flash");
    auto by_default = catalog.resolve(Runtime::google, "");
    ASSERT_TRUE(by_default.ok());
    EXPECT_EQ(by_default->id, "gemini-2.5-flash");
    auto unknown = catalog.resolve(Runtime::google, "gemini-9");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, "unknown_model");
    EXPECT_NE(unknown.error().message.find("built-in"), std::string::npos);
    CloudModelList list = catalog.models(Runtime::google);
    EXPECT_EQ(list.source, "fallback");
    EXPECT_NE(list.error->find("unreachable"), std::string::npos);
    EXPECT_EQ(list.error->find("AIza-test"), std::string::npos);
}

}  // namespace
}  // namespace venom::cloud

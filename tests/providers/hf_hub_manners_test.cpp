// How venomd reads the Hub's rate-limit headers, error bodies, redirects and size limit
// (issue 10, point 8). Pure functions; the wire is in tests/integration/hub_manners_test.cpp.
#include <gtest/gtest.h>

#include "providers/huggingface/hub_client.hpp"
#include "venom/http_client.hpp"

namespace venom::providers {
namespace {

using namespace std::chrono_literals;

TEST(HubRulesTest, RateLimitResetComesFromAnExhaustedPolicyThenRetryAfter) {
    EXPECT_EQ(hub_retry_after({{"ratelimit", "\"api\";r=0;t=55"}}), 55s);
    // Spacing as huggingface_hub's _RATELIMIT_REGEX allows it.
    EXPECT_EQ(hub_retry_after({{"ratelimit", "\"resolvers\" ; r = 0 ; t = 8"}}), 8s);
    // One RateLimit per policy, joined by the HTTP client: the exhausted one decides.
    EXPECT_EQ(hub_retry_after({{"ratelimit", "\"pages\";r=12;t=200, \"api\";r=0;t=7"}}), 7s);
    EXPECT_EQ(hub_retry_after({{"ratelimit", "\"api\";r=0;t=9"}, {"retry-after", "30"}}), 9s);
    // The Hub sends RateLimit on every answer: a policy with requests left is not the reason
    // for this 429, Retry-After is.
    EXPECT_EQ(hub_retry_after({{"ratelimit", "\"api\";r=12;t=200"}, {"retry-after", "30"}}), 30s);
    EXPECT_FALSE(hub_retry_after({{"ratelimit", "\"api\";r=12;t=200"}}));
    EXPECT_EQ(hub_retry_after({{"retry-after", "30"}}), 30s);
    EXPECT_FALSE(hub_retry_after({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}));
    EXPECT_FALSE(hub_retry_after({{"ratelimit", "garbage"}}));
    EXPECT_FALSE(hub_retry_after({}));
    // Absurd values are clamped, not overflowed.
    EXPECT_GT(*hub_retry_after({{"retry-after", "99999999999999999999999"}}), 24h);
}

TEST(HubRulesTest, ErrorsKeepTheHubsWholeMessage) {
    auto missing = hub_error(
        404, {{"x-error-code", "RepoNotFound"}, {"x-error-message", "Repository not found"}}, "",
        "model a/b", true);
    EXPECT_EQ(missing.http_status, 404);
    EXPECT_EQ(missing.message, "model a/b does not exist on the Hub: Repository not found");
    auto from_body =
        hub_error(404, {}, R"({"error":"Revision Not Found for url: x"})", "model a/b", true);
    EXPECT_NE(from_body.message.find("Revision Not Found for url: x"), std::string::npos);
    auto limited =
        hub_error(429, {{"ratelimit", "\"resolvers\";r=0;t=42"}}, "", "model a/b", false);
    EXPECT_EQ(limited.code, "rate_limited");
    EXPECT_NE(limited.message.find("wait 42 s"), std::string::npos) << limited.message;
    EXPECT_EQ(limited.retry_after_seconds, 42);  // sent on as our Retry-After header
}

TEST(HubRulesTest, RelativeLocationsAreBuiltOnTheOriginThatAnswered) {
    // The Hub's file resolves: a relative /api/resolve-cache/ path, or a CDN host.
    EXPECT_EQ(net::resolve_location("/api/resolve-cache/models/a/b/c0ffee/config.json",
                                    "https://huggingface.co/a/b/resolve/main/config.json"),
              "https://huggingface.co/api/resolve-cache/models/a/b/c0ffee/config.json");
    EXPECT_EQ(net::resolve_location("https://cdn.example/x?sig=1", "http://h:1/a"),
              "https://cdn.example/x?sig=1");
    // A mirror under a path: "/api/..." is on its origin, not under HF_ENDPOINT's path.
    EXPECT_EQ(
        net::resolve_location("/api/models/new/name", "https://mirror.lan/hf/api/models/old/name"),
        "https://mirror.lan/api/models/new/name");
    EXPECT_EQ(net::resolve_location("//cdn.example/x", "https://h/a"), "https://cdn.example/x");
    EXPECT_EQ(net::resolve_location("b?x=1", "http://h:8/dir/a?q=2"), "http://h:8/dir/b?x=1");
}

TEST(HubRulesTest, FilesPastTheHubsPlainHttpLimitAreRefused) {
    EXPECT_EQ(kHubMaxFileBytes, 50'000'000'000ull);  // huggingface_hub MAX_HTTP_DOWNLOAD_SIZE
    EXPECT_TRUE(check_hub_file_size("model.safetensors", kHubMaxFileBytes));
    auto refused = check_hub_file_size("huge.gguf", kHubMaxFileBytes + 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().http_status, 400);
    EXPECT_EQ(refused.error().code, "file_too_large");
    EXPECT_NE(refused.error().message.find("huge.gguf"), std::string::npos);
}

}  // namespace
}  // namespace venom::providers

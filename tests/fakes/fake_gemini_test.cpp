// Tests of FakeGemini through a real HTTP client: each pins down a protocol detail the Gemini
// provider's tests rely on, so a drift in the fake shows up here first.

#include "fakes/fake_gemini.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kFlashGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
constexpr const char* kFlashStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

// The JSON frames of a Gemini SSE body. Each frame must be exactly "data: …\r\n\r\n" and the body
// must end with a frame: that framing, without a terminator, is what the fake promises.
std::vector<json> sse_frames(const std::string& body) {
    std::vector<json> frames;
    std::size_t start = 0;
    while (start < body.size()) {
        const auto end = body.find("\r\n\r\n", start);
        EXPECT_NE(end, std::string::npos) << "unterminated frame in: " << body;
        if (end == std::string::npos) break;
        const std::string frame = body.substr(start, end - start);
        EXPECT_TRUE(frame.starts_with("data: ")) << frame;
        frames.push_back(json::parse(frame.substr(6)));
        start = end + 4;
    }
    return frames;
}

json user_turn(const std::string& text) {
    return {{"contents", {{{"role", "user"}, {"parts", {{{"text", text}}}}}}}};
}

std::string key_header(std::string key = std::string(FakeGemini::kDefaultApiKey)) {
    return "x-goog-api-key: " + key;
}

class FakeGeminiTest : public ::testing::Test {
protected:
    std::string url(const std::string& path) const { return gemini_.base_url() + path; }

    HttpReply get(const std::string& path) { return http_get(url(path), {key_header()}); }

    HttpReply post(const std::string& path, const json& body) {
        return http_post_json(url(path), body.dump(), {key_header()});
    }

    FakeGemini gemini_;
};

// ---- models -----------------------------------------------------------------------------------

TEST_F(FakeGeminiTest, ModelListHasGoogleShapeAndIncludesModelsWithoutGenerateContent) {
    const HttpReply reply = get("/v1beta/models");

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "application/json; charset=UTF-8");
    // Pretty-printed, as the real service answers.
    EXPECT_TRUE(reply.body.starts_with("{\n  \"models\": [")) << reply.body.substr(0, 40);
    const json body = json::parse(reply.body);
    EXPECT_FALSE(body.contains("nextPageToken"));
    ASSERT_EQ(body["models"].size(), 7u);
    const json& flash = body["models"][0];
    EXPECT_EQ(flash["name"], "models/gemini-2.5-flash");
    EXPECT_EQ(flash["version"], "001");
    EXPECT_EQ(flash["displayName"], "Gemini 2.5 Flash");
    EXPECT_TRUE(flash["description"].is_string());
    EXPECT_EQ(flash["inputTokenLimit"], 1048576);
    EXPECT_EQ(flash["outputTokenLimit"], 65536);
    EXPECT_EQ(flash["thinking"], true);
    EXPECT_EQ(flash["supportedGenerationMethods"][0], "generateContent");
    std::vector<std::string> without_generate;
    for (const json& model : body["models"]) {
        const auto& methods = model["supportedGenerationMethods"];
        if (std::find(methods.begin(), methods.end(), "generateContent") == methods.end()) {
            without_generate.push_back(model["name"]);
            EXPECT_FALSE(model.contains("temperature")) << model;
        }
    }
    EXPECT_EQ(without_generate,
              (std::vector<std::string>{"models/text-embedding-004", "models/gemini-embedding-001",
                                        "models/imagen-3.0-generate-002"}));
}

TEST_F(FakeGeminiTest, ModelListPagesWithOpaqueTokensUntilTheLastPageHasNone) {
    std::vector<std::string> names;
    std::vector<std::size_t> page_sizes;
    std::string token;
    for (int page = 0; page < 10; ++page) {  // bound: 7 models at 3 a page need 3 pages
        std::string path = "/v1beta/models?pageSize=3";
        if (!token.empty()) path += "&pageToken=" + token;
        const HttpReply reply = get(path);
        ASSERT_EQ(reply.status, 200) << reply.body;
        const json body = json::parse(reply.body);
        page_sizes.push_back(body["models"].size());
        for (const json& model : body["models"]) names.push_back(model["name"]);
        if (!body.contains("nextPageToken")) break;
        token = body["nextPageToken"];
        EXPECT_EQ(token.find("offset"), std::string::npos) << "tokens are opaque: " << token;
    }

    EXPECT_EQ(page_sizes, (std::vector<std::size_t>{3, 3, 1}));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 7u);
    EXPECT_EQ(gemini_.request_count("/v1beta/models"), 3u);
}

TEST_F(FakeGeminiTest, PercentEncodedTokenIsAcceptedAndAForgedOneIs400) {
    const json first = json::parse(get("/v1beta/models?pageSize=2").body);
    std::string token = first["nextPageToken"];
    std::string encoded;
    for (const char c : token) encoded += c == '=' ? std::string("%3D") : std::string(1, c);

    const HttpReply second = get("/v1beta/models?pageSize=2&pageToken=" + encoded);
    const HttpReply forged = get("/v1beta/models?pageToken=bm9wZQ");

    EXPECT_EQ(json::parse(second.body)["models"][0]["name"], "models/gemini-2.0-flash");
    EXPECT_EQ(forged.status, 400);
    EXPECT_EQ(json::parse(forged.body)["error"]["status"], "INVALID_ARGUMENT");
}

TEST_F(FakeGeminiTest, DefaultPageSizeAppliesWhenTheRequestGivesNone) {
    gemini_.set_default_page_size(4);

    const json body = json::parse(get("/v1beta/models").body);

    EXPECT_EQ(body["models"].size(), 4u);
    EXPECT_TRUE(body.contains("nextPageToken"));
}

TEST_F(FakeGeminiTest, GetModelTakesTheBareIdAndUnknownOrDoubledPrefixIs404) {
    const HttpReply found = get("/v1beta/models/gemini-2.5-pro");
    const HttpReply unknown = get("/v1beta/models/gemini-9");
    const HttpReply doubled = get("/v1beta/models/models/gemini-2.5-pro");

    EXPECT_EQ(found.status, 200);
    EXPECT_EQ(json::parse(found.body)["name"], "models/gemini-2.5-pro");
    for (const HttpReply* reply : {&unknown, &doubled}) {
        EXPECT_EQ(reply->status, 404);
        const json error = json::parse(reply->body)["error"];
        EXPECT_EQ(error["code"], 404);
        EXPECT_EQ(error["status"], "NOT_FOUND");
    }
}

// ---- auth -------------------------------------------------------------------------------------

TEST_F(FakeGeminiTest, MissingKeyIs403PermissionDenied) {
    const HttpReply reply = http_get(url("/v1beta/models"));

    EXPECT_EQ(reply.status, 403);
    const json error = json::parse(reply.body)["error"];
    EXPECT_EQ(error["code"], 403);
    EXPECT_EQ(error["status"], "PERMISSION_DENIED");
    EXPECT_TRUE(error["message"].get<std::string>().starts_with(
        "Method doesn't allow unregistered callers"));
    EXPECT_EQ(gemini_.last_api_key(), std::nullopt);
}

TEST_F(FakeGeminiTest, WrongKeyIs400InvalidArgumentWithApiKeyInvalidReason) {
    const HttpReply reply = http_get(url("/v1beta/models"), {key_header("AIzaWrong")});

    EXPECT_EQ(reply.status, 400);
    const json error = json::parse(reply.body)["error"];
    EXPECT_EQ(error["status"], "INVALID_ARGUMENT");
    EXPECT_EQ(error["message"], "API key not valid. Please pass a valid API key.");
    EXPECT_EQ(error["details"][0]["@type"], "type.googleapis.com/google.rpc.ErrorInfo");
    EXPECT_EQ(error["details"][0]["reason"], "API_KEY_INVALID");
    EXPECT_EQ(error["details"][0]["domain"], "googleapis.com");
}

TEST_F(FakeGeminiTest, KeyMayComeInTheQueryAndLastApiKeySaysWhere) {
    const HttpReply by_query =
        http_get(url("/v1beta/models?key=" + std::string(FakeGemini::kDefaultApiKey)));
    const auto query_key = gemini_.last_api_key();
    get("/v1beta/models");
    const auto header_key = gemini_.last_api_key();

    EXPECT_EQ(by_query.status, 200);
    ASSERT_TRUE(query_key.has_value());
    EXPECT_EQ(query_key->value, FakeGemini::kDefaultApiKey);
    EXPECT_TRUE(query_key->from_query);
    ASSERT_TRUE(header_key.has_value());
    EXPECT_FALSE(header_key->from_query);
}

TEST_F(FakeGeminiTest, NoConfiguredKeyMeansNoAuth) {
    gemini_.set_api_key(std::nullopt);

    EXPECT_EQ(http_get(url("/v1beta/models")).status, 200);
}

// ---- generateContent --------------------------------------------------------------------------

TEST_F(FakeGeminiTest, GenerateEchoesWithUsageWhoseTotalIncludesThoughts) {
    json request = user_turn("hello there");
    request["systemInstruction"] = {{"parts", {{{"text", "Be brief."}}}}};

    const HttpReply reply = post(kFlashGenerate, request);

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    const json body = json::parse(reply.body);
    ASSERT_EQ(body["candidates"].size(), 1u);
    const json& candidate = body["candidates"][0];
    EXPECT_EQ(candidate["content"]["role"], "model");
    EXPECT_EQ(candidate["content"]["parts"], json::array({{{"text", "Echo: hello there"}}}));
    EXPECT_EQ(candidate["finishReason"], "STOP");
    EXPECT_EQ(candidate["index"], 0);
    const json& usage = body["usageMetadata"];
    EXPECT_EQ(usage["promptTokenCount"], 4);
    EXPECT_EQ(usage["candidatesTokenCount"], 3);
    EXPECT_EQ(usage["thoughtsTokenCount"], 17);
    EXPECT_EQ(usage["totalTokenCount"], 4 + 3 + 17);
    EXPECT_EQ(body["modelVersion"], "gemini-2.5-flash");
    EXPECT_TRUE(body["responseId"].is_string());
    ASSERT_EQ(gemini_.generate_requests().size(), 1u);
    EXPECT_EQ(gemini_.generate_requests()[0], request);
}

TEST_F(FakeGeminiTest, ThoughtsAreAbsentForNonThinkingModelsAndAZeroBudget) {
    gemini_.set_reply("Fixed answer.");
    json zero_budget = user_turn("hi");
    zero_budget["generationConfig"] = {{"thinkingConfig", {{"thinkingBudget", 0}}}};

    const json plain =
        json::parse(post("/v1beta/models/gemini-2.0-flash:generateContent", user_turn("hi")).body);
    const json unthinking = json::parse(post(kFlashGenerate, zero_budget).body);

    for (const json* body : {&plain, &unthinking}) {
        EXPECT_EQ((*body)["candidates"][0]["content"]["parts"][0]["text"], "Fixed answer.");
        EXPECT_FALSE((*body)["usageMetadata"].contains("thoughtsTokenCount"));
        EXPECT_EQ((*body)["usageMetadata"]["totalTokenCount"], 1 + 2);
    }
}

TEST_F(FakeGeminiTest, MaxOutputTokensCutsTheReplyWithFinishReasonMaxTokens) {
    gemini_.set_thoughts_tokens(5);
    json request = user_turn("a b c d");
    request["generation_config"] = {{"max_output_tokens", 2}};  // snake_case is accepted too

    const json body = json::parse(post(kFlashGenerate, request).body);

    EXPECT_EQ(body["candidates"][0]["content"]["parts"][0]["text"], "Echo: a ");
    EXPECT_EQ(body["candidates"][0]["finishReason"], "MAX_TOKENS");
    EXPECT_EQ(body["usageMetadata"]["totalTokenCount"], 4 + 2 + 5);
}

TEST_F(FakeGeminiTest, GenerateOnUnknownOrEmbeddingModelIs404NotFound) {
    const HttpReply unknown = post("/v1beta/models/gemini-9:generateContent", user_turn("hi"));
    const HttpReply embedding =
        post("/v1beta/models/text-embedding-004:generateContent", user_turn("hi"));

    for (const HttpReply* reply : {&unknown, &embedding}) {
        EXPECT_EQ(reply->status, 404);
        EXPECT_EQ(json::parse(reply->body)["error"]["status"], "NOT_FOUND");
    }
    EXPECT_TRUE(json::parse(embedding.body)["error"]["message"].get<std::string>().starts_with(
        "models/text-embedding-004 is not found for API version v1beta, or is not supported for "
        "generateContent."));
}

TEST_F(FakeGeminiTest, BadRequestsAre400InvalidArgument) {
    const HttpReply not_json = http_post_json(url(kFlashGenerate), "{nope", {key_header()});
    const HttpReply no_contents = post(kFlashGenerate, json::object());
    const HttpReply assistant_role = post(
        kFlashGenerate, {{"contents", {{{"role", "assistant"}, {"parts", {{{"text", "x"}}}}}}}});

    for (const HttpReply* reply : {&not_json, &no_contents, &assistant_role}) {
        EXPECT_EQ(reply->status, 400);
        EXPECT_EQ(json::parse(reply->body)["error"]["status"], "INVALID_ARGUMENT");
    }
    EXPECT_EQ(json::parse(assistant_role.body)["error"]["message"],
              "Please use a valid role: user, model.");
}

TEST_F(FakeGeminiTest, ColonBeforeTheMethodMayBePercentEncoded) {
    const HttpReply reply =
        post("/v1beta/models/gemini-2.5-flash%3AgenerateContent", user_turn("hi"));

    EXPECT_EQ(reply.status, 200);
}

TEST_F(FakeGeminiTest, UnknownUrlsGetGooglesHtml404) {
    const HttpReply other_version = get("/v1/models");
    const HttpReply other_method = post("/v1beta/models/gemini-2.5-flash:fooBar", user_turn("x"));

    for (const HttpReply* reply : {&other_version, &other_method}) {
        EXPECT_EQ(reply->status, 404);
        EXPECT_EQ(reply->header("Content-Type"), "text/html; charset=UTF-8");
        EXPECT_TRUE(json::parse(reply->body, nullptr, false).is_discarded());
    }
}

// ---- streamGenerateContent --------------------------------------------------------------------

TEST_F(FakeGeminiTest, SseStreamHasCrLfCrLfFramesNoTerminatorAndFinalUsageLast) {
    const HttpReply reply = post(std::string(kFlashStream) + "?alt=sse", user_turn("stream me"));

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream");
    EXPECT_TRUE(reply.body.ends_with("}\r\n\r\n"));
    EXPECT_EQ(reply.body.find("[DONE]"), std::string::npos);
    const std::vector<json> frames = sse_frames(reply.body);
    ASSERT_EQ(frames.size(), 3u) << reply.body;
    std::string text;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const json& candidate = frames[i]["candidates"][0];
        text += candidate["content"]["parts"][0]["text"].get<std::string>();
        EXPECT_EQ(candidate.contains("finishReason"), i + 1 == frames.size());
        EXPECT_EQ(frames[i]["usageMetadata"].contains("candidatesTokenCount"),
                  i + 1 == frames.size());
        EXPECT_EQ(frames[i]["responseId"], frames[0]["responseId"]);
    }
    EXPECT_EQ(text, "Echo: stream me");
    EXPECT_EQ(frames.back()["candidates"][0]["finishReason"], "STOP");
    EXPECT_EQ(frames.back()["usageMetadata"]["totalTokenCount"], 2 + 3 + 17);
}

TEST_F(FakeGeminiTest, StreamWithoutAltSseIsOneJsonArray) {
    const HttpReply reply = post(kFlashStream, user_turn("as array"));

    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "application/json; charset=UTF-8");
    const json body = json::parse(reply.body);
    ASSERT_TRUE(body.is_array());
    EXPECT_EQ(body.size(), 3u);
    EXPECT_EQ(body.back()["candidates"][0]["finishReason"], "STOP");
}

// ---- faults -----------------------------------------------------------------------------------

TEST_F(FakeGeminiTest, RateLimitIs429ResourceExhaustedWithRetryInfoThenRecovers) {
    gemini_.fail_next(GeminiFault::rate_limited);
    const HttpReply limited = post(kFlashGenerate, user_turn("hi"));
    gemini_.set_retry_delay("0.5s");
    gemini_.fail_next(GeminiFault::rate_limited);
    const HttpReply short_delay = get("/v1beta/models");
    const HttpReply recovered = post(kFlashGenerate, user_turn("hi"));

    EXPECT_EQ(limited.status, 429);
    const json error = json::parse(limited.body)["error"];
    EXPECT_EQ(error["code"], 429);
    EXPECT_EQ(error["status"], "RESOURCE_EXHAUSTED");
    json retry_info;
    json quota_failure;
    for (const json& detail : error["details"]) {
        if (detail["@type"] == "type.googleapis.com/google.rpc.RetryInfo") retry_info = detail;
        if (detail["@type"] == "type.googleapis.com/google.rpc.QuotaFailure") {
            quota_failure = detail;
        }
    }
    EXPECT_EQ(retry_info["retryDelay"], "19s");
    EXPECT_EQ(quota_failure["violations"][0]["quotaDimensions"]["model"], "gemini-2.5-flash");
    EXPECT_EQ(short_delay.status, 429);
    EXPECT_NE(short_delay.body.find("\"retryDelay\": \"0.5s\""), std::string::npos);
    EXPECT_EQ(recovered.status, 200);
}

TEST_F(FakeGeminiTest, UnavailableIs503AndInternalIs500InQueueOrder) {
    gemini_.fail_next(GeminiFault::unavailable);
    gemini_.fail_next(GeminiFault::internal);

    const HttpReply first = post(kFlashGenerate, user_turn("hi"));
    const HttpReply second = post(kFlashGenerate, user_turn("hi"));

    EXPECT_EQ(first.status, 503);
    EXPECT_EQ(json::parse(first.body)["error"]["status"], "UNAVAILABLE");
    EXPECT_EQ(json::parse(first.body)["error"]["message"],
              "The model is overloaded. Please try again later.");
    EXPECT_EQ(second.status, 500);
    EXPECT_EQ(json::parse(second.body)["error"]["status"], "INTERNAL");
}

TEST_F(FakeGeminiTest, AuthFailuresConsumeNoFault) {
    gemini_.fail_next(GeminiFault::unavailable);

    EXPECT_EQ(http_get(url("/v1beta/models")).status, 403);
    EXPECT_EQ(get("/v1beta/models").status, 503);
    EXPECT_EQ(get("/v1beta/models").status, 200);
}

TEST_F(FakeGeminiTest, BlockedPromptIs200WithPromptFeedbackAndNoCandidates) {
    gemini_.fail_next(GeminiFault::blocked_prompt, 2);

    // A list request passes the content fault by without using it up.
    EXPECT_EQ(get("/v1beta/models").status, 200);
    const HttpReply whole = post(kFlashGenerate, user_turn("something bad"));
    const HttpReply streamed = post(std::string(kFlashStream) + "?alt=sse", user_turn("bad"));
    const HttpReply after = post(kFlashGenerate, user_turn("fine"));

    EXPECT_EQ(whole.status, 200);
    const json body = json::parse(whole.body);
    EXPECT_FALSE(body.contains("candidates"));
    EXPECT_EQ(body["promptFeedback"]["blockReason"], "SAFETY");
    EXPECT_FALSE(body["promptFeedback"]["safetyRatings"].empty());
    EXPECT_EQ(body["usageMetadata"]["promptTokenCount"], 2);
    const std::vector<json> frames = sse_frames(streamed.body);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0]["promptFeedback"]["blockReason"], "SAFETY");
    EXPECT_TRUE(json::parse(after.body).contains("candidates"));
}

TEST_F(FakeGeminiTest, MaxTokensCandidateMayHaveNoPartsAtAll) {
    gemini_.fail_next(GeminiFault::max_tokens_without_parts, 2);

    const json whole = json::parse(post(kFlashGenerate, user_turn("think hard")).body);
    const std::vector<json> frames =
        sse_frames(post(std::string(kFlashStream) + "?alt=sse", user_turn("think hard")).body);

    ASSERT_EQ(frames.size(), 1u);
    for (const json* body : {&whole, &frames[0]}) {
        const json& candidate = (*body)["candidates"][0];
        EXPECT_EQ(candidate["content"], json({{"role", "model"}}));
        EXPECT_EQ(candidate["finishReason"], "MAX_TOKENS");
        EXPECT_FALSE((*body)["usageMetadata"].contains("candidatesTokenCount"));
        EXPECT_EQ((*body)["usageMetadata"]["totalTokenCount"], 2 + 17);
    }
}

TEST_F(FakeGeminiTest, StallCutsASseStreamAfterWholeFramesAndStaysOpen) {
    gemini_.cut_next(GeminiCut::stall, 1);

    const HttpReply reply = http_call(HttpCall{"POST",
                                               url(std::string(kFlashStream) + "?alt=sse"),
                                               {key_header(), "Content-Type: application/json"},
                                               user_turn("never ends").dump(),
                                               300ms});

    EXPECT_EQ(reply.code, CURLE_ABORTED_BY_CALLBACK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(sse_frames(reply.body).size(), 1u);
}

TEST_F(FakeGeminiTest, ResetCutsStreamsAfterWholeFramesAndWholeBodiesMidJson) {
    gemini_.cut_next(GeminiCut::reset, 2);
    const HttpReply stream = post(std::string(kFlashStream) + "?alt=sse", user_turn("a b c d"));
    gemini_.cut_next(GeminiCut::reset, 1);
    const HttpReply whole = get("/v1beta/models");
    const HttpReply next = get("/v1beta/models");

    EXPECT_EQ(stream.code, CURLE_RECV_ERROR) << stream.error;
    EXPECT_EQ(sse_frames(stream.body).size(), 2u);
    EXPECT_EQ(whole.code, CURLE_RECV_ERROR) << whole.error;
    EXPECT_FALSE(whole.body.empty());
    EXPECT_TRUE(json::parse(whole.body, nullptr, false).is_discarded());
    EXPECT_EQ(next.code, CURLE_OK);
}

TEST_F(FakeGeminiTest, StoppedServerRefusesConnections) {
    gemini_.server().stop();

    EXPECT_EQ(get("/v1beta/models").code, CURLE_COULDNT_CONNECT);
}

}  // namespace
}  // namespace venom::testing

// Tests of FakeOpenAi through a real HTTP client: each pins down a protocol detail the OpenAI
// provider's tests rely on, so a drift in the fake shows up here first.

#include "fakes/fake_openai.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The `data:` payloads of an SSE body, in order. Each event must be exactly "data: …\n\n"; any
// other framing fails the test, because that framing is what the fake promises.
std::vector<std::string> sse_payloads(const std::string& body) {
    std::vector<std::string> payloads;
    std::size_t start = 0;
    while (start < body.size()) {
        const auto end = body.find("\n\n", start);
        EXPECT_NE(end, std::string::npos) << "unterminated event in: " << body;
        if (end == std::string::npos) break;
        const std::string event = body.substr(start, end - start);
        EXPECT_TRUE(event.starts_with("data: ")) << event;
        EXPECT_EQ(event.find('\n'), std::string::npos) << "multi-line event: " << event;
        payloads.push_back(event.substr(6));
        start = end + 2;
    }
    return payloads;
}

json user_chat(const std::string& model, const std::string& text) {
    return {{"model", model}, {"messages", {{{"role", "user"}, {"content", text}}}}};
}

class FakeOpenAiTest : public ::testing::Test {
protected:
    std::string url(const std::string& path) const { return openai_.api_url() + path; }

    static std::vector<std::string> auth(
        std::string key = std::string(FakeOpenAi::kDefaultApiKey)) {
        return {"Authorization: Bearer " + key};
    }

    HttpReply get(const std::string& path) { return http_get(url(path), auth()); }

    HttpReply chat(const json& body) {
        return http_post_json(url("/chat/completions"), body.dump(), auth());
    }

    FakeOpenAi openai_;
};

// ---- /v1/models -------------------------------------------------------------------------------

TEST_F(FakeOpenAiTest, ModelListHasTheOpenAiShapeAndRealisticIds) {
    const HttpReply reply = get("/models");

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    EXPECT_TRUE(reply.header("x-request-id").has_value());
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["object"], "list");
    std::vector<std::string> ids;
    for (const json& entry : body["data"]) {
        ids.push_back(entry["id"]);
        EXPECT_EQ(entry["object"], "model");
        EXPECT_TRUE(entry["created"].is_number_integer());
        EXPECT_TRUE(entry["owned_by"].is_string());
        EXPECT_EQ(entry.size(), 4u) << entry;
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"gpt-4o", "gpt-4o-mini", "gpt-4.1-mini",
                                             "gpt-3.5-turbo", "text-embedding-3-small"}));
    EXPECT_EQ(body["data"][1]["created"], 1721172741);
    EXPECT_EQ(body["data"][3]["owned_by"], "openai");
}

TEST_F(FakeOpenAiTest, ModelListFollowsSetModelsAndCanBeEmpty) {
    openai_.set_models({{"ft:gpt-4o-mini:acme::abc123", 1730000000, "org-acme", "", true}});
    const json one = json::parse(get("/models").body);
    openai_.set_models({});
    const json none = json::parse(get("/models").body);

    ASSERT_EQ(one["data"].size(), 1u);
    EXPECT_EQ(one["data"][0]["id"], "ft:gpt-4o-mini:acme::abc123");
    EXPECT_EQ(one["data"][0]["owned_by"], "org-acme");
    EXPECT_EQ(none, json({{"object", "list"}, {"data", json::array()}}));
}

TEST_F(FakeOpenAiTest, RetrieveModelAndUnknownModelIs404ModelNotFound) {
    const HttpReply found = get("/models/gpt-4o");
    const HttpReply missing = get("/models/gpt-9");

    EXPECT_EQ(found.status, 200);
    EXPECT_EQ(json::parse(found.body)["id"], "gpt-4o");
    EXPECT_EQ(missing.status, 404);
    const json error = json::parse(missing.body)["error"];
    EXPECT_EQ(error["code"], "model_not_found");
    EXPECT_EQ(error["type"], "invalid_request_error");
    EXPECT_EQ(error["message"], "The model 'gpt-9' does not exist");
}

// ---- auth -------------------------------------------------------------------------------------

TEST_F(FakeOpenAiTest, MissingKeyIs401WithNullCode) {
    const HttpReply none = http_get(url("/models"));
    const HttpReply basic = http_get(url("/models"), {"Authorization: Basic dXNlcjpwdw=="});
    const HttpReply empty = http_get(url("/models"), {"Authorization: Bearer "});

    for (const HttpReply* reply : {&none, &basic, &empty}) {
        EXPECT_EQ(reply->status, 401);
        const json error = json::parse(reply->body)["error"];
        EXPECT_TRUE(error["code"].is_null()) << error;
        EXPECT_TRUE(error["param"].is_null());
        EXPECT_EQ(error["type"], "invalid_request_error");
        EXPECT_NE(error["message"].get<std::string>().find("You didn't provide an API key"),
                  std::string::npos);
    }
}

TEST_F(FakeOpenAiTest, WrongKeyIs401InvalidApiKeyEchoedMasked) {
    const std::string wrong = "sk-proj-wrongWrongWrongWrong1234";
    const HttpReply reply = http_get(url("/models"), auth(wrong));

    EXPECT_EQ(reply.status, 401);
    const json error = json::parse(reply.body)["error"];
    EXPECT_EQ(error["code"], "invalid_api_key");
    EXPECT_EQ(error["type"], "invalid_request_error");
    EXPECT_EQ(error["message"],
              "Incorrect API key provided: sk-proj-********************1234. You can find your "
              "API key at https://platform.openai.com/account/api-keys.");
    EXPECT_EQ(reply.body.find("wrongWrong"), std::string::npos);
}

TEST_F(FakeOpenAiTest, ShortWrongKeyKeepsOnlyItsLastFourCharacters) {
    const HttpReply reply = http_get(url("/models"), auth("sk-short99"));

    EXPECT_NE(json::parse(reply.body)["error"]["message"].get<std::string>().find(
                  "provided: ******rt99."),
              std::string::npos)
        << reply.body;
}

TEST_F(FakeOpenAiTest, ConfiguredKeyIsRequiredAndNoKeyMeansNoAuth) {
    openai_.set_api_key("sk-other");
    EXPECT_EQ(get("/models").status, 401);
    EXPECT_EQ(http_get(url("/models"), auth("sk-other")).status, 200);

    openai_.set_api_key(std::nullopt);
    EXPECT_EQ(http_get(url("/models")).status, 200);
    EXPECT_EQ(http_get(url("/models"), auth("anything")).status, 200);
}

TEST_F(FakeOpenAiTest, LastAuthorizationIsThatOfTheMostRecentRequest) {
    EXPECT_EQ(openai_.last_authorization(), std::nullopt);
    get("/models");
    EXPECT_EQ(openai_.last_authorization(), "Bearer " + std::string(FakeOpenAi::kDefaultApiKey));
    http_get(url("/models"));
    EXPECT_EQ(openai_.last_authorization(), std::nullopt);
}

TEST_F(FakeOpenAiTest, RequestCountsArePerPathAndUnknownRoutesAreInvalidUrl) {
    get("/models");
    get("/models");
    chat(user_chat("gpt-4o-mini", "hi"));
    const HttpReply unknown = http_post_json(url("/completions/nope"), "{}", auth());

    EXPECT_EQ(openai_.request_count("/v1/models"), 2u);
    EXPECT_EQ(openai_.request_count("/v1/chat/completions"), 1u);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(json::parse(unknown.body)["error"]["message"],
              "Invalid URL (POST /v1/completions/nope)");
}

// ---- chat completions, whole ------------------------------------------------------------------

TEST_F(FakeOpenAiTest, ChatEchoesTheLastUserMessageUnderTheSnapshotNameWithUsage) {
    const json request = {{"model", "gpt-4o-mini"},
                          {"messages",
                           {{{"role", "system"}, {"content", "You are terse."}},
                            {{"role", "user"}, {"content", "first question"}},
                            {{"role", "assistant"}, {"content", "an answer"}},
                            {{"role", "user"}, {"content", "hello there"}}}}};
    const HttpReply reply = chat(request);

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    const json body = json::parse(reply.body);
    EXPECT_TRUE(body["id"].get<std::string>().starts_with("chatcmpl-"));
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_TRUE(body["created"].is_number_integer());
    EXPECT_EQ(body["model"], "gpt-4o-mini-2024-07-18");
    ASSERT_EQ(body["choices"].size(), 1u);
    const json& choice = body["choices"][0];
    EXPECT_EQ(choice["index"], 0);
    EXPECT_EQ(choice["message"]["role"], "assistant");
    EXPECT_EQ(choice["message"]["content"], "Echo: hello there");
    EXPECT_TRUE(choice["message"]["refusal"].is_null());
    EXPECT_TRUE(choice["logprobs"].is_null());
    EXPECT_EQ(choice["finish_reason"], "stop");
    // 3 + 2 + 2 + 2 words of prompt, 3 of reply.
    EXPECT_EQ(body["usage"]["prompt_tokens"], 9);
    EXPECT_EQ(body["usage"]["completion_tokens"], 3);
    EXPECT_EQ(body["usage"]["total_tokens"], 12);
    EXPECT_EQ(body["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);
    ASSERT_EQ(openai_.chat_requests().size(), 1u);
    EXPECT_EQ(openai_.chat_requests()[0], request);
}

TEST_F(FakeOpenAiTest, ReplyIsConfigurableAndContentPartsAreRead) {
    openai_.set_reply("Sure thing.");
    const json request = {{"model", "gpt-4o"},
                          {"messages",
                           {{{"role", "user"},
                             {"content",
                              {{{"type", "text"}, {"text", "look at"}},
                               {{"type", "image_url"}, {"image_url", {{"url", "data:,"}}}}}}}}}};

    const json body = json::parse(chat(request).body);

    EXPECT_EQ(body["choices"][0]["message"]["content"], "Sure thing.");
    EXPECT_EQ(body["model"], "gpt-4o-2024-08-06");
    EXPECT_EQ(body["usage"]["prompt_tokens"], 2);
    EXPECT_EQ(body["usage"]["completion_tokens"], 2);
}

TEST_F(FakeOpenAiTest, MaxCompletionTokensCutsTheReplyWithFinishReasonLength) {
    json request = user_chat("gpt-4o-mini", "one two three four");
    request["max_completion_tokens"] = 2;
    json legacy = user_chat("gpt-4o-mini", "one two three four");
    legacy["max_tokens"] = 3;

    const json cut = json::parse(chat(request).body);
    const json cut_legacy = json::parse(chat(legacy).body);

    EXPECT_EQ(cut["choices"][0]["message"]["content"], "Echo: one ");
    EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(cut["usage"]["completion_tokens"], 2);
    EXPECT_EQ(cut_legacy["choices"][0]["message"]["content"], "Echo: one two ");
}

TEST_F(FakeOpenAiTest, UnknownModelAndNonChatModelAre404) {
    const HttpReply unknown = chat(user_chat("gpt-5-ultra", "hi"));
    const HttpReply embedding = chat(user_chat("text-embedding-3-small", "hi"));

    EXPECT_EQ(unknown.status, 404);
    const json error = json::parse(unknown.body)["error"];
    EXPECT_EQ(error["code"], "model_not_found");
    EXPECT_EQ(error["message"],
              "The model `gpt-5-ultra` does not exist or you do not have access to it.");
    EXPECT_EQ(embedding.status, 404);
    EXPECT_TRUE(json::parse(embedding.body)["error"]["message"].get<std::string>().starts_with(
        "This is not a chat model"));
}

TEST_F(FakeOpenAiTest, MalformedBodiesAre400InvalidRequestError) {
    const HttpReply not_json = http_post_json(url("/chat/completions"), "{oops", auth());
    const HttpReply no_model = chat({{"messages", {{{"role", "user"}, {"content", "x"}}}}});
    const HttpReply no_messages = chat({{"model", "gpt-4o"}});
    const HttpReply empty_messages = chat({{"model", "gpt-4o"}, {"messages", json::array()}});

    for (const HttpReply* reply : {&not_json, &no_model, &no_messages, &empty_messages}) {
        EXPECT_EQ(reply->status, 400);
        EXPECT_EQ(json::parse(reply->body)["error"]["type"], "invalid_request_error");
    }
    EXPECT_EQ(json::parse(no_messages.body)["error"]["param"], "messages");
    EXPECT_EQ(json::parse(empty_messages.body)["error"]["code"], "empty_array");
    EXPECT_EQ(openai_.chat_requests().at(0), json("{oops"));
}

// ---- chat completions, streamed ---------------------------------------------------------------

TEST_F(FakeOpenAiTest, StreamIsRoleChunkThenContentThenEmptyFinishChunkThenDone) {
    json request = user_chat("gpt-4o-mini", "stream me");
    request["stream"] = true;

    const HttpReply reply = chat(request);

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("Content-Type"), "text/event-stream; charset=utf-8");
    EXPECT_EQ(reply.header("Transfer-Encoding"), "chunked");
    const std::vector<std::string> payloads = sse_payloads(reply.body);
    // role, 3 words, finish, [DONE]
    ASSERT_EQ(payloads.size(), 6u) << reply.body;
    EXPECT_EQ(payloads.back(), "[DONE]");
    std::vector<json> chunks;
    for (std::size_t i = 0; i + 1 < payloads.size(); ++i)
        chunks.push_back(json::parse(payloads[i]));
    for (const json& chunk : chunks) {
        EXPECT_EQ(chunk["object"], "chat.completion.chunk");
        EXPECT_EQ(chunk["id"], chunks[0]["id"]);
        EXPECT_EQ(chunk["created"], chunks[0]["created"]);
        EXPECT_EQ(chunk["model"], "gpt-4o-mini-2024-07-18");
        EXPECT_FALSE(chunk.contains("usage")) << "usage only with include_usage";
        ASSERT_EQ(chunk["choices"].size(), 1u);
    }
    EXPECT_EQ(chunks[0]["choices"][0]["delta"],
              json({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}));
    EXPECT_TRUE(chunks[0]["choices"][0]["finish_reason"].is_null());
    std::string text;
    for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
        EXPECT_TRUE(chunks[i]["choices"][0]["finish_reason"].is_null());
        text += chunks[i]["choices"][0]["delta"]["content"].get<std::string>();
    }
    EXPECT_EQ(text, "Echo: stream me");
    EXPECT_EQ(chunks.back()["choices"][0]["delta"], json::object());
    EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "stop");
}

TEST_F(FakeOpenAiTest, IncludeUsageAddsNullUsageEverywhereAndAFinalChunkWithoutChoices) {
    json request = user_chat("gpt-4o-mini", "count me");
    request["stream"] = true;
    request["stream_options"] = {{"include_usage", true}};

    const std::vector<std::string> payloads = sse_payloads(chat(request).body);

    ASSERT_EQ(payloads.size(), 7u);
    EXPECT_EQ(payloads.back(), "[DONE]");
    for (std::size_t i = 0; i + 2 < payloads.size(); ++i) {
        const json chunk = json::parse(payloads[i]);
        ASSERT_TRUE(chunk.contains("usage"));
        EXPECT_TRUE(chunk["usage"].is_null());
    }
    const json usage_chunk = json::parse(payloads[payloads.size() - 2]);
    EXPECT_EQ(usage_chunk["choices"], json::array());
    EXPECT_EQ(usage_chunk["usage"]["prompt_tokens"], 2);
    EXPECT_EQ(usage_chunk["usage"]["completion_tokens"], 3);
    EXPECT_EQ(usage_chunk["usage"]["total_tokens"], 5);
}

TEST_F(FakeOpenAiTest, StreamDelaySpacesTheEvents) {
    openai_.set_stream_delay(20ms);
    json request = user_chat("gpt-4o-mini", "slow");
    request["stream"] = true;

    const auto start = std::chrono::steady_clock::now();
    const HttpReply reply = chat(request);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    // role, 2 words, finish, [DONE]: four pauses. Only the lower bound is asserted.
    EXPECT_EQ(sse_payloads(reply.body).size(), 5u);
    EXPECT_GE(elapsed, 80ms);
}

// ---- faults -----------------------------------------------------------------------------------

TEST_F(FakeOpenAiTest, RateLimitIs429WithRetryAfterHeadersThenRecovers) {
    openai_.set_retry_after(1500ms);
    openai_.fail_next(OpenAiFault::rate_limited, 2);

    const HttpReply first = chat(user_chat("gpt-4o", "hi"));
    const HttpReply second = get("/models");
    const HttpReply third = chat(user_chat("gpt-4o", "hi"));

    for (const HttpReply* reply : {&first, &second}) {
        EXPECT_EQ(reply->status, 429);
        EXPECT_EQ(reply->header("retry-after"), "2");
        EXPECT_EQ(reply->header("retry-after-ms"), "1500");
        const json error = json::parse(reply->body)["error"];
        EXPECT_EQ(error["code"], "rate_limit_exceeded");
        EXPECT_EQ(error["type"], "tokens");
        EXPECT_NE(error["message"].get<std::string>().find("Please try again in 1500ms."),
                  std::string::npos);
    }
    EXPECT_NE(json::parse(first.body)["error"]["message"].get<std::string>().find("for gpt-4o "),
              std::string::npos);
    EXPECT_EQ(third.status, 200);
}

TEST_F(FakeOpenAiTest, InsufficientQuotaIs429WithItsOwnTypeAndCodeAndNoRetryAfter) {
    openai_.fail_next(OpenAiFault::insufficient_quota);

    const HttpReply reply = chat(user_chat("gpt-4o", "hi"));

    EXPECT_EQ(reply.status, 429);
    EXPECT_FALSE(reply.header("retry-after").has_value());
    const json error = json::parse(reply.body)["error"];
    EXPECT_EQ(error["type"], "insufficient_quota");
    EXPECT_EQ(error["code"], "insufficient_quota");
}

TEST_F(FakeOpenAiTest, QueuedFaultsComeInOrderAndAuthFailuresDoNotConsumeThem) {
    openai_.fail_next(OpenAiFault::server_error);
    openai_.fail_next(OpenAiFault::overloaded);

    const HttpReply unauthenticated = http_get(url("/models"));
    const HttpReply first = get("/models");
    const HttpReply second = get("/models");
    const HttpReply third = get("/models");

    EXPECT_EQ(unauthenticated.status, 401);
    EXPECT_EQ(first.status, 500);
    EXPECT_EQ(json::parse(first.body)["error"]["type"], "server_error");
    EXPECT_TRUE(json::parse(first.body)["error"]["code"].is_null());
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(json::parse(second.body)["error"]["message"],
              "The engine is currently overloaded, please try again later.");
    EXPECT_EQ(third.status, 200);
}

TEST_F(FakeOpenAiTest, StallCutsAStreamAfterWholeEventsAndStaysOpen) {
    openai_.cut_next(OpenAiCut::stall, 2);
    json request = user_chat("gpt-4o-mini", "never finishes");
    request["stream"] = true;

    const HttpReply reply = http_call(HttpCall{"POST",
                                               url("/chat/completions"),
                                               {auth()[0], "Content-Type: application/json"},
                                               request.dump(),
                                               300ms});

    EXPECT_EQ(reply.code, CURLE_ABORTED_BY_CALLBACK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(sse_payloads(reply.body).size(), 2u) << reply.body;
    // The cut was used up: the next stream is whole.
    EXPECT_EQ(sse_payloads(chat(request).body).back(), "[DONE]");
}

TEST_F(FakeOpenAiTest, ResetCutsAStreamAfterWholeEvents) {
    openai_.cut_next(OpenAiCut::reset, 1);
    json request = user_chat("gpt-4o-mini", "cut me");
    request["stream"] = true;

    const HttpReply reply = chat(request);

    EXPECT_EQ(reply.code, CURLE_RECV_ERROR) << reply.error;
    const std::vector<std::string> payloads = sse_payloads(reply.body);
    ASSERT_EQ(payloads.size(), 1u);
    EXPECT_EQ(json::parse(payloads[0])["choices"][0]["delta"]["role"], "assistant");
}

TEST_F(FakeOpenAiTest, ErrorEventEndsTheStreamInBandWithoutDone) {
    openai_.cut_next(OpenAiCut::error_event, 2);
    json request = user_chat("gpt-4o-mini", "fail midway please");
    request["stream"] = true;

    const HttpReply reply = chat(request);

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    const std::vector<std::string> payloads = sse_payloads(reply.body);
    ASSERT_EQ(payloads.size(), 3u);
    EXPECT_EQ(json::parse(payloads[2])["error"]["type"], "server_error");
}

TEST_F(FakeOpenAiTest, CutsApplyToWholeBodyResponsesToo) {
    openai_.cut_next(OpenAiCut::reset, 1);
    const HttpReply half = get("/models");
    openai_.cut_next(OpenAiCut::stall, 0);
    const HttpReply headers_only =
        http_call(HttpCall{"GET", url("/models"), auth(), std::nullopt, 300ms});
    // Errors are never cut: the pending cut waits for a 200.
    openai_.cut_next(OpenAiCut::reset, 0);
    const HttpReply not_found = get("/models/nope");
    const HttpReply cut_later = get("/models");

    EXPECT_EQ(half.code, CURLE_RECV_ERROR) << half.error;
    EXPECT_FALSE(half.body.empty());
    EXPECT_TRUE(json::parse(half.body, nullptr, false).is_discarded()) << half.body;
    EXPECT_EQ(headers_only.code, CURLE_ABORTED_BY_CALLBACK) << headers_only.error;
    EXPECT_EQ(headers_only.status, 200);
    EXPECT_TRUE(headers_only.body.empty());
    EXPECT_EQ(not_found.status, 404);
    EXPECT_EQ(cut_later.code, CURLE_RECV_ERROR);
}

TEST_F(FakeOpenAiTest, StoppedServerRefusesConnections) {
    openai_.server().stop();

    EXPECT_EQ(get("/models").code, CURLE_COULDNT_CONNECT);
}

}  // namespace
}  // namespace venom::testing

// How each runtime's chat answer is read (src/translation/runtime_chat.cpp): the text where
// each API puts it, and every malformed or cut-off answer a clear 502, never an exception.
#include "translation/runtime_chat.hpp"

#include <gtest/gtest.h>

#include <string>

namespace venom::translation {
namespace {

TEST(RuntimeChatTest, EachRuntimesAnswerGivesItsText) {
    auto ollama = chat_answer_text(
        Runtime::ollama,
        R"({"message":{"role":"assistant","content":" Witaj "},"done":true,"done_reason":"stop"})");
    ASSERT_TRUE(ollama.ok());
    EXPECT_EQ(*ollama, "Witaj");
    auto openai = chat_answer_text(
        Runtime::openai,
        R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Hallo"},"finish_reason":"stop"}]})");
    ASSERT_TRUE(openai.ok());
    EXPECT_EQ(*openai, "Hallo");
    auto gemini = chat_answer_text(
        Runtime::google,
        R"({"candidates":[{"content":{"parts":[{"text":"plan","thought":true},{"text":"Cze"},{"text":"ść"}]},"finishReason":"STOP"}]})");
    ASSERT_TRUE(gemini.ok());
    EXPECT_EQ(*gemini, "Cześć");
}

TEST(RuntimeChatTest, AnAnswerCutAtTheTokenLimitIsAFailureNotATranslation) {
    const std::pair<Runtime, const char*> cut[] = {
        {Runtime::ollama,
         R"({"message":{"content":"Half of it"},"done":true,"done_reason":"length"})"},
        {Runtime::vllm, R"({"choices":[{"message":{"content":"Half"},"finish_reason":"length"}]})"},
        {Runtime::google,
         R"({"candidates":[{"content":{"parts":[{"text":"Half"}]},"finishReason":"MAX_TOKENS"}]})"},
    };
    for (const auto& [kind, body] : cut) {
        auto answer = chat_answer_text(kind, body);
        ASSERT_FALSE(answer.ok()) << body;
        EXPECT_EQ(answer.error().http_status, 502);
        EXPECT_NE(answer.error().message.find("token limit"), std::string::npos);
    }
}

TEST(RuntimeChatTest, HostileAnswersAre502NeverAnException) {
    const std::pair<Runtime, const char*> bad[] = {
        {Runtime::google, R"({"candidates":[null]})"},
        {Runtime::google,
         R"({"candidates":[{"content":{"parts":[{"text":"x","thought":"yes"}]}}]})"},
        {Runtime::google, R"({"candidates":[{"content":"parts"}]})"},
        {Runtime::google, R"({"promptFeedback":"x"})"},
        {Runtime::google, R"({"promptFeedback":{"blockReason":7}})"},
        {Runtime::openai, R"({"choices":[{"message":"text"}]})"},
        {Runtime::openai, R"({"choices":{"message":{"content":"x"}}})"},
        {Runtime::openai, R"({"choices":[{"message":{"content":"x"},"finish_reason":5}]})"},
        {Runtime::ollama, R"({"message":["content"]})"},
        {Runtime::ollama, R"({"message":{"content":42},"done_reason":[]})"},
        {Runtime::ollama, "[1,2,3]"},
        {Runtime::ollama, "not json"},
    };
    for (const auto& [kind, body] : bad) {
        Result<std::string> answer = std::string();
        EXPECT_NO_THROW(answer = chat_answer_text(kind, body)) << body;
        if (answer.ok()) {
            // Only the thought-with-a-string-flag part may be read as text.
            EXPECT_EQ(*answer, "x") << body;
        } else {
            EXPECT_EQ(answer.error().http_status, 502) << body;
        }
    }
}

}  // namespace
}  // namespace venom::translation

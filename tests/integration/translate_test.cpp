// POST /api/v1/translate over HTTP (issue 12, points 3 and 4), against the fake runtimes: each
// runtime kind's own API, the 20 KB text translated in full and in order, the cache (hits make
// no upstream call, it survives a restart, failures never enter it) and every error mapping.
// The fakes answer "Echo: " + the text they were sent, so each translated chunk is visible.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "fakes/fake_gemini.hpp"
#include "fakes/fake_ollama.hpp"
#include "fakes/fake_openai.hpp"
#include "integration/daemon_harness.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;

constexpr const char* kVllmServed = "qwen2.5-7b-instruct";

class TranslateTest : public ::testing::Test {
protected:
    TranslateTest() {
        ollama_.add_model(FakeOllamaModel::llama3());
        vllm_.set_api_key(std::nullopt);  // vLLM started without --api-key
        FakeOpenAiModel served;
        served.id = kVllmServed;
        served.owned_by = "vllm";
        vllm_.set_models({served});
    }

    // Makes `runtime` with `model` the active one, as runtime.json records it.
    void activate(const std::string& runtime, const std::string& model) {
        json state = {
            {"active_runtime", runtime}, {"active_model", model}, {"last_model", json::object()}};
        if (runtime == "vllm") state["vllm_served_model_name"] = kVllmServed;
        std::ofstream(dir_.path() / "runtime.json") << state.dump();
    }
    void no_runtime() {
        std::ofstream(dir_.path() / "runtime.json")
            << json{{"active_runtime", nullptr}, {"active_model", nullptr}}.dump();
    }

    void start(const std::function<void(Config&)>& more = {}) {
        daemon_ = std::make_unique<TestDaemon>(
            [&, more](Config& c) {
                c.ollama_host = ollama_.base_url();
                c.vllm_endpoint = vllm_.api_url();
                c.openai_base_url = openai_.api_url();
                c.openai_api_key = std::string(FakeOpenAi::kDefaultApiKey);
                c.gemini_base_url = gemini_.base_url();
                c.google_api_key = std::string(FakeGemini::kDefaultApiKey);
                c.translation_timeout_seconds = 2;
                if (more) more(c);
            },
            Daemon::Ports{}, dir_.path());
        daemon_->start();
    }
    void restart() {
        daemon_->stop();
        daemon_.reset();
        start();
    }

    HttpResult translate(const json& body) {
        return daemon_->post("/api/v1/translate", body.dump());
    }

    TempDir dir_;
    FakeOllama ollama_;
    FakeOpenAi vllm_;
    FakeOpenAi openai_;
    FakeGemini gemini_;
    std::unique_ptr<TestDaemon> daemon_;
};

// Twelve paragraphs of ~1.6 KB (20 KB in all), a code block with a blank line in it and a URL
// line between them.
struct LongText {
    std::string text;
    std::string expected;  // as the Echo fakes translate it
};

LongText twenty_kb_text() {
    LongText out;
    for (int p = 1; p <= 12; ++p) {
        std::string para = "Paragraph " + std::to_string(p) + " starts here.";
        for (int s = 0; para.size() < 1650; ++s) {
            para += " Sentence " + std::to_string(s) + " of paragraph " + std::to_string(p) +
                    " talks about models.";
        }
        const std::string sep = "\n\n";
        out.text += para + sep;
        out.expected += "Echo: " + para + sep;
        if (p == 4) {
            const std::string code =
                "```bash\ncurl -s http://127.0.0.1:8000/api/v1/health\n\necho done.\n```\n\n";
            out.text += code;
            out.expected += code;
        }
        if (p == 8) {
            const std::string url = "https://huggingface.co/blog/some-post.html\n\n";
            out.text += url;
            out.expected += url;
        }
    }
    return out;
}

TEST_F(TranslateTest, OllamaTranslatesThroughApiChatAndLanguageCaseDoesNotMatter) {
    activate("ollama", "llama3:latest");
    start();
    auto r = translate({{"text", "Hello world"}, {"target_lang", "PL"}, {"source_lang", "En"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json(), (json{{"success", true},
                              {"translated_text", "Echo: Hello world"},
                              {"target_lang", "pl"},
                              {"runtime", "ollama"},
                              {"model", "llama3:latest"},
                              {"fallback", nullptr}}));
    const auto calls = ollama_.chat_requests();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0]["model"], "llama3:latest");
    EXPECT_EQ(calls[0]["stream"], false);
    EXPECT_EQ(calls[0]["messages"][1]["content"], "Hello world");
    const std::string system = calls[0]["messages"][0]["content"];
    EXPECT_NE(system.find("from English to Polish"), std::string::npos) << system;
}

TEST_F(TranslateTest, TwentyKilobyteTextComesBackWithEveryParagraphTranslatedInOrder) {
    activate("ollama", "llama3:latest");
    start();
    const LongText long_text = twenty_kb_text();
    ASSERT_GE(long_text.text.size(), 20000u);
    auto r = translate({{"text", long_text.text}, {"target_lang", "de"}});
    ASSERT_EQ(r.status, 200) << r.body;
    // Every paragraph translated, in order, paragraph breaks, the code block and the URL line
    // exactly as sent (the reply is trimmed of the final blank line like any chunk's edges).
    EXPECT_EQ(r.json()["translated_text"], long_text.expected);
    EXPECT_EQ(ollama_.chat_requests().size(), 12u);
}

TEST_F(TranslateTest, ASmallContextSplitsParagraphsAtSentencesAndStillTranslatesAll) {
    FakeOllamaModel small = FakeOllamaModel::llama3();
    small.name = "tiny:latest";
    ollama_.add_model(small);
    // The manifest's capabilities give the context: budget (1024 - 512) / 2 * 3 = 768 bytes.
    std::filesystem::create_directories(dir_.path() / "models");
    std::ofstream(dir_.path() / "models" / "manifest.json")
        << json{{"models", json::array({{{"name", "tiny:latest"},
                                         {"provider", "ollama"},
                                         {"runtime", "ollama"},
                                         {"status", "installed"},
                                         {"capabilities", {{"max_context_length", 1024}}}}})}}
               .dump();
    activate("ollama", "tiny:latest");
    start();
    const LongText long_text = twenty_kb_text();
    auto r = translate({{"text", long_text.text}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto calls = ollama_.chat_requests();
    EXPECT_GT(calls.size(), 24u);  // at least three pieces per 1.6 KB paragraph
    for (const auto& call : calls) {
        EXPECT_LE(call["messages"][1]["content"].get<std::string>().size(), 768u);
    }
    const std::string out = r.json()["translated_text"];
    for (int p = 1; p <= 12; ++p) {
        EXPECT_NE(out.find("Echo: Paragraph " + std::to_string(p) + " starts here."),
                  std::string::npos);
    }
}

TEST_F(TranslateTest, CacheHitsMakeNoUpstreamCallAndUseCacheFalseDoes) {
    activate("ollama", "llama3:latest");
    start();
    const json body = {{"text", "One.\n\nTwo."}, {"target_lang", "pl"}};
    ASSERT_EQ(translate(body).status, 200);
    EXPECT_EQ(ollama_.chat_requests().size(), 2u);
    auto again = translate(body);
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(again.json()["translated_text"], "Echo: One.\n\nEcho: Two.");
    EXPECT_EQ(ollama_.chat_requests().size(), 2u);  // from the cache
    json fresh = body;
    fresh["use_cache"] = false;
    ASSERT_EQ(translate(fresh).status, 200);
    EXPECT_EQ(ollama_.chat_requests().size(), 4u);
    // Another target language is another entry.
    ASSERT_EQ(translate({{"text", "One.\n\nTwo."}, {"target_lang", "de"}}).status, 200);
    EXPECT_EQ(ollama_.chat_requests().size(), 6u);
}

TEST_F(TranslateTest, CacheSurvivesARestart) {
    activate("ollama", "llama3:latest");
    start();
    ASSERT_EQ(translate({{"text", "Persistent text."}, {"target_lang", "pl"}}).status, 200);
    EXPECT_EQ(ollama_.chat_requests().size(), 1u);
    restart();
    auto r = translate({{"text", "Persistent text."}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["translated_text"], "Echo: Persistent text.");
    EXPECT_EQ(ollama_.chat_requests().size(), 1u);
}

TEST_F(TranslateTest, ADamagedCacheFileIsAWarningNotACrash) {
    activate("ollama", "llama3:latest");
    std::ofstream(dir_.path() / "translation-cache.json") << "{\"entries\": [1, 2";
    start();
    auto health = daemon_->get("/api/v1/health");
    ASSERT_EQ(health.status, 200);
    EXPECT_NE(health.body.find("translation cache"), std::string::npos) << health.body;
    EXPECT_EQ(translate({{"text", "Hi."}, {"target_lang", "pl"}}).status, 200);
}

TEST_F(TranslateTest, VllmGetsChatCompletionsWithItsServedName) {
    activate("vllm", "/models/qwen");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "de"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["translated_text"], "Echo: Hello");
    const auto calls = vllm_.chat_requests();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0]["model"], kVllmServed);
    EXPECT_EQ(calls[0]["messages"][0]["role"], "system");
}

TEST_F(TranslateTest, OpenAiGetsTheKeyAsABearerHeader) {
    activate("openai", "gpt-4o-mini");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["translated_text"], "Echo: Hello");
    EXPECT_EQ(openai_.last_authorization(), "Bearer " + std::string(FakeOpenAi::kDefaultApiKey));
    EXPECT_EQ(openai_.chat_requests().at(0)["model"], "gpt-4o-mini");
}

TEST_F(TranslateTest, GeminiUsesGenerateContentWithTheKeyInAHeaderNotTheUrl) {
    activate("google", "gemini-2.5-flash");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["translated_text"], "Echo: Hello");
    EXPECT_EQ(gemini_.request_count("/v1beta/models/gemini-2.5-flash:generateContent"), 1u);
    const auto key = gemini_.last_api_key();
    ASSERT_TRUE(key.has_value());
    EXPECT_FALSE(key->from_query);
    const auto body = gemini_.generate_requests().at(0);
    EXPECT_EQ(body["contents"][0]["parts"][0]["text"], "Hello");
    EXPECT_TRUE(body.contains("systemInstruction"));
}

TEST_F(TranslateTest, BadInputIsRefusedBeforeAnyUpstreamCall) {
    activate("ollama", "llama3:latest");
    start();
    auto expect = [&](const std::string& body, int status, const std::string& code) {
        auto r = daemon_->post("/api/v1/translate", body);
        EXPECT_EQ(r.status, status) << body << " -> " << r.body;
        if (r.status == status) {
            EXPECT_EQ(r.json()["code"], code) << body;
            EXPECT_EQ(r.json()["success"], false);
        }
    };
    expect(R"({"text":"Hi","target_lang":"fr"})", 400, "unsupported_language");
    expect(R"({"text":"Hi","target_lang":"pl","source_lang":"xx"})", 400, "unsupported_language");
    expect(R"({"text":"  \n ","target_lang":"pl"})", 400, "empty_text");
    expect(R"({"target_lang":"pl"})", 422, "missing_field");
    expect(R"({"text":"Hi"})", 422, "missing_field");
    expect(R"({"text":5,"target_lang":"pl"})", 422, "invalid_field");
    expect(R"({"text":"Hi","target_lang":1})", 422, "invalid_field");
    expect(R"({"text":"Hi","target_lang":"pl","use_cache":"yes"})", 422, "invalid_field");
    expect(R"({"text":"Hi")", 400, "malformed_json");
    EXPECT_EQ(ollama_.chat_requests().size(), 0u);
}

TEST_F(TranslateTest, NoActiveRuntimeIs503) {
    no_runtime();
    start();
    auto r = translate({{"text", "Hi"}, {"target_lang", "pl"}});
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.json()["code"], "no_active_runtime");
}

TEST_F(TranslateTest, UpstreamErrorIs502WithItsStatusAndNothingIsCached) {
    activate("ollama", "llama3:latest");
    start();
    ollama_.fail_next_chat(OllamaChatFault::server_error);
    const json body = {{"text", "A.\n\nB.\n\nC."}, {"target_lang", "pl"}};
    auto r = translate(body);
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.json()["code"], "translation_failed");
    EXPECT_NE(r.json()["detail"].get<std::string>().find("HTTP 500"), std::string::npos) << r.body;
    // The chunks that did succeed in that call were not cached: all three are asked again.
    const std::size_t before = ollama_.chat_requests().size();
    auto again = translate(body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["translated_text"], "Echo: A.\n\nEcho: B.\n\nEcho: C.");
    EXPECT_EQ(ollama_.chat_requests().size(), before + 3);
}

TEST_F(TranslateTest, AStalledRuntimeIs504WithinTheTimeout) {
    activate("ollama", "llama3:latest");
    start();  // translation_timeout_seconds = 2
    ollama_.fail_next_chat(OllamaChatFault::stall);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 504) << r.body;
    EXPECT_EQ(r.json()["code"], "translation_timeout");
    EXPECT_LT(elapsed, std::chrono::seconds(8));
}

TEST_F(TranslateTest, ARejectedCloudKeyIs502SayingSoWithoutTheKey) {
    activate("openai", "gpt-4o-mini");
    openai_.set_api_key("sk-proj-anotherKeyThatVenomdDoesNotHave1234");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(r.status, 502) << r.body;
    const std::string detail = r.json()["detail"];
    EXPECT_NE(detail.find("HTTP 401"), std::string::npos) << detail;
    EXPECT_NE(detail.find("API key"), std::string::npos) << detail;
    EXPECT_EQ(r.body.find("sk-proj"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("WXYZ"), std::string::npos) << r.body;  // not even the masked tail
}

TEST_F(TranslateTest, GeminiBadKeyAndRateLimitAre502) {
    activate("google", "gemini-2.5-flash");
    gemini_.set_api_key("AIzaSyAnotherKey");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.json()["detail"].get<std::string>().find("API key"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("AIza"), std::string::npos);
    gemini_.set_api_key(std::string(FakeGemini::kDefaultApiKey));
    gemini_.fail_next(GeminiFault::rate_limited);
    auto limited = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(limited.status, 502) << limited.body;
    EXPECT_NE(limited.json()["detail"].get<std::string>().find("HTTP 429"), std::string::npos);
}

TEST_F(TranslateTest, OpenAiServerErrorAndStallMapTo502And504) {
    activate("openai", "gpt-4o-mini");
    start();
    openai_.fail_next(OpenAiFault::server_error);
    auto failed = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(failed.status, 502) << failed.body;
    openai_.cut_next(OpenAiCut::stall);
    auto stalled = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(stalled.status, 504) << stalled.body;
}

TEST_F(TranslateTest, VllmAndOpenAiErrorsAndRateLimitsAre502WithTheirStatus) {
    activate("vllm", "Qwen/Qwen2.5-7B-Instruct");
    start();
    vllm_.fail_next(OpenAiFault::server_error);
    auto failed = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(failed.status, 502) << failed.body;
    EXPECT_EQ(failed.json()["code"], "translation_failed");
    const std::string detail = failed.json()["detail"];
    EXPECT_NE(detail.find("vllm"), std::string::npos) << detail;
    EXPECT_NE(detail.find("HTTP 500"), std::string::npos) << detail;
    daemon_->stop();
    daemon_.reset();

    activate("openai", "gpt-4o-mini");
    start();
    openai_.fail_next(OpenAiFault::rate_limited);
    auto limited = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(limited.status, 502) << limited.body;
    EXPECT_NE(limited.json()["detail"].get<std::string>().find("HTTP 429"), std::string::npos)
        << limited.body;
    // Not cached as a translation: the next call is answered.
    auto next = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    EXPECT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(next.json()["translated_text"], "Echo: Hello");
}

TEST_F(TranslateTest, TheTwentyKilobyteTextOnACloudRuntimeKeepsAtMostItsParallelismInFlight) {
    activate("openai", "gpt-4o-mini");
    // Each answer takes 150 ms: 12 chunks, 3 at a time, cannot take less than 4 × 150 ms; all
    // 12 at once would take about 150 ms.
    openai_.set_reply_delay(std::chrono::milliseconds(150));
    start([](Config& c) { c.translation_parallelism = 3; });
    const LongText long_text = twenty_kb_text();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = translate({{"text", long_text.text}, {"target_lang", "pl"}});
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["translated_text"], long_text.expected);
    EXPECT_GE(elapsed, std::chrono::milliseconds(600));
}

TEST_F(TranslateTest, OllamaGetsTheTunedNumCtxAndChunksFitIt) {
    // The tuning drawer set num_ctx 1024 for the model: Ollama runs it with that, so the
    // chunks are cut for it ((1024 - 512) / 2 * 3 = 768 bytes) and every call sends it, so the
    // loaded runner is not reloaded with another context.
    std::ofstream(dir_.path() / "generation-settings.json")
        << json{{"ollama", {{"llama3:latest", {{"num_ctx", 1024}}}}}}.dump();
    activate("ollama", "llama3:latest");
    start();
    const LongText long_text = twenty_kb_text();
    auto r = translate({{"text", long_text.text}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto calls = ollama_.chat_requests();
    ASSERT_GT(calls.size(), 24u);
    for (const auto& call : calls) {
        EXPECT_EQ(call["options"]["num_ctx"], 1024) << call["options"];
        EXPECT_LE(call["messages"][1]["content"].get<std::string>().size(), 768u);
    }
}

TEST_F(TranslateTest, UntunedOllamaGetsNoNumCtxSoItsRunnerIsNotReloaded) {
    activate("ollama", "llama3:latest");
    start();
    auto r = translate({{"text", "Hello"}, {"target_lang", "pl"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto calls = ollama_.chat_requests();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_FALSE(calls[0]["options"].contains("num_ctx")) << calls[0]["options"];
}

TEST_F(TranslateTest, AShutdownDoesNotWaitForAStalledRuntime) {
    activate("ollama", "llama3:latest");
    start([](Config& c) { c.translation_timeout_seconds = 120; });
    ollama_.fail_next_chat(OllamaChatFault::stall);
    auto pending = std::async(std::launch::async, [this] {
        return translate({{"text", "Hello"}, {"target_lang", "pl"}});
    });
    // Wait (bounded) until the runtime has the request, then stop the daemon.
    const auto asked_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ollama_.chat_requests().empty() && std::chrono::steady_clock::now() < asked_by) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a poll, bounded above
    }
    ASSERT_FALSE(ollama_.chat_requests().empty());
    const auto t0 = std::chrono::steady_clock::now();
    daemon_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
    const HttpResult r = pending.get();
    EXPECT_EQ(r.status, 503) << r.body;
}

}  // namespace
}  // namespace venom::testing

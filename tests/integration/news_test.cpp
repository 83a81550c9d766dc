// GET /api/v1/models/news through the REST API against FakeHubNews on the fake Hub (issue 12,
// points 1, 2 and 5): shapes, parameters checked before any upstream call, the month from the
// clock, the cache (hits, joins, stale on failure, empty pages are failures), the papers
// fallback, whole summaries, and translation per item through the active runtime (the fake
// Ollama) with a bounded total time.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <future>

#include "fakes/fake_hub.hpp"
#include "fakes/fake_hub_news.hpp"
#include "fakes/fake_ollama.hpp"
#include "integration/daemon_harness.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Surface = FakeHubNews::Surface;
using Fault = FakeHubNews::Fault;

TimePoint utc(int year, int month, int day) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = 12;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

class NewsTest : public ::testing::Test {
protected:
    void start(std::function<void(Config&)> extra = {},
               std::optional<std::filesystem::path> data_dir = std::nullopt) {
        Daemon::Ports ports;
        ports.gpu_probe = [] { return std::nullopt; };
        ports.clock = &clock_;
        daemon_ = std::make_unique<TestDaemon>(
            [this, extra](Config& c) {
                c.hf_endpoint = hub_.base_url();
                c.ollama_host = ollama_.base_url();
                c.news_timeout_seconds = 2;
                if (extra) extra(c);
            },
            std::move(ports), data_dir);
        daemon_->start();
    }
    // Starts with the fake Ollama's llama3 active: news are translated through its /api/chat,
    // which answers "Echo: " + the text it was asked to translate.
    void start_translating(std::function<void(Config&)> extra = {}) {
        ollama_.add_model(FakeOllamaModel::llama3());
        activate_ollama(data_.path());
        start(std::move(extra), data_.path());
    }
    static void activate_ollama(const std::filesystem::path& dir) {
        std::ofstream(dir / "runtime.json") << json{
            {"active_runtime", "ollama"},
            {"active_model", "llama3:latest"},
            {"last_model", json::object()}}.dump();
    }
    // The texts the runtime was asked to translate.
    std::vector<std::string> asked() {
        std::vector<std::string> out;
        for (const auto& r : ollama_.chat_requests()) out.push_back(r["messages"][1]["content"]);
        return out;
    }
    json get(const std::string& query) {
        auto r = daemon_->get("/api/v1/models/news" + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? r.json() : json::object();
    }
    std::size_t upstream_calls() {
        return news_.requests(Surface::feed) + news_.requests(Surface::page) +
               news_.requests(Surface::api);
    }
    std::vector<std::string> titles(const json& answer) {
        std::vector<std::string> out;
        for (const auto& item : answer["items"]) out.push_back(item["title"]);
        return out;
    }

    FakeClock clock_{utc(2026, 7, 15)};
    FakeHub hub_;
    FakeHubNews news_{hub_.hub()};
    FakeOllama ollama_;
    TempDir data_;
    std::unique_ptr<TestDaemon> daemon_;  // last: stopped before the fakes it talks to
};

TEST_F(NewsTest, BlogItemsHaveThePanelsShapeWithEntitiesAndHtmlDecoded) {
    start();
    json answer = get("?provider=huggingface");
    EXPECT_EQ(answer["success"], true);
    EXPECT_EQ(answer["count"], 3);
    EXPECT_EQ(answer["stale"], false);
    EXPECT_TRUE(answer["error"].is_null()) << answer;
    ASSERT_EQ(answer["items"].size(), 3u);
    const json& first = answer["items"][0];
    EXPECT_EQ(first["title"], "Transformers & friends: what\u2019s new in v5");
    EXPECT_EQ(first["url"], "https://huggingface.co/blog/transformers-v5");
    EXPECT_EQ(first["published_at"], "2026-07-23T00:00:00Z");
    EXPECT_TRUE(first["summary"].is_null());  // the Hub's items have no description
    EXPECT_TRUE(first["authors"].is_null());
    EXPECT_EQ(first["source"], "huggingface");
    const json& second = answer["items"][1];
    EXPECT_EQ(second["title"], "Quantization <3 & GGUF: a field guide");  // CDATA
    EXPECT_EQ(second["published_at"], "2026-07-20T19:38:16Z");
    EXPECT_EQ(second["summary"],
              "A fast way to run models locally & cheaply. Second paragraph \u2014 with a link.");
    EXPECT_EQ(answer["items"][2]["summary"], "New models & new tasks.");  // CDATA HTML
    EXPECT_EQ(get("?limit=2")["count"], 2);
}

TEST_F(NewsTest, AnAtomFeedGivesTheSameItems) {
    start();
    json rss = get("");
    news_.set_feed_format(FakeHubNews::FeedFormat::atom);
    clock_.advance(31min);
    json atom = get("");
    ASSERT_EQ(atom["items"].size(), rss["items"].size()) << atom;
    for (std::size_t i = 0; i < rss["items"].size(); ++i) {
        for (const char* key : {"title", "url", "summary", "published_at"}) {
            EXPECT_EQ(atom["items"][i][key], rss["items"][i][key]) << key << " of item " << i;
        }
        EXPECT_EQ(atom["items"][i]["authors"], json::array({"Hugging Face"}));
    }
    EXPECT_EQ(atom["stale"], false);
}

TEST_F(NewsTest, BadParametersAre400BeforeAnyUpstreamCall) {
    start();
    for (const char* query :
         {"?lang=fr", "?type=papers&lang=xx", "?provider=ollama", "?type=video",
          "?type=papers&month=2026-13", "?type=papers&month=July", "?limit=0", "?limit=abc",
          // Months without papers: before the Hub had them, and after the clock's month.
          "?type=papers&month=2023-04", "?type=papers&month=2026-08",
          "?type=papers&month=9999-01"}) {
        auto r = daemon_->get(std::string("/api/v1/models/news") + query);
        EXPECT_TRUE(r.status == 400 || r.status == 422) << query << " " << r.body;
        json body = json::parse(r.body);
        EXPECT_EQ(body["success"], false) << query;
        EXPECT_TRUE(body["detail"].is_string()) << query;
        EXPECT_TRUE(body["code"].is_string()) << query;
    }
    EXPECT_EQ(upstream_calls(), 0u);
    // Upper case is the same language, as everywhere in venomd.
    json upper = get("?lang=PL&type=PAPERS&provider=HuggingFace");
    EXPECT_EQ(upper["lang"], "pl");
    EXPECT_EQ(upper["type"], "papers");
}

TEST_F(NewsTest, PapersDefaultToTheClocksMonthAndKeepWholeSummaries) {
    start();
    json answer = get("?type=papers&limit=3");
    EXPECT_EQ(answer["month"], "2026-07");
    const auto requests = hub_.hub().requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests.back().path, "/papers/month/2026-07");
    EXPECT_EQ(news_.requests(Surface::api), 0u);  // the page was understood
    ASSERT_EQ(answer["count"], 3) << answer;
    const json& first = answer["items"][0];
    EXPECT_EQ(first["title"], "Scaling Laws for Small Models");
    EXPECT_EQ(first["url"], hub_.base_url() + "/papers/2607.01111");
    EXPECT_EQ(first["authors"], json::array({"Ada Lovelace", "Alan Turing"}));
    EXPECT_EQ(first["published_at"], "2026-07-02T17:59:01Z");  // the paper's, not the entry's
    EXPECT_EQ(first["summary"], "Small models follow scaling laws too.");
    const std::string summary = answer["items"][1]["summary"];
    EXPECT_GT(summary.size(), 1400u);
    EXPECT_TRUE(summary.ends_with("END-OF-ABSTRACT.")) << summary.substr(summary.size() - 40);
    EXPECT_EQ(
        answer["items"][2]["title"],
        "Tokenizers & Unicode: \"Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144\"");

    clock_.advance(24h * 20);  // August
    EXPECT_EQ(get("?type=papers")["month"], "2026-08");
    EXPECT_EQ(hub_.hub().requests().back().path, "/papers/month/2026-08");
    get("?type=papers&month=2025-12");
    EXPECT_EQ(hub_.hub().requests().back().path, "/papers/month/2025-12");
}

TEST_F(NewsTest, FreshAnswersComeFromTheCacheAndConcurrentRequestsJoinOneFetch) {
    news_.set_delay(Surface::feed, 300ms);
    start();
    std::vector<std::future<json>> answers;
    for (int i = 0; i < 6; ++i) {
        answers.push_back(std::async(std::launch::async, [this] { return get("?limit=3"); }));
    }
    for (auto& a : answers) EXPECT_EQ(a.get()["count"], 3);
    EXPECT_EQ(news_.requests(Surface::feed), 1u);
    get("?limit=1");
    get("?lang=en");
    EXPECT_EQ(news_.requests(Surface::feed), 1u);  // one list per feed, whatever the limit
    clock_.advance(31min);                         // past VENOM_CATALOG_TTL_SECONDS
    get("");
    EXPECT_EQ(news_.requests(Surface::feed), 2u);
}

TEST_F(NewsTest, UpstreamFailuresServeTheLastGoodListStaleAndAreNotCached) {
    start([](Config& c) { c.news_timeout_seconds = 1; });
    json good = get("");
    struct Case {
        Fault fault;
        const char* says;
    };
    for (const Case& c : {Case{Fault::http_500, "HTTP 500"}, Case{Fault::stall, "stalled"},
                          Case{Fault::garbage, "not XML"}}) {
        news_.set_fault(Surface::feed, c.fault);
        clock_.advance(31min);
        const std::size_t before = news_.requests(Surface::feed);
        for (int i = 0; i < 2; ++i) {
            json stale = get("");
            EXPECT_EQ(stale["items"], good["items"]) << c.says;
            EXPECT_EQ(stale["stale"], true) << c.says;
            ASSERT_TRUE(stale["error"].is_string()) << stale;
            EXPECT_NE(stale["error"].get<std::string>().find(c.says), std::string::npos)
                << stale["error"];
        }
        // A failure is not cached: each request asked again.
        EXPECT_EQ(news_.requests(Surface::feed), before + 2) << c.says;
    }
    news_.set_fault(Surface::feed, Fault::none);
    json back = get("");
    EXPECT_EQ(back["stale"], false);
    EXPECT_TRUE(back["error"].is_null());
}

TEST_F(NewsTest, AFeedOrPageWithNoItemIsAnErrorNotAnEmptySuccess) {
    news_.set_posts({});
    start();
    json empty = get("");
    EXPECT_EQ(empty["count"], 0);
    EXPECT_EQ(empty["stale"], true);
    ASSERT_TRUE(empty["error"].is_string()) << empty;
    EXPECT_NE(empty["error"].get<std::string>().find("no items"), std::string::npos);
    news_.set_posts(FakeHubNews::default_posts());
    json back = get("");  // not cached: asked again at once
    EXPECT_EQ(back["count"], 3);
    EXPECT_EQ(back["stale"], false);

    // Papers: an empty month page falls back to the API; empty there too is an error.
    news_.set_papers("2026-07", {});
    json none = get("?type=papers");
    EXPECT_EQ(none["count"], 0);
    EXPECT_EQ(none["stale"], true);
    ASSERT_TRUE(none["error"].is_string()) << none;
    EXPECT_NE(none["error"].get<std::string>().find("no papers"), std::string::npos);
    EXPECT_EQ(news_.requests(Surface::api), 1u);
}

TEST_F(NewsTest, APageWhoseLayoutChangedFallsBackToTheDailyPapersApi) {
    start();
    json normal = get("?type=papers&month=2026-06");
    news_.set_page_layout(FakeHubNews::PageLayout::changed);
    json fallback = get("?type=papers&month=2026-07");
    EXPECT_EQ(news_.requests(Surface::api), 1u);
    EXPECT_EQ(fallback["stale"], false);
    EXPECT_TRUE(fallback["error"].is_null()) << fallback;
    EXPECT_EQ(fallback["items"], normal["items"]);  // same papers, same (upvote) order
    auto api = hub_.hub().requests().back();
    EXPECT_EQ(api.path, "/api/daily_papers");
    EXPECT_NE(api.query.find("month=2026-07"), std::string::npos) << api.query;

    // A 200 of garbage is a layout not understood too; with the API down it is an error
    // naming both.
    news_.set_fault(Surface::page, Fault::garbage);
    news_.set_fault(Surface::api, Fault::http_500);
    json failed = get("?type=papers&month=2026-05");
    EXPECT_EQ(failed["stale"], true);
    const std::string error = failed["error"];
    EXPECT_NE(error.find("layout not understood"), std::string::npos) << error;
    EXPECT_NE(error.find("daily papers API answered HTTP 500"), std::string::npos) << error;
}

TEST_F(NewsTest, ItemsAreTranslatedWholeByTheActiveRuntimeAndOnlyOnce) {
    start_translating();
    const json english = get("?type=papers&limit=3");
    json answer = get("?type=papers&lang=pl&limit=3");
    EXPECT_TRUE(answer["error"].is_null()) << answer;
    EXPECT_EQ(answer["lang"], "pl");
    ASSERT_EQ(answer["count"], 3) << answer;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(answer["items"][i]["title"],
                  "Echo: " + english["items"][i]["title"].get<std::string>());
        EXPECT_EQ(answer["items"][i]["summary"],
                  "Echo: " + english["items"][i]["summary"].get<std::string>());
    }
    const std::string long_one = answer["items"][1]["summary"];
    EXPECT_TRUE(long_one.ends_with("END-OF-ABSTRACT.")) << "cut: " << long_one.size();
    EXPECT_EQ(asked().size(), 6u);  // 3 titles + 3 whole summaries
    // The system message says what to translate into: Polish, from English.
    const std::string system = ollama_.chat_requests()[0]["messages"][0]["content"];
    EXPECT_NE(system.find("from English to Polish"), std::string::npos) << system;

    json again = get("?type=papers&lang=pl&limit=3");
    EXPECT_EQ(again["items"], answer["items"]);
    EXPECT_EQ(asked().size(), 6u);  // the translation cache answered
    json german = get("?type=papers&lang=de&limit=1");
    EXPECT_EQ(german["items"][0]["title"], answer["items"][0]["title"]);  // Echo, but asked again
    EXPECT_EQ(asked().size(), 8u);
    const std::string german_system = ollama_.chat_requests()[6]["messages"][0]["content"];
    EXPECT_NE(german_system.find("to German"), std::string::npos) << german_system;
    json english_again = get("?type=papers&lang=en&limit=3");
    EXPECT_EQ(english_again["items"], english["items"]);
    EXPECT_EQ(asked().size(), 8u);
}

TEST_F(NewsTest, AnItemWhoseTranslationFailsStaysInEnglishAndTheErrorSaysSo) {
    start_translating();
    const json english = get("?type=papers&limit=3");
    // The runtime fails one request: the first text asked, item 0's title.
    ollama_.fail_next_chat(OllamaChatFault::server_error);
    json answer = get("?type=papers&lang=de&limit=3");
    EXPECT_EQ(answer["count"], 3);
    EXPECT_EQ(answer["stale"], false);
    ASSERT_TRUE(answer["error"].is_string()) << answer;
    const std::string error = answer["error"];
    EXPECT_NE(error.find("1 of 3 items not translated to de"), std::string::npos) << error;
    EXPECT_NE(error.find("HTTP 500"), std::string::npos) << error;
    // The failed item is whole in English, its summary too, though that was translated.
    std::size_t english_items = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        if (answer["items"][i] == english["items"][i]) {
            ++english_items;
            continue;
        }
        EXPECT_EQ(answer["items"][i]["title"],
                  "Echo: " + english["items"][i]["title"].get<std::string>());
        EXPECT_EQ(answer["items"][i]["summary"],
                  "Echo: " + english["items"][i]["summary"].get<std::string>());
    }
    EXPECT_EQ(english_items, 1u);
    // Nothing of the failure was cached: asked again, every item comes back translated.
    json retried = get("?type=papers&lang=de&limit=3");
    EXPECT_TRUE(retried["error"].is_null()) << retried;
}

TEST_F(NewsTest, AStalledRuntimeCannotHoldTheAnswerPastItsBound) {
    start_translating([](Config& c) { c.news_translation_timeout_ms = 300; });
    // A runner that never answers (its headers never come), for every text of the answer.
    ollama_.fail_next_chat(OllamaChatFault::stall, 20);
    const auto begun = std::chrono::steady_clock::now();
    json answer = get("?lang=pl&limit=3");
    const auto took = std::chrono::steady_clock::now() - begun;
    EXPECT_LT(took, 3s);
    EXPECT_EQ(answer["count"], 3);
    EXPECT_EQ(answer["items"][0]["title"], "Transformers & friends: what\u2019s new in v5");
    ASSERT_TRUE(answer["error"].is_string()) << answer;
    EXPECT_NE(answer["error"].get<std::string>().find("timed out"), std::string::npos)
        << answer["error"];
    // The daemon stops at once, with nothing of the stalled calls left waiting.
    const auto stopping = std::chrono::steady_clock::now();
    daemon_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
}

TEST_F(NewsTest, TextsQueuedBehindOtherTranslationsCannotHoldTheAnswerPastItsBound) {
    start_translating([](Config& c) {
        c.news_translation_timeout_ms = 500;
        c.translation_timeout_seconds = 120;
    });
    // Two long texts keep every translation worker on a runtime that never answers...
    ollama_.fail_next_chat(OllamaChatFault::stall, 100);
    std::string long_text;
    for (int p = 0; p < 12; ++p) long_text += "Paragraph " + std::to_string(p) + ".\n\n";
    const std::string body = json{{"text", long_text}, {"target_lang", "de"}}.dump();
    std::vector<std::future<HttpResult>> busy;
    for (int i = 0; i < 2; ++i) {
        busy.push_back(std::async(
            std::launch::async, [this, body] { return daemon_->post("/api/v1/translate", body); }));
    }
    ASSERT_TRUE(eventually([&] { return ollama_.chat_requests().size() >= 6; }, 10s));
    // ...so the news texts wait in the queue: the answer still comes at its deadline, in
    // English, saying why.
    const auto begun = std::chrono::steady_clock::now();
    json answer = get("?lang=pl&limit=2");
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
    EXPECT_EQ(answer["count"], 2);
    EXPECT_EQ(answer["items"][0]["title"], "Transformers & friends: what\u2019s new in v5");
    ASSERT_TRUE(answer["error"].is_string()) << answer;
    EXPECT_NE(answer["error"].get<std::string>().find("timed out"), std::string::npos)
        << answer["error"];
    daemon_->stop();  // answers the long texts (503) without waiting for the runtime
    for (auto& call : busy) EXPECT_EQ(call.get().status, 503);
}

TEST_F(NewsTest, WithoutAnActiveRuntimeItemsStayWholeInEnglishAndTheErrorSaysWhy) {
    ollama_.add_model(FakeOllamaModel::llama3());
    start();
    const json english = get("?type=papers&limit=2");
    ASSERT_EQ(english["count"], 2) << english;
    json none = get("?type=papers&lang=pl&limit=2");
    EXPECT_EQ(none["items"], english["items"]);
    ASSERT_TRUE(none["error"].is_string()) << none;
    const std::string error = none["error"];
    EXPECT_NE(error.find("2 of 2 items not translated to pl"), std::string::npos) << error;
    EXPECT_NE(error.find("No active runtime"), std::string::npos) << error;
    EXPECT_TRUE(ollama_.chat_requests().empty());
}

}  // namespace
}  // namespace venom::testing

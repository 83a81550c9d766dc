// The ollama.com library reader against FakeOllamaLibrary serving the site's pages with and
// without the x-test-* markers, paged search, and a page whose layout nobody understands
// (issue 10, point 2).
#include <gtest/gtest.h>

#include "fakes/fake_ollama_library.hpp"
#include "integration/daemon_harness.hpp"
#include "providers/ollama/library.hpp"

namespace venom::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using providers::OllamaLibrary;

std::vector<std::string> names(const std::vector<CatalogEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.model_name);
    return out;
}

TEST(OllamaLibraryPagesTest, SamePageWithAndWithoutMarkersGivesTheSameModels) {
    FakeOllamaLibrary site;
    OllamaLibrary library(site.base_url(), 5s);
    auto marked = library.list(OllamaLibrary::Listing::catalog, "", 100);
    ASSERT_TRUE(marked) << marked.error().message;
    site.set_markers(false);
    auto bare = library.list(OllamaLibrary::Listing::catalog, "", 100);
    ASSERT_TRUE(bare) << bare.error().message;
    ASSERT_EQ(site.server().requests().size(), 2u);
    ASSERT_EQ(bare->size(), marked->size());
    ASSERT_FALSE(bare->empty());
    for (std::size_t i = 0; i < bare->size(); ++i) {
        EXPECT_EQ((*bare)[i].model_name, (*marked)[i].model_name);
        EXPECT_EQ((*bare)[i].tags, (*marked)[i].tags) << (*bare)[i].model_name;
        EXPECT_EQ((*bare)[i].downloads, (*marked)[i].downloads) << (*bare)[i].model_name;
    }
    // Search pages list community models too ("/<user>/<model>" links).
    auto search = library.list(OllamaLibrary::Listing::search, "", 100);
    ASSERT_TRUE(search);
    EXPECT_GT(search->size(), marked->size());
}

TEST(OllamaLibraryPagesTest, LaterSearchPagesAreTheSitesPages) {
    FakeOllamaLibrary site;
    site.set_search_page_size(5);
    OllamaLibrary library(site.base_url(), 5s);
    auto first = library.list(OllamaLibrary::Listing::search, "", 5, 1);
    auto second = library.list(OllamaLibrary::Listing::search, "", 5, 2);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_EQ(first->size(), 5u);
    ASSERT_FALSE(second->empty());
    for (const auto& name : names(*second)) {
        const auto page_one = names(*first);
        EXPECT_EQ(std::find(page_one.begin(), page_one.end(), name), page_one.end()) << name;
    }
    const auto& requests = site.server().requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[1].query.find("page=2") != std::string::npos, true) << requests[1].query;
    // Past the last page the site says "No models found": an empty page, not an error.
    auto past = library.list(OllamaLibrary::Listing::search, "", 5, 50);
    ASSERT_TRUE(past) << past.error().message;
    EXPECT_TRUE(past->empty());
}

TEST(OllamaLibraryPagesTest, APageWithNoReadableModelIsALayoutError) {
    FakeOllamaLibrary site;
    site.serve_unknown_layout();
    OllamaLibrary library(site.base_url(), 5s);
    auto listed = library.list(OllamaLibrary::Listing::catalog, "", 10);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().http_status, 502);
    EXPECT_NE(listed.error().message.find("layout was not understood"), std::string::npos);
}

TEST(OllamaLibraryPagesTest, AnUnderstoodLayoutNeverReplacesTheCachedListWithNothing) {
    FakeClock clock{std::chrono::system_clock::now()};
    FakeOllamaLibrary site;
    Daemon::Ports ports;
    ports.gpu_probe = [] { return std::nullopt; };
    ports.clock = &clock;
    TestDaemon daemon(
        [&](Config& c) {
            c.ollama_library_url = site.base_url();
            c.hf_endpoint = "http://127.0.0.1:9";
            c.upstream_timeout_seconds = 5;
        },
        std::move(ports));
    daemon.start();
    const std::string url = "/api/v1/models/providers?provider=ollama&limit=50";
    json good = daemon.get(url).json();
    ASSERT_FALSE(good["models"].empty()) << good;
    EXPECT_EQ(good["stale"], false);

    site.serve_unknown_layout();
    clock.advance(31min);  // past VENOM_CATALOG_TTL_SECONDS
    for (int i = 0; i < 2; ++i) {
        json answer = daemon.get(url).json();
        EXPECT_EQ(answer["models"], good["models"]);
        EXPECT_EQ(answer["stale"], true);
        ASSERT_TRUE(answer["error"].is_string()) << answer;
        EXPECT_NE(answer["error"].get<std::string>().find("layout was not understood"),
                  std::string::npos)
            << answer["error"];
        clock.advance(31min);
    }

    // Pages without the markers are understood: fresh again.
    site.recover();
    site.set_markers(false);
    json back = daemon.get(url).json();
    EXPECT_EQ(back["stale"], false);
    EXPECT_EQ(back["models"], good["models"]);
}

}  // namespace
}  // namespace venom::testing

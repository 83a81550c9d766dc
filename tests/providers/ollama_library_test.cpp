#include <gtest/gtest.h>

#include "providers/ollama/client.hpp"
#include "providers/ollama/library.hpp"

namespace venom::providers {
namespace {

// Abridged from the shape of ollama.com/library (upstream-protocols.md §1.11): bare marker
// attributes, void elements, inline SVG, htmx attributes.
const char* kPage = R"(<!DOCTYPE html>
<html class="h-full overflow-y-scroll"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/public/tailwind.css"><script src="/public/vendor/htmx.min.js"></script>
</head><body hx-boost="true">
<div x-test-repos id="repo"><ul role="list" class="grid">
<li x-test-model class="flex items-baseline border-b">
  <a href="/library/llama3.1" class="group w-full space-y-5">
    <div x-test-model-title title="llama3.1"><h2 class="truncate"><span>llama3.1</span></h2>
      <p class="max-w-lg break-words">Llama 3.1 is a new state-of-the-art model from Meta.</p></div>
    <div class="flex"><span x-test-capability class="badge">tools</span>
      <span x-test-size class="badge">8b</span><span x-test-size>70b</span><span x-test-size>405b</span></div>
    <p class="flex"><span><svg class="h-4" viewBox="0 0 24 24"><path d="M3 16.5v2.25"/></svg>
      <span x-test-pull-count>108.3M</span> Pulls</span>
      <span x-test-tag-count>93</span> Tags
      <span title="Jul 2, 2025 6:09 AM UTC"><span x-test-updated>1 month ago</span></span></p>
  </a></li>
<li x-test-model class="flex">
  <a href="/library/gemma2" class="group w-full"><div x-test-model-title title="gemma2">
    <h2><span>gemma2</span></h2><p>Google Gemma 2</p></div>
    <span x-test-size>2b</span><span x-test-size>9b</span>
    <span x-test-pull-count>12.5K</span></a></li>
<li x-test-model><a href="/jmorgan/community-model"><h2><span>community</span></h2>
    <span x-test-pull-count>812</span></a></li>
</ul></div></body></html>)";

TEST(OllamaLibraryTest, ReadsTheModelCardsInPageOrder) {
    auto entries = parse_library_html(kPage);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].model_name, "llama3.1");
    EXPECT_EQ(entries[0].provider, "ollama");
    EXPECT_EQ(entries[0].runtime, "ollama");
    EXPECT_EQ(entries[0].tags, (std::vector<std::string>{"tools", "8b", "70b", "405b"}));
    EXPECT_EQ(entries[0].downloads, 108300000);
    EXPECT_FALSE(entries[0].likes);
    EXPECT_FALSE(entries[0].size_gb);
    EXPECT_EQ(entries[1].model_name, "gemma2");
    EXPECT_EQ(entries[1].downloads, 12500);
    // Without a title marker the slug comes from the link; community models keep the user.
    EXPECT_EQ(entries[2].model_name, "jmorgan/community-model");
    EXPECT_EQ(entries[2].downloads, 812);
}

// The same cards as ollama.com serves them once the x-test-* markers are gone: only the links
// and the text are left ("&nbsp;Pulls", chips as plain spans, header and footer links around).
const char* kPageWithoutMarkers = R"(<!DOCTYPE html>
<html class="h-full overflow-y-scroll"><head><meta charset="utf-8"><title>library</title>
<link href="/public/tailwind.css?v=2c4e9b1d" rel="stylesheet"></head><body>
<header><nav><a href="/"><img src="/public/ollama.png" alt="Ollama"></a>
<a href="https://github.com/ollama/ollama">GitHub</a><a href="/search">Models</a>
<a href="/signin">Sign in</a><a href="/download">Download</a></nav></header>
<main><div id="repo"><ul role="list" class="grid">
<li class="flex items-baseline border-b"><a href="/library/qwen3" class="group w-full space-y-5">
  <div class="flex flex-col"><div title="qwen3" class="flex"><h2><span>qwen3</span></h2></div>
  <p class="max-w-lg break-words">Qwen3 is the latest generation of large language models: 0.6b to 235b, tools and more.</p></div>
  <div class="flex flex-wrap space-x-2"><span class="badge">tools</span><span class="badge">thinking</span>
  <span class="badge">0.6b</span><span class="badge">8b</span><span class="badge">235b</span></div>
  <p class="my-2 flex"><span class="flex"><svg viewBox="0 0 24 24"><path d="M3 16.5"/></svg>
  <span>5.1M</span><span class="hidden sm:flex">&nbsp;Pulls</span></span>
  <span class="flex"><span>58</span><span>&nbsp;Tags</span></span>
  <span class="flex" title="Jul 2, 2025 6:09 AM UTC"><span>Updated&nbsp;</span><span>2 weeks ago</span></span></p>
</a></li>
<li class="flex"><a href="/library/nomic-embed-text?x=1" class="group"><h2><span>nomic-embed-text</span></h2>
  <p>A high-performing open embedding model.</p><span>embedding</span><span>v1.5</span>
  <p><span>44.2K</span>&nbsp;Pulls <span>3</span>&nbsp;Tags</p></a></li>
<li class="flex"><a href="/jmorgan/community-model"><h2><span>community-model</span></h2>
  <span>vision</span><span>e2b</span><span>8x7b</span><span>812 Pulls</span></a></li>
<li><a href="/library/qwen3/tags">Tags</a></li>
</ul></div></main>
<footer><a href="/blog">Blog</a><a href="https://x.com/ollama">X</a></footer></body></html>)";

TEST(OllamaLibraryTest, ReadsCardsByLinksAndTextWhenTheMarkersAreGone) {
    auto entries = parse_library_html(kPageWithoutMarkers);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].model_name, "qwen3");
    EXPECT_EQ(entries[0].provider, "ollama");
    // Chips only: "tools" and "0.6b" inside the description are not chips.
    EXPECT_EQ(entries[0].tags,
              (std::vector<std::string>{"tools", "thinking", "0.6b", "8b", "235b"}));
    EXPECT_EQ(entries[0].downloads, 5100000);
    EXPECT_EQ(entries[1].model_name, "nomic-embed-text");
    EXPECT_EQ(entries[1].tags, (std::vector<std::string>{"embedding"}));
    EXPECT_EQ(entries[1].downloads, 44200);
    EXPECT_EQ(entries[2].model_name, "jmorgan/community-model");
    EXPECT_EQ(entries[2].tags, (std::vector<std::string>{"vision", "e2b", "8x7b"}));
    EXPECT_EQ(entries[2].downloads, 812);
}

TEST(OllamaLibraryTest, EmptyOrBrokenPagesGiveNoEntries) {
    EXPECT_TRUE(parse_library_html("").empty());
    EXPECT_TRUE(parse_library_html("<html><body><p>Nothing here").empty());
    EXPECT_TRUE(parse_library_html("\x00\x01garbage").empty());
}

TEST(OllamaLibraryTest, PullCounts) {
    EXPECT_EQ(parse_pull_count("55.7M"), 55700000);
    EXPECT_EQ(parse_pull_count(" 1.2K "), 1200);
    EXPECT_EQ(parse_pull_count("3B"), 3000000000);
    EXPECT_EQ(parse_pull_count("1,024"), 1024);
    EXPECT_FALSE(parse_pull_count("many"));
    EXPECT_FALSE(parse_pull_count(""));
    EXPECT_FALSE(parse_pull_count("nan"));
    EXPECT_FALSE(parse_pull_count("infM"));
    EXPECT_FALSE(parse_pull_count("1e300B"));
}

TEST(OllamaPullLineTest, ParsesProgressAndErrors) {
    std::string error;
    auto first = parse_pull_line(
        R"({"status":"pulling 6a0746a1ec1a","digest":"sha256:6a07","total":2019377376})", &error);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->digest, "sha256:6a07");
    EXPECT_EQ(first->total, 2019377376u);
    EXPECT_FALSE(first->completed);  // omitted when zero
    auto failed =
        parse_pull_line(R"({"error":"pull model manifest: file does not exist"})", &error);
    ASSERT_TRUE(failed);
    EXPECT_EQ(error, "pull model manifest: file does not exist");
    EXPECT_FALSE(parse_pull_line("not json", &error));
    // A size no disk holds is not progress (and casting it was undefined behaviour).
    auto absurd = parse_pull_line(
        R"({"status":"pulling 6a07","total":4661211424444444444444444444444444444,"completed":-5})",
        &error);
    ASSERT_TRUE(absurd);
    EXPECT_FALSE(absurd->total);
    EXPECT_FALSE(absurd->completed);
}

TEST(OllamaConnectTest, BindAllAddressesBecomeLoopback) {
    EXPECT_EQ(connectable_ollama_url("http://0.0.0.0:11434"), "http://127.0.0.1:11434");
    EXPECT_EQ(connectable_ollama_url("http://[::]:11434"), "http://[::1]:11434");
    EXPECT_EQ(connectable_ollama_url("http://gpu-box:11434/ollama"), "http://gpu-box:11434/ollama");
}

}  // namespace
}  // namespace venom::providers

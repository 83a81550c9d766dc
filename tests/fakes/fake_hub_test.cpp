// Tests of FakeHub through a real HTTP client: each pins down a Hub or CDN behaviour the Hugging
// Face provider's tests rely on, so a drift in the fake shows up here first.

#include "fakes/fake_hub.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Adds the JSON view of the body that most assertions here use.
struct Reply : HttpReply {
    json json_body() const { return json::parse(body); }
};

Reply get(const std::string& url, std::vector<std::string> headers = {}) {
    return {http_call({.url = url, .headers = std::move(headers)})};
}

Reply get_following(const std::string& url, std::vector<std::string> headers = {}) {
    return {http_call({.url = url, .headers = std::move(headers), .follow_redirects = true})};
}

Reply head(const std::string& url, std::vector<std::string> headers = {}, bool follow = false) {
    return {http_call(
        {.method = "HEAD", .url = url, .headers = std::move(headers), .follow_redirects = follow})};
}

// The URL of a `Link: <url>; rel="next"` header, or nullopt.
std::optional<std::string> next_link(const Reply& reply) {
    const auto link = reply.header("Link");
    if (!link) return std::nullopt;
    EXPECT_EQ(link->front(), '<') << *link;
    const auto close = link->find('>');
    EXPECT_NE(link->find("rel=\"next\"", close), std::string::npos) << *link;
    return link->substr(1, close - 1);
}

std::string query_value(const std::string& url, const std::string& key) {
    const auto at = url.find(key + "=");
    if (at == std::string::npos) return "";
    const auto start = at + key.size() + 1;
    return url.substr(start, url.find('&', start) - start);
}

std::string unquoted(std::string text) {
    if (text.starts_with("W/")) text.erase(0, 2);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items()) keys.insert(key);
    return keys;
}

std::uint64_t read_le(const std::string& data, std::size_t& at, int bytes) {
    std::uint64_t value = 0;
    for (int b = 0; b < bytes; ++b) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data.at(at + b))) << (8 * b);
    }
    at += static_cast<std::size_t>(bytes);
    return value;
}

std::string read_gguf_string(const std::string& data, std::size_t& at) {
    const auto size = static_cast<std::size_t>(read_le(data, at, 8));
    std::string text = data.substr(at, size);
    at += size;
    return text;
}

// The metadata of a GGUF v3 file holding only strings and uint32s, or a failed assertion.
std::map<std::string, std::string> parse_gguf(const std::string& data, std::uint64_t& tensors) {
    std::map<std::string, std::string> values;
    std::size_t at = 0;
    EXPECT_EQ(data.substr(0, 4), "GGUF");
    at = 4;
    EXPECT_EQ(read_le(data, at, 4), 3u) << "version";
    tensors = read_le(data, at, 8);
    const std::uint64_t count = read_le(data, at, 8);
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::string key = read_gguf_string(data, at);
        const std::uint64_t type = read_le(data, at, 4);
        if (type == 4) {
            values[key] = std::to_string(read_le(data, at, 4));
        } else if (type == 8) {
            values[key] = read_gguf_string(data, at);
        } else {
            ADD_FAILURE() << "unexpected GGUF type " << type << " for " << key;
            break;
        }
    }
    return values;
}

constexpr std::string_view kTransformersId = "acme/chat-0.5b";
constexpr std::string_view kGgufId = "acme/chat-8b-GGUF";
constexpr std::string_view kGemmaId = "google/gemma-2b-it";

class FakeHubTest : public ::testing::Test {
protected:
    std::string url(const std::string& path) const { return hub_.base_url() + path; }

    // A transformers repo, a GGUF repo and a gated Gemma, with distinct listing figures.
    void add_standard_repos() {
        FakeHubRepo chat = FakeHubRepo::transformers(std::string(kTransformersId), 64 * 1024);
        chat.downloads = 5000;
        chat.likes = 40;
        chat.trending_score = 12;
        chat.created_at = "2024-09-18T15:03:14.000Z";
        hub_.add_repo(chat);

        FakeHubRepo quants = FakeHubRepo::gguf(std::string(kGgufId), {"Q4_K_M", "Q8_0"});
        quants.downloads = 9000;
        quants.likes = 7;
        quants.gated = "auto";
        hub_.add_repo(quants);  // no trendingScore: quiet repo

        FakeHubRepo gemma = FakeHubRepo::gemma(std::string(kGemmaId), 32 * 1024);
        gemma.downloads = 100;
        gemma.likes = 900;
        gemma.trending_score = 30;
        gemma.gated = "manual";
        hub_.add_repo(gemma);
    }

    FakeHub hub_;
};

// ---- digests ----------------------------------------------------------------------------------

TEST(FakeHubDigests, MatchKnownValues) {
    EXPECT_EQ(FakeHub::sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // `printf 'hello\n' | git hash-object --stdin`
    EXPECT_EQ(FakeHub::git_blob_sha1("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
    EXPECT_EQ(FakeHub::git_blob_sha1(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

// ---- /api/models ------------------------------------------------------------------------------

TEST_F(FakeHubTest, ListingPaginatesWithAbsoluteLinkAndOpaqueCursorInSortOrder) {
    const std::vector<std::int64_t> downloads = {50, 700, 3, 9000, 120, 4400, 18};
    for (std::size_t i = 0; i < downloads.size(); ++i) {
        FakeHubRepo repo;
        repo.id = "org/model-" + std::to_string(i);
        repo.downloads = downloads[i];
        repo.tags = {"text-generation"};
        hub_.add_repo(repo);
    }
    FakeHubRepo other;  // filtered out by `search`
    other.id = "org/unrelated";
    other.downloads = 1'000'000;
    hub_.add_repo(other);

    std::vector<std::string> ids;
    std::vector<std::size_t> page_sizes;
    std::set<std::string> cursors;
    std::optional<std::string> next =
        url("/api/models?search=Model-&sort=downloads&direction=-1&limit=3&filter=text-generation");
    while (next) {
        const Reply reply = get(*next);
        ASSERT_EQ(reply.status, 200) << reply.body;
        const json page = reply.json_body();
        ASSERT_TRUE(page.is_array()) << "a bare array, not an envelope";
        page_sizes.push_back(page.size());
        for (const json& entry : page) ids.push_back(entry["id"]);
        next = next_link(reply);
        if (next) {
            EXPECT_TRUE(next->starts_with(hub_.base_url() + "/api/models?")) << *next;
            for (const char* param :
                 {"search=Model-", "sort=downloads", "limit=3", "filter=text-generation"}) {
                EXPECT_NE(next->find(param), std::string::npos) << *next;
            }
            const std::string cursor = query_value(*next, "cursor");
            EXPECT_FALSE(cursor.empty());
            EXPECT_FALSE(std::all_of(cursor.begin(), cursor.end(), ::isdigit)) << cursor;
            cursors.insert(cursor);
        }
        ASSERT_LT(page_sizes.size(), 10u) << "pagination does not end";
    }

    EXPECT_EQ(page_sizes, (std::vector<std::size_t>{3, 3, 1}));
    EXPECT_EQ(ids,
              (std::vector<std::string>{"org/model-3", "org/model-5", "org/model-1", "org/model-4",
                                        "org/model-0", "org/model-6", "org/model-2"}));
    EXPECT_EQ(cursors.size(), 2u);
}

TEST_F(FakeHubTest, ListingFiltersBySearchAuthorAndTags) {
    add_standard_repos();

    const auto ids = [&](const std::string& query) {
        const Reply reply = get(url("/api/models?" + query));
        EXPECT_EQ(reply.status, 200) << reply.body;
        std::vector<std::string> out;
        for (const json& entry : reply.json_body()) out.push_back(entry["id"]);
        return out;
    };

    EXPECT_EQ(ids("search=GEMMA"), std::vector<std::string>{std::string(kGemmaId)});
    EXPECT_EQ(ids("author=acme&sort=downloads"),
              (std::vector<std::string>{std::string(kGgufId), std::string(kTransformersId)}));
    EXPECT_EQ(ids("filter=gguf"), std::vector<std::string>{std::string(kGgufId)});
    EXPECT_EQ(ids("filter=text-generation&filter=safetensors&sort=likes"),
              (std::vector<std::string>{std::string(kGemmaId), std::string(kTransformersId)}));
    EXPECT_TRUE(ids("search=nothing-like-this").empty());
}

TEST_F(FakeHubTest, DefaultProjectionOmitsUnsetFieldsAndFullShowsGatedVariants) {
    add_standard_repos();

    const Reply listing = get(url("/api/models?sort=trendingScore"));
    const Reply full = get(url("/api/models?full=true&sort=downloads"));

    ASSERT_EQ(listing.status, 200) << listing.body;
    const json entries = listing.json_body();
    ASSERT_EQ(entries.size(), 3u);
    // Missing trendingScore sorts last.
    EXPECT_EQ(entries[0]["id"], kGemmaId);
    EXPECT_EQ(entries[1]["id"], kTransformersId);
    EXPECT_EQ(entries[2]["id"], kGgufId);
    EXPECT_EQ(
        keys_of(entries[1]),
        (std::set<std::string>{"_id", "id", "likes", "trendingScore", "private", "downloads",
                               "tags", "pipeline_tag", "library_name", "createdAt", "modelId"}));
    EXPECT_EQ(entries[1]["_id"].get<std::string>().size(), 24u);
    EXPECT_EQ(entries[1]["modelId"], entries[1]["id"]);
    EXPECT_EQ(entries[1]["createdAt"], "2024-09-18T15:03:14.000Z");
    EXPECT_FALSE(entries[2].contains("trendingScore"));
    EXPECT_FALSE(entries[2].contains("library_name")) << "omitted, not null";
    EXPECT_EQ(entries[2]["createdAt"], "2022-03-02T23:29:04.000Z");
    EXPECT_FALSE(entries[0].contains("siblings"));

    ASSERT_EQ(full.status, 200) << full.body;
    std::map<std::string, json> by_id;
    for (const json& entry : full.json_body()) by_id[entry["id"]] = entry;
    EXPECT_EQ(by_id[std::string(kTransformersId)]["gated"], false);
    EXPECT_EQ(by_id[std::string(kGgufId)]["gated"], "auto");
    EXPECT_EQ(by_id[std::string(kGemmaId)]["gated"], "manual");
    EXPECT_EQ(by_id[std::string(kGemmaId)]["sha"], hub_.commit(kGemmaId));
    EXPECT_EQ(by_id[std::string(kGemmaId)]["author"], "google");
    EXPECT_EQ(by_id[std::string(kGgufId)]["siblings"][0], json({{"rfilename", ".gitattributes"}}));
}

TEST_F(FakeHubTest, ExpandReturnsOnlyRequestedPropertiesAndOmitsInapplicableOnes) {
    add_standard_repos();

    const Reply brackets =
        get(url("/api/models?sort=downloads&expand[]=gguf&expand[]=safetensors"
                "&expand[]=downloads&expand[]=gated"));
    const Reply repeated =
        get(url("/api/models?sort=downloads&expand=gguf&expand=safetensors"
                "&expand=downloads&expand=gated"));
    const Reply invalid = get(url("/api/models?expand=nonsense"));

    ASSERT_EQ(brackets.status, 200) << brackets.body;
    EXPECT_EQ(brackets.json_body(), repeated.json_body());
    std::map<std::string, json> by_id;
    for (const json& entry : brackets.json_body()) by_id[entry["id"]] = entry;
    const json& gguf = by_id[std::string(kGgufId)];
    const json& chat = by_id[std::string(kTransformersId)];
    EXPECT_EQ(keys_of(gguf), (std::set<std::string>{"_id", "id", "gguf", "downloads", "gated"}));
    EXPECT_EQ(keys_of(chat),
              (std::set<std::string>{"_id", "id", "safetensors", "downloads", "gated"}));
    EXPECT_EQ(gguf["gguf"]["architecture"], "llama");
    EXPECT_EQ(gguf["gguf"]["context_length"], 4096);
    EXPECT_EQ(chat["safetensors"]["total"], chat["safetensors"]["parameters"]["BF16"]);
    EXPECT_GT(chat["safetensors"]["total"].get<std::int64_t>(), 0);
    EXPECT_EQ(invalid.status, 400);
    EXPECT_TRUE(invalid.json_body().contains("error"));
}

TEST_F(FakeHubTest, RejectedSortAnswers400SoTheClientCanFallBack) {
    add_standard_repos();
    hub_.reject_sort("trendingScore");

    const Reply rejected = get(url("/api/models?sort=trendingScore&limit=2"));
    const Reply fallback = get(url("/api/models?sort=downloads&limit=2"));

    EXPECT_EQ(rejected.status, 400);
    EXPECT_TRUE(rejected.json_body()["error"].is_string()) << rejected.body;
    ASSERT_EQ(fallback.status, 200) << fallback.body;
    EXPECT_EQ(fallback.json_body()[0]["id"], kGgufId);
    EXPECT_TRUE(next_link(fallback).has_value());
}

// ---- /api/models/{id} -------------------------------------------------------------------------

TEST_F(FakeHubTest, ModelInfoWithBlobsDescribesExactlyTheServedBytes) {
    add_standard_repos();
    const std::string id(kTransformersId);

    const Reply info = get(url("/api/models/" + id + "?blobs=true"));

    ASSERT_EQ(info.status, 200) << info.body;
    const json model = info.json_body();
    EXPECT_EQ(model["id"], id);
    EXPECT_EQ(model["sha"], hub_.commit(id));
    EXPECT_EQ(model["gated"], false);
    EXPECT_EQ(model["library_name"], "transformers");
    EXPECT_EQ(model["config"]["model_type"], "qwen2");
    EXPECT_TRUE(model["config"]["tokenizer_config"].contains("chat_template"));
    EXPECT_EQ(model["transformersInfo"]["auto_model"], "AutoModelForCausalLM");
    EXPECT_TRUE(model.contains("safetensors"));
    EXPECT_FALSE(model.contains("gguf"));
    EXPECT_TRUE(model["model-index"].is_null());

    std::uint64_t total = 0;
    std::set<std::string> names;
    for (const json& sibling : model["siblings"]) {
        const std::string path = sibling["rfilename"];
        names.insert(path);
        const Reply file = get_following(hub_.resolve_url(id, path));
        ASSERT_EQ(file.status, 200) << path << ": " << file.body;
        EXPECT_EQ(sibling["size"], file.body.size()) << path;
        total += file.body.size();
        if (sibling["lfs"].is_null()) {
            EXPECT_EQ(sibling["blobId"], FakeHub::git_blob_sha1(file.body)) << path;
        } else {
            EXPECT_EQ(sibling["lfs"]["sha256"], FakeHub::sha256_hex(file.body)) << path;
            EXPECT_EQ(sibling["lfs"]["size"], file.body.size()) << path;
            // A pointer file, "version …\noid sha256:…\nsize N\n": 125 bytes plus the digits.
            EXPECT_EQ(sibling["lfs"]["pointerSize"], 125 + std::to_string(file.body.size()).size())
                << path;
            EXPECT_NE(sibling["blobId"], FakeHub::git_blob_sha1(file.body)) << "pointer's blob";
        }
    }
    EXPECT_EQ(model["usedStorage"], total);
    EXPECT_EQ(names, (std::set<std::string>{".gitattributes", "README.md", "config.json",
                                            "generation_config.json", "model.safetensors",
                                            "special_tokens_map.json", "tokenizer.json",
                                            "tokenizer_config.json"}));
    EXPECT_TRUE(model["siblings"][0].contains("blobId"));
    const Reply plain = get(url("/api/models/" + id));
    EXPECT_EQ(plain.json_body()["siblings"][0], json({{"rfilename", ".gitattributes"}}));
}

TEST_F(FakeHubTest, RevisionEndpointTakesMainOrTheCommitAndRejectsOthers) {
    add_standard_repos();
    const std::string id(kTransformersId);

    const Reply by_sha = get(url("/api/models/" + id + "/revision/" + hub_.commit(id)));
    const Reply by_main = get(url("/api/models/" + id + "/revision/main"));
    const Reply bad = get(url("/api/models/" + id + "/revision/refs%2Fpr%2F1"));

    EXPECT_EQ(by_sha.status, 200);
    EXPECT_EQ(by_sha.json_body()["sha"], hub_.commit(id));
    EXPECT_EQ(by_main.status, 200);
    EXPECT_EQ(bad.status, 404);
    EXPECT_EQ(bad.header("X-Error-Code"), "RevisionNotFound");
    EXPECT_EQ(bad.header("X-Error-Message"), "Invalid rev id: refs/pr/1");
}

TEST_F(FakeHubTest, MissingRepoIs401AnonymouslyAnd404WithATokenAndPrivateLooksTheSame) {
    FakeHubRepo secret = FakeHubRepo::transformers("acme/secret", 1024);
    secret.private_repo = true;
    hub_.add_repo(secret);
    hub_.grant_access("acme/secret", "hf_insider");

    const Reply missing_anonymous = get(url("/api/models/acme/nope"));
    const Reply missing_token = get(url("/api/models/acme/nope"), {"Authorization: Bearer hf_x"});
    const Reply private_anonymous = get(url("/api/models/acme/secret"));
    const Reply private_token = get(url("/api/models/acme/secret"), {"Authorization: Bearer hf_x"});
    const Reply private_granted =
        get(url("/api/models/acme/secret"), {"Authorization: Bearer hf_insider"});
    const Reply listing_anonymous = get(url("/api/models"));
    const Reply listing_granted = get(url("/api/models"), {"Authorization: Bearer hf_insider"});

    EXPECT_EQ(missing_anonymous.status, 401);
    EXPECT_EQ(missing_anonymous.header("X-Error-Code"), "RepoNotFound");
    EXPECT_EQ(missing_token.status, 404);
    EXPECT_EQ(missing_token.header("X-Error-Code"), "RepoNotFound");
    EXPECT_EQ(missing_token.json_body()["error"], "Repository not found");
    EXPECT_EQ(private_anonymous.status, 401);
    EXPECT_EQ(private_anonymous.body, missing_anonymous.body);
    EXPECT_EQ(private_token.status, 404);
    EXPECT_EQ(private_granted.status, 200);
    EXPECT_EQ(private_granted.json_body()["private"], true);
    EXPECT_TRUE(listing_anonymous.json_body().empty());
    EXPECT_EQ(listing_granted.json_body().size(), 1u);

    hub_.add_token("hf_known");
    const Reply invalid = get(url("/api/models"), {"Authorization: Bearer hf_x"});
    const Reply known = get(url("/api/models"), {"Authorization: Bearer hf_known"});
    EXPECT_EQ(invalid.status, 401);
    EXPECT_EQ(invalid.header("X-Error-Message"), "Invalid credentials in Authorization header");
    EXPECT_EQ(known.status, 200);
}

TEST_F(FakeHubTest, RenamedRepoRedirectsRelatively) {
    add_standard_repos();
    hub_.add_redirect("acme/old-chat", std::string(kTransformersId));

    const Reply info = get(url("/api/models/acme/old-chat/revision/main?blobs=true"));
    const Reply file = head(url("/acme/old-chat/resolve/main/config.json"));

    EXPECT_EQ(info.status, 307);
    EXPECT_EQ(info.header("Location"),
              "/api/models/" + std::string(kTransformersId) + "/revision/main?blobs=true");
    EXPECT_EQ(file.status, 307);
    EXPECT_EQ(file.header("Location"),
              "/" + std::string(kTransformersId) + "/resolve/main/config.json");
}

// ---- tree -------------------------------------------------------------------------------------

TEST_F(FakeHubTest, TreeListsNestedPathsRecursivelyAndPaginates) {
    FakeHubRepo repo;
    repo.id = "acme/nested";
    repo.files = {{"README.md", "# nested\n", false},
                  {"onnx/model.onnx", std::string(3000, 'o'), true},
                  {"onnx/sub/weights.bin", std::string(500, 'w'), true},
                  {"config.json", "{}\n", false}};
    hub_.add_repo(repo);
    const std::string base = "/api/models/acme/nested/tree/main";

    const Reply recursive = get(url(base + "?recursive=true"));
    const Reply top = get(url(base));
    const Reply onnx = get(url(base + "/onnx"));
    const Reply missing = get(url(base + "/nope?recursive=true"));

    ASSERT_EQ(recursive.status, 200) << recursive.body;
    std::map<std::string, json> entries;
    for (const json& entry : recursive.json_body()) entries[entry["path"]] = entry;
    EXPECT_EQ(entries.size(), 6u);
    EXPECT_EQ(entries["onnx"]["type"], "directory");
    EXPECT_EQ(entries["onnx/sub"]["type"], "directory");
    EXPECT_EQ(entries["onnx/sub"]["size"], 0);
    const json& weights = entries["onnx/model.onnx"];
    EXPECT_EQ(weights["type"], "file");
    EXPECT_EQ(weights["size"], 3000);
    EXPECT_EQ(weights["lfs"]["oid"], hub_.file_sha256("acme/nested", "onnx/model.onnx"));
    EXPECT_EQ(weights["lfs"]["size"], 3000);
    EXPECT_EQ(weights["lfs"]["pointerSize"], 129);
    EXPECT_EQ(entries["README.md"]["oid"], FakeHub::git_blob_sha1("# nested\n"));
    EXPECT_FALSE(entries["README.md"].contains("lfs"));

    std::set<std::string> top_paths;
    for (const json& entry : top.json_body()) top_paths.insert(entry["path"]);
    EXPECT_EQ(top_paths, (std::set<std::string>{"README.md", "config.json", "onnx"}));
    std::set<std::string> onnx_paths;
    for (const json& entry : onnx.json_body()) onnx_paths.insert(entry["path"]);
    EXPECT_EQ(onnx_paths, (std::set<std::string>{"onnx/model.onnx", "onnx/sub"}));
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.header("X-Error-Code"), "EntryNotFound");

    hub_.set_tree_page_size(4);
    std::set<std::string> paged;
    std::optional<std::string> next = url(base + "?recursive=true");
    int pages = 0;
    while (next && pages < 5) {
        const Reply page = get(*next);
        ASSERT_EQ(page.status, 200) << page.body;
        for (const json& entry : page.json_body()) paged.insert(entry["path"]);
        next = next_link(page);
        if (next) {
            EXPECT_TRUE(next->starts_with(hub_.base_url() + base + "?recursive=true&"));
        }
        ++pages;
    }
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(paged.size(), 6u);
}

// ---- resolve ----------------------------------------------------------------------------------

TEST_F(FakeHubTest, ResolveHeadGivesLinkedHeadersWithoutFollowingTheCdnRedirect) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string sha256 = hub_.file_sha256(id, "model.safetensors");

    const Reply reply = head(hub_.resolve_url(id, "model.safetensors"));

    EXPECT_EQ(reply.status, 302);
    const std::string location = reply.header("Location").value_or("");
    EXPECT_TRUE(location.starts_with(hub_.cdn_base_url() + "/blobs/" + sha256 + "?")) << location;
    EXPECT_EQ(location, hub_.cdn_url(id, "model.safetensors"));
    EXPECT_EQ(reply.header("X-Linked-Etag"), "\"" + sha256 + "\"");
    EXPECT_EQ(reply.header("X-Linked-Size"),
              std::to_string(hub_.file_content(id, "model.safetensors").size()));
    EXPECT_EQ(reply.header("X-Repo-Commit"), hub_.commit(id));
    ASSERT_TRUE(reply.header("ETag").has_value());
    EXPECT_NE(unquoted(*reply.header("ETag")), sha256) << "only X-Linked-Etag names the content";
    EXPECT_TRUE(reply.header("X-Request-Id").has_value());
    EXPECT_EQ(hub_.cdn().requests().size(), 0u);
}

TEST_F(FakeHubTest, ResolveOfAGitFileRedirectsRelativelyToResolveCache) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string content = hub_.file_content(id, "config.json");

    const Reply probe = head(hub_.resolve_url(id, "config.json"));
    const Reply followed = head(hub_.resolve_url(id, "config.json"), {}, true);
    const Reply body = get_following(hub_.resolve_url(id, "config.json"));

    EXPECT_EQ(probe.status, 307);
    const std::string location = probe.header("Location").value_or("");
    EXPECT_TRUE(location.starts_with("/api/resolve-cache/models/" + id + "/" + hub_.commit(id) +
                                     "/config.json?"))
        << location;
    EXPECT_EQ(probe.header("X-Repo-Commit"), hub_.commit(id));
    EXPECT_EQ(followed.status, 200);
    EXPECT_EQ(followed.header("ETag"), "\"" + FakeHub::git_blob_sha1(content) + "\"");
    EXPECT_EQ(followed.header("ETag"), "\"" + hub_.file_etag(id, "config.json") + "\"");
    EXPECT_EQ(followed.header("Content-Length"), std::to_string(content.size()));
    EXPECT_EQ(followed.header("X-Repo-Commit"), hub_.commit(id));
    EXPECT_EQ(body.body, content);
    EXPECT_EQ(json::parse(body.body)["max_position_embeddings"], 8192);
    // The query of the relative Location is optional: huggingface_hub drops it.
    const Reply bare =
        get(url("/api/resolve-cache/models/" + id + "/" + hub_.commit(id) + "/config.json"));
    EXPECT_EQ(bare.body, content);
}

TEST_F(FakeHubTest, GetFollowsToTheCdnOnAnotherPortWithoutTheAuthorizationHeader) {
    add_standard_repos();
    const std::string id(kTransformersId);

    const Reply reply = get_following(hub_.resolve_url(id, "model.safetensors"),
                                      {"Authorization: Bearer hf_secret"});

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.port, hub_.cdn().port());
    EXPECT_NE(hub_.cdn().port(), hub_.hub().port());
    EXPECT_TRUE(reply.effective_url.starts_with(hub_.cdn_base_url() + "/blobs/"));
    EXPECT_EQ(FakeHub::sha256_hex(reply.body), hub_.file_sha256(id, "model.safetensors"));
    EXPECT_EQ(reply.body, hub_.file_content(id, "model.safetensors"));
    EXPECT_EQ(reply.header("Accept-Ranges"), "bytes");
    EXPECT_NE(unquoted(reply.header("ETag").value_or("")),
              hub_.file_sha256(id, "model.safetensors"))
        << "the CDN's ETag is its own hash";

    const auto hub_requests = hub_.hub().requests();
    const auto cdn_requests = hub_.cdn().requests();
    ASSERT_EQ(hub_requests.size(), 1u);
    ASSERT_EQ(cdn_requests.size(), 1u);
    EXPECT_EQ(hub_requests[0].header("Authorization"), "Bearer hf_secret");
    EXPECT_FALSE(cdn_requests[0].header("Authorization").has_value());

    // The log does record the header when a client sends it to the CDN.
    get(hub_.cdn_url(id, "model.safetensors"), {"Authorization: Bearer hf_secret"});
    EXPECT_EQ(hub_.cdn().requests().back().header("Authorization"), "Bearer hf_secret");
}

TEST_F(FakeHubTest, MissingFileAndRevisionGiveErrorCodesInHeaders) {
    add_standard_repos();
    const std::string id(kTransformersId);

    const Reply missing = head(hub_.resolve_url(id, "pytorch_model.bin"));
    const Reply missing_get = get(hub_.resolve_url(id, "pytorch_model.bin"));
    const Reply bad_revision = get(hub_.resolve_url(id, "config.json", "v9"));
    const Reply unknown_repo =
        get(hub_.resolve_url("acme/nope", "config.json"), {"Authorization: Bearer hf_x"});

    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.header("X-Error-Code"), "EntryNotFound");
    EXPECT_EQ(missing.header("X-Error-Message"), "Entry not found");
    EXPECT_EQ(missing.header("X-Repo-Commit"), hub_.commit(id));
    EXPECT_EQ(missing_get.json_body()["error"], "Entry not found");
    EXPECT_EQ(bad_revision.status, 404);
    EXPECT_EQ(bad_revision.header("X-Error-Code"), "RevisionNotFound");
    EXPECT_EQ(unknown_repo.status, 404);
    EXPECT_EQ(unknown_repo.header("X-Error-Code"), "RepoNotFound");
}

TEST_F(FakeHubTest, GatedRepoRefusesDownloads401AnonymouslyAnd403WithoutAccess) {
    add_standard_repos();
    const std::string id(kGemmaId);

    const Reply info = get(url("/api/models/" + id));
    const Reply anonymous = head(hub_.resolve_url(id, "model.safetensors"));
    const Reply anonymous_git = get_following(hub_.resolve_url(id, "config.json"));
    const Reply denied =
        head(hub_.resolve_url(id, "model.safetensors"), {"Authorization: Bearer hf_user"});
    hub_.grant_access(id, "hf_user");
    const Reply granted =
        head(hub_.resolve_url(id, "model.safetensors"), {"Authorization: Bearer hf_user"});

    EXPECT_EQ(info.status, 200) << "metadata of gated repos stays public";
    EXPECT_EQ(info.json_body()["gated"], "manual");
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(anonymous.header("X-Error-Code"), "GatedRepo");
    EXPECT_EQ(anonymous.header("X-Error-Message"),
              "Access to model google/gemma-2b-it is restricted. You must have access to it and "
              "be authenticated to access it. Please log in.");
    EXPECT_TRUE(anonymous.header("WWW-Authenticate").value_or("").starts_with("Bearer realm="));
    EXPECT_EQ(anonymous_git.status, 401);
    EXPECT_EQ(denied.status, 403);
    EXPECT_EQ(denied.header("X-Error-Code"), "GatedRepo");
    EXPECT_EQ(denied.header("X-Error-Message"),
              "Access to model google/gemma-2b-it is restricted and you are not in the "
              "authorized list. Visit https://huggingface.co/google/gemma-2b-it to ask for "
              "access.");
    EXPECT_EQ(granted.status, 302);
}

// ---- CDN: ranges and faults -------------------------------------------------------------------

TEST_F(FakeHubTest, CdnHonoursRangeWith206AndRefusesPastTheEndWith416) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string content = hub_.file_content(id, "model.safetensors");
    const std::string cdn = hub_.cdn_url(id, "model.safetensors");
    const std::size_t total = content.size();

    const Reply tail = get(cdn, {"Range: bytes=1000-"});
    const Reply slice = get(cdn, {"Range: bytes=10-19"});
    const Reply past = get(cdn, {"Range: bytes=" + std::to_string(total) + "-"});
    const Reply mismatch = get(cdn, {"Range: bytes=1000-", "If-Range: \"not-the-etag\""});
    const Reply unsigned_url =
        get(hub_.cdn_base_url() + "/blobs/" + hub_.file_sha256(id, "model.safetensors"));

    EXPECT_EQ(tail.status, 206);
    EXPECT_EQ(tail.header("Content-Range"),
              "bytes 1000-" + std::to_string(total - 1) + "/" + std::to_string(total));
    EXPECT_EQ(tail.body, content.substr(1000));
    EXPECT_EQ(slice.status, 206);
    EXPECT_EQ(slice.body, content.substr(10, 10));
    EXPECT_EQ(past.status, 416);
    EXPECT_EQ(past.header("Content-Range"), "bytes */" + std::to_string(total));
    EXPECT_EQ(mismatch.status, 200);
    EXPECT_EQ(mismatch.body, content);
    EXPECT_EQ(unsigned_url.status, 403) << "a presigned URL needs its query";
}

TEST_F(FakeHubTest, IgnoreRangeAnswers200WithTheWholeFileOnce) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string content = hub_.file_content(id, "model.safetensors");
    hub_.set_fault(id, "model.safetensors", FakeHubFault::ignore_range());

    const Reply unranged = get_following(hub_.resolve_url(id, "model.safetensors"));
    const Reply ignored =
        get_following(hub_.resolve_url(id, "model.safetensors"), {"Range: bytes=500-"});
    const Reply honoured =
        get_following(hub_.resolve_url(id, "model.safetensors"), {"Range: bytes=500-"});

    EXPECT_EQ(unranged.status, 200) << "a request without Range does not use the fault up";
    EXPECT_EQ(ignored.status, 200);
    EXPECT_FALSE(ignored.header("Content-Range").has_value());
    EXPECT_EQ(ignored.body, content);
    EXPECT_EQ(honoured.status, 206);
    EXPECT_EQ(honoured.body, content.substr(500));
}

TEST_F(FakeHubTest, WrongBytesKeepTheLengthButNotTheHashOnceOrSticky) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string sha256 = hub_.file_sha256(id, "model.safetensors");
    hub_.set_fault(id, "model.safetensors", FakeHubFault::wrong_bytes());

    const Reply wrong = get_following(hub_.resolve_url(id, "model.safetensors"));
    const Reply right = get_following(hub_.resolve_url(id, "model.safetensors"));
    hub_.set_fault(id, "config.json", FakeHubFault::wrong_bytes().sticky());
    const Reply git_first = get_following(hub_.resolve_url(id, "config.json"));
    const Reply git_second = get_following(hub_.resolve_url(id, "config.json"));

    EXPECT_EQ(wrong.status, 200);
    EXPECT_EQ(wrong.body.size(), hub_.file_content(id, "model.safetensors").size());
    EXPECT_NE(FakeHub::sha256_hex(wrong.body), sha256);
    EXPECT_EQ(wrong.header("Content-Length"), std::to_string(wrong.body.size()));
    EXPECT_EQ(FakeHub::sha256_hex(right.body), sha256);
    const std::string config = hub_.file_content(id, "config.json");
    EXPECT_EQ(git_first.body.size(), config.size());
    EXPECT_NE(git_first.body, config);
    EXPECT_NE(git_second.body, config);
}

TEST_F(FakeHubTest, ResetCutsTheConnectionAfterExactlyNBytes) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string content = hub_.file_content(id, "model.safetensors");
    hub_.set_fault(id, "model.safetensors", FakeHubFault::reset_after_bytes(20000));

    const Reply cut = get_following(hub_.resolve_url(id, "model.safetensors"));
    const Reply resumed =
        get_following(hub_.resolve_url(id, "model.safetensors"), {"Range: bytes=20000-"});

    EXPECT_NE(cut.code, CURLE_OK);
    EXPECT_EQ(cut.body, content.substr(0, 20000));
    EXPECT_EQ(resumed.status, 206);
    EXPECT_EQ(cut.body + resumed.body, content);
    // Nothing fetched twice: 20000 before the reset, the rest after.
    EXPECT_EQ(hub_.cdn_bytes_served(hub_.file_sha256(id, "model.safetensors")), content.size());
}

TEST_F(FakeHubTest, TruncatedBodyIsShorterThanItsContentLength) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::size_t total = hub_.file_content(id, "tokenizer_config.json").size();
    hub_.set_fault(id, "tokenizer_config.json", FakeHubFault::truncated(100));
    hub_.set_fault(id, "model.safetensors", FakeHubFault::truncated());

    const Reply git = get_following(hub_.resolve_url(id, "tokenizer_config.json"));
    const Reply lfs = get_following(hub_.resolve_url(id, "model.safetensors"));

    EXPECT_EQ(git.code, CURLE_PARTIAL_FILE) << git.error;
    EXPECT_EQ(git.header("Content-Length"), std::to_string(total));
    EXPECT_EQ(git.body.size(), 100u);
    EXPECT_EQ(lfs.code, CURLE_PARTIAL_FILE) << lfs.error;
    EXPECT_EQ(lfs.body.size(), hub_.file_content(id, "model.safetensors").size() / 2);
    EXPECT_EQ(hub_.bytes_served(id, "tokenizer_config.json"), 100u);
}

TEST_F(FakeHubTest, StallSendsNBytesThenGoesSilent) {
    add_standard_repos();
    const std::string id(kTransformersId);
    hub_.set_fault(id, "model.safetensors", FakeHubFault::stall_after_bytes(4096));

    const HttpReply stalled = http_call({.url = hub_.resolve_url(id, "model.safetensors"),
                                         .abort_when_silent_for = 200ms,
                                         .follow_redirects = true});

    EXPECT_EQ(stalled.code, CURLE_ABORTED_BY_CALLBACK) << stalled.error;
    EXPECT_EQ(stalled.body, hub_.file_content(id, "model.safetensors").substr(0, 4096));
    EXPECT_EQ(hub_.bytes_served(id, "model.safetensors"), 4096u);
}

TEST_F(FakeHubTest, SlowStreamsTheFileInDelayedChunks) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string content = hub_.file_content(id, "model.safetensors");
    const std::size_t chunk = content.size() / 4 + 1;  // 4 chunks, 3 delays
    hub_.set_fault(id, "model.safetensors", FakeHubFault::slow(chunk, 40ms));

    const auto start = std::chrono::steady_clock::now();
    const Reply slow = get_following(hub_.resolve_url(id, "model.safetensors"));
    const auto elapsed = std::chrono::steady_clock::now() - start;

    EXPECT_EQ(slow.code, CURLE_OK) << slow.error;
    EXPECT_EQ(slow.body, content);
    EXPECT_GE(elapsed, 120ms);
}

TEST_F(FakeHubTest, StatusFaultsHitResolveOrContentForTheNextKRequests) {
    add_standard_repos();
    const std::string id(kTransformersId);
    hub_.set_fault(id, "model.safetensors", FakeHubFault::status(429));
    hub_.add_fault(id, "model.safetensors", FakeHubFault::status(503, 2).at_content());

    const Reply limited = head(hub_.resolve_url(id, "model.safetensors"));
    const Reply probe = head(hub_.resolve_url(id, "model.safetensors"));
    const Reply first = get_following(hub_.resolve_url(id, "model.safetensors"));
    const Reply second = get_following(hub_.resolve_url(id, "model.safetensors"));
    const Reply third = get_following(hub_.resolve_url(id, "model.safetensors"));

    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("Retry-After"), "1");
    EXPECT_EQ(probe.status, 302) << "consumed once";
    EXPECT_EQ(first.status, 503);
    EXPECT_EQ(first.port, hub_.cdn().port());
    EXPECT_EQ(second.status, 503);
    EXPECT_EQ(third.status, 200);
    EXPECT_EQ(third.body, hub_.file_content(id, "model.safetensors"));
}

TEST_F(FakeHubTest, EveryHubAnswerCarriesTheRateLimitOfItsBucket) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const Reply listing = get(hub_.base_url() + "/api/models?limit=1");
    const Reply again = get(hub_.base_url() + "/api/models?limit=1");
    const Reply resolve = head(hub_.resolve_url(id, "model.safetensors"));
    const Reply cdn = get(hub_.cdn_url(id, "model.safetensors"));
    hub_.set_fault(id, "model.safetensors", FakeHubFault::status(429));
    const Reply limited = head(hub_.resolve_url(id, "model.safetensors"));

    const std::regex api(R"re("api";r=(\d+);t=(\d+))re");
    std::smatch first, second;
    const std::string first_text = listing.header("RateLimit").value_or("");
    const std::string second_text = again.header("RateLimit").value_or("");
    ASSERT_TRUE(std::regex_match(first_text, first, api)) << first_text;
    ASSERT_TRUE(std::regex_match(second_text, second, api)) << second_text;
    EXPECT_EQ(std::stoi(second[1]), std::stoi(first[1]) - 1) << "one request used";
    EXPECT_LE(std::stoi(first[2]), 300);
    EXPECT_EQ(listing.header("RateLimit-Policy"), "\"fixed window\";\"api\";q=500;w=300");
    EXPECT_EQ(resolve.header("RateLimit-Policy"), "\"fixed window\";\"resolvers\";q=3000;w=300");
    EXPECT_FALSE(cdn.header("RateLimit")) << "the CDN is not the Hub";
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("RateLimit"), "\"resolvers\";r=0;t=1");
    std::size_t rate_limits = 0;
    for (const auto& [name, value] : limited.headers) rate_limits += name == "RateLimit";
    EXPECT_EQ(rate_limits, 1u);
}

TEST_F(FakeHubTest, CdnCountsBodyBytesPerBlobAndPerFile) {
    add_standard_repos();
    const std::string id(kTransformersId);
    const std::string sha256 = hub_.file_sha256(id, "model.safetensors");
    const std::size_t total = hub_.file_content(id, "model.safetensors").size();
    const std::string half = "Range: bytes=" + std::to_string(total / 2) + "-";

    get_following(hub_.resolve_url(id, "model.safetensors"));
    get_following(hub_.resolve_url(id, "model.safetensors"), {half});
    head(hub_.cdn_url(id, "model.safetensors"));
    get_following(hub_.resolve_url(id, "config.json"));

    EXPECT_EQ(hub_.cdn_bytes_served(sha256), total + (total - total / 2));
    EXPECT_EQ(hub_.bytes_served(id, "model.safetensors"), total + (total - total / 2));
    EXPECT_EQ(hub_.bytes_served(id, "config.json"), hub_.file_content(id, "config.json").size());
    EXPECT_EQ(hub_.cdn_bytes_served(hub_.file_sha256(id, "config.json")), 0u) << "not on the CDN";
    const auto requests = hub_.cdn().requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[1].header("Range"), half.substr(7));

    hub_.reset_counters();
    EXPECT_EQ(hub_.cdn_bytes_served(sha256), 0u);
}

// ---- generated repos --------------------------------------------------------------------------

TEST_F(FakeHubTest, GgufFilesStartWithARealGgufV3Header) {
    add_standard_repos();
    const std::string id(kGgufId);
    hub_.grant_access(id, "hf_user");  // gated "auto": accepted once, still per user
    const std::vector<std::string> token = {"Authorization: Bearer hf_user"};

    const Reply q4 = get_following(hub_.resolve_url(id, "chat-8b.Q4_K_M.gguf"), token);
    const Reply q8 = get_following(hub_.resolve_url(id, "chat-8b.Q8_0.gguf"), token);
    const Reply info = get(url("/api/models/" + id + "?expand=gguf&expand=safetensors"));

    ASSERT_EQ(q4.status, 200) << q4.body;
    ASSERT_EQ(q8.status, 200) << q8.body;
    std::uint64_t tensors = 99;
    const auto q4_meta = parse_gguf(q4.body, tensors);
    EXPECT_EQ(tensors, 0u);
    EXPECT_EQ(q4_meta.size(), 4u);
    EXPECT_EQ(q4_meta.at("general.architecture"), "llama");
    EXPECT_EQ(q4_meta.at("llama.context_length"), "4096");
    EXPECT_EQ(q4_meta.at("general.file_type"), "15");
    EXPECT_NE(q4_meta.at("tokenizer.chat_template").find("<|start_header_id|>"), std::string::npos);
    EXPECT_EQ(parse_gguf(q8.body, tensors).at("general.file_type"), "7");
    EXPECT_EQ(q4.body.size(), 64u * 1024);
    EXPECT_GT(q8.body.size(), q4.body.size());
    EXPECT_EQ(keys_of(info.json_body()), (std::set<std::string>{"_id", "id", "gguf"}));
    EXPECT_THROW(FakeHubRepo::gguf("a/b", {"Q9_Z"}), std::invalid_argument);
}

TEST_F(FakeHubTest, TransformersAndGemmaCarryConfigsTemplatesAndSafetensors) {
    const FakeHubRepo chat = FakeHubRepo::transformers("acme/chat", 10'000);
    const FakeHubRepo gemma = FakeHubRepo::gemma("google/gemma-2b-it", 10'000);

    const json config = json::parse(chat.file("config.json")->content);
    EXPECT_EQ(config["max_position_embeddings"], 8192);
    EXPECT_EQ(config["model_type"], "qwen2");
    EXPECT_EQ(config["architectures"], json({"Qwen2ForCausalLM"}));
    EXPECT_EQ(config["torch_dtype"], "bfloat16");
    const std::string chat_template =
        json::parse(chat.file("tokenizer_config.json")->content)["chat_template"];
    EXPECT_NE(chat_template.find("{%- if tools %}"), std::string::npos);
    EXPECT_NE(chat_template.find("messages[0]['role'] == 'system'"), std::string::npos);
    EXPECT_EQ(chat_template.find("raise_exception"), std::string::npos);

    const json gemma_config = json::parse(gemma.file("config.json")->content);
    EXPECT_EQ(gemma_config["max_position_embeddings"], 8192);
    EXPECT_EQ(gemma_config["model_type"], "gemma");
    const std::string gemma_template =
        json::parse(gemma.file("tokenizer_config.json")->content)["chat_template"];
    EXPECT_NE(gemma_template.find("raise_exception('System role not supported')"),
              std::string::npos);
    EXPECT_EQ(gemma_template.find("tools"), std::string::npos);
    EXPECT_NE(gemma.file("tokenizer.model"), nullptr);

    // safetensors: u64 LE header size, JSON header, then exactly the announced data.
    const std::string& weights = chat.file("model.safetensors")->content;
    ASSERT_EQ(weights.size(), 10'000u);
    std::size_t at = 0;
    const auto header_size = static_cast<std::size_t>(read_le(weights, at, 8));
    const json header = json::parse(weights.substr(8, header_size));
    const json& tensor = header["model.embed_tokens.weight"];
    EXPECT_EQ(header["__metadata__"]["format"], "pt");
    EXPECT_EQ(tensor["data_offsets"][1].get<std::size_t>(), weights.size() - 8 - header_size);
    EXPECT_EQ(tensor["dtype"], "BF16");
    EXPECT_EQ(tensor["shape"].size(), 1u);
    EXPECT_EQ(chat.safetensors_total, tensor["shape"][0].get<std::int64_t>());
    EXPECT_EQ(tensor["shape"][0].get<std::size_t>() * 2, weights.size() - 8 - header_size);
    EXPECT_FALSE(chat.file("README.md")->lfs);
    EXPECT_TRUE(chat.file("model.safetensors")->lfs);
}

TEST_F(FakeHubTest, ShardedWeightsComeWithAnIndexNamingEveryShard) {
    const FakeHubRepo repo = FakeHubRepo::transformers("acme/big", 30'001, 3);

    const FakeHubFile* index = repo.file("model.safetensors.index.json");
    ASSERT_NE(index, nullptr);
    EXPECT_FALSE(index->lfs);
    const json parsed = json::parse(index->content);
    std::set<std::string> shards;
    for (const auto& [tensor, file] : parsed["weight_map"].items()) shards.insert(file);
    EXPECT_EQ(shards, (std::set<std::string>{"model-00001-of-00003.safetensors",
                                             "model-00002-of-00003.safetensors",
                                             "model-00003-of-00003.safetensors"}));
    std::size_t bytes = 0;
    std::size_t data_bytes = 0;
    for (const std::string& shard : shards) {
        ASSERT_NE(repo.file(shard), nullptr) << shard;
        const std::string& content = repo.file(shard)->content;
        bytes += content.size();
        std::size_t at = 0;
        const auto header_size = static_cast<std::size_t>(read_le(content, at, 8));
        data_bytes += content.size() - 8 - header_size;
    }
    EXPECT_EQ(bytes, 30'001u);
    EXPECT_EQ(repo.file("model.safetensors"), nullptr);
    EXPECT_EQ(parsed["metadata"]["total_size"].get<std::size_t>(), data_bytes);
    EXPECT_EQ(*repo.safetensors_total * 2, static_cast<std::int64_t>(data_bytes));
}

}  // namespace
}  // namespace venom::testing

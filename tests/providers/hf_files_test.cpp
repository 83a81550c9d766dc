#include <gtest/gtest.h>

#include <fstream>

#include "providers/gguf_header.hpp"
#include "providers/huggingface/cache.hpp"
#include "providers/huggingface/capabilities.hpp"
#include "providers/huggingface/file_selection.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "providers/huggingface/provider.hpp"
#include "support/temp_dir.hpp"
#include "venom/http_client.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

HubFile file(const std::string& path, uint64_t size, bool lfs = false) {
    HubFile f;
    f.path = path;
    f.size = size;
    f.blob_id = std::string(40, 'a');
    if (lfs) f.sha256 = std::string(64, 'b');
    return f;
}

std::vector<std::string> paths(const FileSelection& s) {
    std::vector<std::string> out;
    for (const auto& f : s.files) out.push_back(f.path);
    return out;
}

TEST(HfFileSelectionTest, SafetensorsPreferredWithTheFilesARuntimeNeeds) {
    std::vector<HubFile> files = {file("README.md", 10),
                                  file(".gitattributes", 5),
                                  file("config.json", 600),
                                  file("tokenizer.json", 9000),
                                  file("tokenizer_config.json", 900),
                                  file("generation_config.json", 100),
                                  file("model-00001-of-00002.safetensors", 5000, true),
                                  file("model-00002-of-00002.safetensors", 3000, true),
                                  file("model.safetensors.index.json", 200),
                                  file("pytorch_model.bin", 8000, true),
                                  file("original/consolidated.00.pth", 9000, true),
                                  file("onnx/model.onnx", 7000, true)};
    auto s = select_files(files, std::nullopt);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(paths(*s), (std::vector<std::string>{
                             // in the repository's order
                             "config.json", "tokenizer.json", "tokenizer_config.json",
                             "generation_config.json", "model-00001-of-00002.safetensors",
                             "model-00002-of-00002.safetensors", "model.safetensors.index.json"}));
    EXPECT_EQ(s->main_weight, "model-00001-of-00002.safetensors");
    EXPECT_EQ(s->total_bytes, 600u + 9000 + 900 + 100 + 200 + 5000 + 3000);
}

TEST(HfFileSelectionTest, BinWhenNoSafetensors) {
    auto s =
        select_files({file("config.json", 1), file("pytorch_model.bin", 10, true)}, std::nullopt);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->main_weight, "pytorch_model.bin");
}

TEST(HfFileSelectionTest, GgufTakesOneQuant) {
    std::vector<HubFile> files = {file("model.Q2_K.gguf", 10, true),
                                  file("model.Q4_K_M.gguf", 40, true),
                                  file("model.Q8_0.gguf", 80, true)};
    auto best = select_files(files, std::nullopt);
    ASSERT_TRUE(best.ok());
    EXPECT_EQ(paths(*best), std::vector<std::string>{"model.Q4_K_M.gguf"});
    auto asked = select_files(files, std::string("q8_0"));
    ASSERT_TRUE(asked.ok());
    EXPECT_EQ(asked->main_weight, "model.Q8_0.gguf");
    auto missing = select_files(files, std::string("Q5_K_S"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().http_status, 404);
    EXPECT_NE(missing.error().message.find("model.Q8_0.gguf"), std::string::npos);
}

TEST(HfFileSelectionTest, IncludeAndExcludeGlobsAdjustTheChoice) {
    std::vector<HubFile> files = {
        file("README.md", 10), file("config.json", 600), file("tokenizer.json", 9000),
        file("model.safetensors", 5000, true), file("original/params.json", 50)};
    auto s = select_files(files, std::nullopt, {{"*.md", "original/*"}, {"tokenizer.json"}});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(paths(*s), (std::vector<std::string>{"README.md", "config.json", "model.safetensors",
                                                   "original/params.json"}));
    auto none = select_files(files, std::nullopt, {{}, {"*.safetensors"}});
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().http_status, 400);
}

TEST(HfFileSelectionTest, TheIndexWeightMapDecidesWhichSafetensors) {
    std::vector<HubFile> files = {file("config.json", 1),
                                  file("model.safetensors.index.json", 1),
                                  file("model-00001-of-00002.safetensors", 50, true),
                                  file("model-00002-of-00002.safetensors", 50, true),
                                  file("consolidated.safetensors", 100, true),
                                  file("params.json", 1),
                                  file("tekken.json", 1)};
    auto index = nlohmann::json::parse(R"({"metadata":{},"weight_map":{
        "a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}})");
    auto sel = select_files(files, std::nullopt, {}, index_weight_files(index));
    ASSERT_TRUE(sel.ok());
    EXPECT_EQ(paths(*sel),
              (std::vector<std::string>{"config.json", "model.safetensors.index.json",
                                        "model-00001-of-00002.safetensors",
                                        "model-00002-of-00002.safetensors", "tekken.json"}));
    EXPECT_EQ(sel->total_bytes, 103u);
    EXPECT_FALSE(index_weight_files(nlohmann::json::parse(R"({"weight_map":[]})")));
}

TEST(HfFileSelectionTest, WhatVllmAndTransformersReadBesideTheWeights) {
    std::vector<HubFile> files = {file("model.safetensors", 10, true),
                                  file("modeling_custom.py", 1),
                                  file("configuration_custom.py", 1),
                                  file("processor_config.json", 1),
                                  file("preprocessor_config.json", 1),
                                  file("video_preprocessor_config.json", 1),
                                  file("tekken.json", 1),
                                  file("qwen.tiktoken", 1),
                                  file("chat_template.jinja", 1),
                                  file("additional_chat_templates/tool_use.jinja", 1),
                                  file("README.md", 1),
                                  file("scripts/train.py", 1),
                                  file("tokenizer.json", kMaxSupportFileBytes + 1, true)};
    auto sel = select_files(files, std::nullopt);
    ASSERT_TRUE(sel.ok());
    const auto got = paths(*sel);
    for (const char* wanted :
         {"modeling_custom.py", "configuration_custom.py", "processor_config.json",
          "preprocessor_config.json", "video_preprocessor_config.json", "tekken.json",
          "qwen.tiktoken", "chat_template.jinja", "additional_chat_templates/tool_use.jinja"}) {
        EXPECT_NE(std::find(got.begin(), got.end(), wanted), got.end()) << wanted;
    }
    for (const char* unwanted : {"README.md", "scripts/train.py", "tokenizer.json"}) {
        EXPECT_EQ(std::find(got.begin(), got.end(), unwanted), got.end()) << unwanted;
    }
}

TEST(HfFileSelectionTest, GgufShardSetsInSubfoldersAreOneUnit) {
    std::vector<HubFile> files = {file("Q4_K_M/m-Q4_K_M-00001-of-00002.gguf", 30, true),
                                  file("Q4_K_M/m-Q4_K_M-00002-of-00002.gguf", 30, true),
                                  file("Q8_0/m-Q8_0-00002-of-00002.gguf", 60, true),
                                  file("Q8_0/m-Q8_0-00001-of-00002.gguf", 50, true),
                                  file("mmproj-F16.gguf", 5, true)};
    auto best = select_files(files, std::nullopt);
    ASSERT_TRUE(best.ok());
    EXPECT_EQ(paths(*best), (std::vector<std::string>{"Q4_K_M/m-Q4_K_M-00001-of-00002.gguf",
                                                      "Q4_K_M/m-Q4_K_M-00002-of-00002.gguf"}));
    auto q8 = select_files(files, std::string("Q8_0"));
    ASSERT_TRUE(q8.ok());
    EXPECT_EQ(q8->files.size(), 2u);
    EXPECT_EQ(q8->total_bytes, 110u);
    EXPECT_EQ(q8->main_weight, "Q8_0/m-Q8_0-00001-of-00002.gguf");  // metadata lives in shard 1
    auto missing = select_files(files, std::string("Q6_K"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("Q8_0/m-Q8_0-00001-of-00002.gguf (2 shards)"),
              std::string::npos);
}

TEST(HfFileSelectionTest, NoWeightsIs404) {
    auto s = select_files({file("README.md", 1), file("config.json", 1)}, std::nullopt);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "no_weights");
}

TEST(HfHubClientTest, TokenGoesToTheHubOriginOnly) {
    HubClient hub("https://huggingface.co/", std::string("hf_secret"), std::chrono::seconds(1));
    EXPECT_EQ(hub.auth_headers_for("https://huggingface.co/api/models"),
              std::vector<std::string>{"Authorization: Bearer hf_secret"});
    EXPECT_TRUE(hub.auth_headers_for("https://cdn-lfs.hf.co/x").empty());
    EXPECT_TRUE(hub.auth_headers_for("https://huggingface.co.evil.example/x").empty());
    EXPECT_TRUE(hub.auth_headers_for("http://huggingface.co/x").empty());  // other scheme
    HubClient anonymous("https://huggingface.co", std::nullopt, std::chrono::seconds(1));
    EXPECT_TRUE(anonymous.auth_headers_for("https://huggingface.co/api/models").empty());
    EXPECT_EQ(
        hub.resolve_url("org/m", std::string(40, 'c'), "sub dir/a+b.json"),
        "https://huggingface.co/org/m/resolve/" + std::string(40, 'c') + "/sub%20dir/a%2Bb.json");
}

TEST(HfHubClientTest, ErrorsSayWhatToDo) {
    auto gated_anonymous =
        hub_error(401, {{"x-error-code", "GatedRepo"}}, "", "model google/gemma-2b-it", false);
    EXPECT_EQ(gated_anonymous.http_status, 401);
    EXPECT_NE(gated_anonymous.message.find("set HF_TOKEN"), std::string::npos);
    auto gated_token =
        hub_error(403, {{"x-error-code", "GatedRepo"}}, "", "model google/gemma-2b-it", true);
    EXPECT_EQ(gated_token.http_status, 403);
    EXPECT_NE(gated_token.message.find("accept its terms"), std::string::npos);
    auto missing = hub_error(404, {{"x-error-code", "RepoNotFound"}}, "", "model a/b", true);
    EXPECT_EQ(missing.http_status, 404);
    EXPECT_EQ(hub_error(429, {}, "", "x", false).code, "rate_limited");
    EXPECT_EQ(net::url_origin("HTTP://Host:8080/path?q"), "http://host:8080");
}

TEST(HfProviderTest, SplitsAQuantFromTheName) {
    EXPECT_EQ(split_quant("org/m:Q4_K_M").first, "org/m");
    EXPECT_EQ(split_quant("org/m:Q4_K_M").second, "Q4_K_M");
    EXPECT_FALSE(split_quant("org/m").second);
}

// A GGUF v3 header with the keys capabilities read.
void write_gguf(const fs::path& path, uint32_t file_type, uint32_t context) {
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u64 = [&](uint64_t v) { out.write(reinterpret_cast<const char*>(&v), 8); };
    auto str = [&](const std::string& s) {
        u64(s.size());
        out.write(s.data(), static_cast<std::streamsize>(s.size()));
    };
    out.write("GGUF", 4);
    u32(3);
    u64(0);  // tensors
    u64(5);  // key/value pairs
    str("general.architecture"), u32(8), str("llama");
    str("tokenizer.ggml.tokens"), u32(9), u32(8), u64(2), str("<s>"), str("</s>");
    str("llama.context_length"), u32(4), u32(context);
    str("general.file_type"), u32(4), u32(file_type);
    str("tokenizer.chat_template"), u32(8),
        str("{% for message in messages %}{{ message['role'] }}{% endfor %}");
    out << std::string(64, '\0');
}

TEST(GgufHeaderTest, ReadsContextQuantAndTemplate) {
    testing::TempDir dir;
    write_gguf(dir / "m.gguf", 15, 131072);
    auto info = read_gguf_header(dir / "m.gguf");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->architecture, "llama");
    EXPECT_EQ(info->context_length, 131072);
    EXPECT_EQ(gguf_file_type_name(*info->file_type), "Q4_K_M");
    EXPECT_TRUE(info->chat_template);
}

TEST(GgufHeaderTest, RejectsWhatIsNotGguf) {
    testing::TempDir dir;
    std::ofstream(dir / "x.gguf") << "not a gguf file at all";
    EXPECT_FALSE(read_gguf_header(dir / "x.gguf").ok());
    std::ofstream(dir / "t.gguf", std::ios::binary) << std::string("GGUF\3\0\0\0", 8);
    EXPECT_FALSE(read_gguf_header(dir / "t.gguf").ok());  // truncated
}

TEST(HfCapabilitiesTest, FromConfigAndTokenizerConfig) {
    testing::TempDir dir;
    std::ofstream(dir / "config.json")
        << R"({"max_position_embeddings": 8192, "quantization_config": {"quant_method": "awq", "bits": 4}})";
    std::ofstream(dir / "tokenizer_config.json")
        << R"({"chat_template": "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"})";
    auto caps = capabilities_from_snapshot(dir.path(), "model.safetensors");
    EXPECT_EQ(caps.max_context_length, 8192);
    EXPECT_EQ(caps.quantization, "awq-4bit");
    EXPECT_FALSE(caps.supports_system_role);
    EXPECT_EQ(caps.allowed_roles, (std::vector<std::string>{"user", "assistant"}));
    EXPECT_TRUE(caps.prompt_template);
}

TEST(HfCapabilitiesTest, ChatTemplateFileAndToolsAndGguf) {
    testing::TempDir dir;
    std::ofstream(dir / "chat_template.jinja")
        << "{% if tools %}{{ tools | tojson }}{% endif %}{% for message in messages "
           "%}<|im_start|>{{ message['role'] }}{% endfor %}";
    write_gguf(dir / "m.Q8_0.gguf", 7, 4096);
    auto caps = capabilities_from_snapshot(dir.path(), "m.Q8_0.gguf");
    EXPECT_TRUE(caps.supports_function_calling);
    EXPECT_TRUE(caps.supports_system_role);
    EXPECT_EQ(caps.max_context_length, 4096);
    EXPECT_EQ(caps.quantization, "Q8_0");
}

TEST(HubCacheTest, PublishLinksAndRemoveKeepsSharedBlobs) {
    testing::TempDir dir;
    HubCache cache(dir.path());
    auto repo = cache.repo_folder("org/model");
    ASSERT_TRUE(repo.ok());
    EXPECT_EQ(repo->filename(), "models--org--model");
    const std::string commit(40, 'c');
    fs::create_directories(*repo / "blobs");
    // Blob ids are hashes: the cache refuses anything else as a file name.
    const std::string e1(40, '1'), e2(40, '2'), e3(64, '3');
    for (const auto& etag : {e1, e2, e3}) std::ofstream(*cache.blob(*repo, etag)) << etag;
    ASSERT_TRUE(cache.publish(*repo, commit, {{"config.json", e1}, {"a.gguf", e2}}).ok());
    ASSERT_TRUE(cache.publish(*repo, commit, {{"config.json", e1}, {"b.gguf", e3}}).ok());
    const fs::path snap = *cache.snapshot(*repo, commit);
    EXPECT_EQ(fs::read_symlink(snap / "a.gguf"), fs::path("../../blobs/" + e2));
    std::ifstream linked(snap / "a.gguf");
    std::string content;
    linked >> content;
    EXPECT_EQ(content, e2);
    std::ifstream ref(*repo / "refs" / "main");
    std::string main;
    ref >> main;
    EXPECT_EQ(main, commit);

    // Removing one quant (the provider leaves out the config the other install lists) keeps
    // what the other still links.
    ASSERT_TRUE(cache.remove(*repo, commit, {"a.gguf"}).ok());
    EXPECT_FALSE(fs::exists(*cache.blob(*repo, e2)));
    EXPECT_TRUE(fs::exists(*cache.blob(*repo, e1)));
    EXPECT_TRUE(fs::exists(snap / "b.gguf"));
    ASSERT_TRUE(cache.remove(*repo, commit, {"config.json", "b.gguf"}).ok());
    EXPECT_FALSE(fs::exists(*repo));
}

TEST(HubCacheTest, EveryRepoIdMapsToOneFolderDirectlyInTheCache) {
    testing::TempDir dir;
    HubCache cache(dir.path());
    for (const char* id : {"../x", "a/../../b", "org/model"}) {
        auto folder = cache.repo_folder(id);
        ASSERT_TRUE(folder.ok()) << id;
        EXPECT_EQ(folder->parent_path(), cache.root().lexically_normal()) << id;
    }
}

}  // namespace
}  // namespace venom::providers

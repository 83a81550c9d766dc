#include "venom/manifest_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

ModelMetadata gemma() {
    ModelMetadata m;
    m.name = "google/gemma-2b-it";
    m.provider = "huggingface";
    m.display_name = "gemma-2b-it";
    m.size_gb = 4.95;
    m.runtime = "vllm";
    m.local_path = "huggingface/hub/models--google--gemma-2b-it";
    m.sha256 = "abc123";
    m.installed_at = "2026-11-28T03:00:00.000Z";
    m.capabilities.supports_system_role = false;
    m.capabilities.allowed_roles = {"user", "assistant"};
    m.capabilities.max_context_length = 8192;
    m.capabilities.prompt_template = "<start_of_turn>user\n{message}";
    m.capabilities.quantization = "bf16";
    return m;
}

class FailRename : public WriteFaults {
public:
    bool fail_at(WriteStep step) override { return step == WriteStep::rename; }
};

TEST(ManifestStoreTest, MissingFileIsAnEmptyManifest) {
    testing::TempDir dir;
    FakeClock clock;
    ManifestStore store(dir / "manifest.json", clock);
    auto report = store.load();
    EXPECT_EQ(report.models, 0u);
    EXPECT_FALSE(report.warning);
    EXPECT_FALSE(fs::exists(dir / "manifest.json"));  // nothing written until a change
}

TEST(ManifestStoreTest, RoundTripKeepsEveryField) {
    testing::TempDir dir;
    FakeClock clock;
    {
        ManifestStore store(dir / "manifest.json", clock);
        store.load();
        ASSERT_TRUE(store.upsert(gemma()).ok());
    }
    ManifestStore reloaded(dir / "manifest.json", clock);
    EXPECT_EQ(reloaded.load().models, 1u);
    auto m = reloaded.find("google/gemma-2b-it");
    ASSERT_TRUE(m);
    EXPECT_EQ(to_json(*m), to_json(gemma()));

    json doc = json::parse(read_file(dir / "manifest.json"));
    EXPECT_EQ(doc["updated_at"], format_rfc3339(clock.now()));
    EXPECT_EQ(doc["models"][0]["capabilities"]["supports_system_role"], false);
    EXPECT_EQ(doc["models"][0]["capabilities"]["allowed_roles"], json({"user", "assistant"}));
}

TEST(ManifestStoreTest, ReadsTheSpecExampleAndKeepsUnknownKeys) {
    testing::TempDir dir;
    FakeClock clock;
    std::ofstream(dir / "manifest.json") << R"({
      "models": [{
        "name": "llama3:latest", "provider": "ollama", "display_name": "Llama 3 Latest",
        "size_gb": 4.5, "status": "installed",
        "capabilities": {"supports_system_role": true,
                         "allowed_roles": ["system", "user", "assistant"],
                         "max_context_length": 8192},
        "local_path": null, "sha256": null, "installed_at": "2024-12-17T10:00:00",
        "runtime": "ollama", "future_field": {"kept": true}
      }],
      "updated_at": "2024-12-17T10:00:00"})";
    ManifestStore store(dir / "manifest.json", clock);
    EXPECT_EQ(store.load().models, 1u);
    auto m = store.find("llama3:latest");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->capabilities.max_context_length, 8192);
    EXPECT_FALSE(m->capabilities.supports_function_calling);  // default
    EXPECT_EQ(m->runtime, "ollama");

    ModelMetadata other = gemma();
    ASSERT_TRUE(store.upsert(other).ok());
    json doc = json::parse(read_file(dir / "manifest.json"));
    EXPECT_EQ(doc["models"][0]["future_field"]["kept"], true);
}

TEST(ManifestStoreTest, CorruptFileIsKeptAsideAndReported) {
    testing::TempDir dir;
    FakeClock clock;
    const std::string torn = R"({"models": [{"name": "llama3:latest", "provi)";
    std::ofstream(dir / "manifest.json") << torn;
    ManifestStore store(dir / "manifest.json", clock);
    auto report = store.load();
    ASSERT_TRUE(report.warning);
    EXPECT_NE(report.warning->find("damaged"), std::string::npos);
    ASSERT_TRUE(report.kept_aside);
    EXPECT_EQ(read_file(*report.kept_aside), torn);
    // Loading does not overwrite the damaged file.
    EXPECT_EQ(read_file(dir / "manifest.json"), torn);
}

TEST(ManifestStoreTest, InvalidEntryIsReportedAndTheValidOnesKept) {
    testing::TempDir dir;
    FakeClock clock;
    std::ofstream(dir / "manifest.json")
        << R"({"models": [{"name": "a:1", "provider": "ollama"}, {"provider": "ollama"},
                          {"name": "b:1", "provider": "ollama", "size_gb": "big"},
                          {"name": "c:1", "provider": "ollama"}]})";
    ManifestStore store(dir / "manifest.json", clock);
    auto report = store.load();
    EXPECT_EQ(report.models, 2u);
    ASSERT_TRUE(report.warning);
    EXPECT_TRUE(store.find("a:1"));
    EXPECT_TRUE(store.find("c:1"));
    ASSERT_TRUE(report.kept_aside);
    EXPECT_TRUE(fs::exists(*report.kept_aside));
}

TEST(ManifestStoreTest, WriteInterruptedBeforeRenameLeavesOldFileAndMemory) {
    testing::TempDir dir;
    FakeClock clock;
    FailRename faults;
    {
        ManifestStore store(dir / "manifest.json", clock);
        store.load();
        ASSERT_TRUE(store.upsert(gemma()).ok());
    }
    const std::string before = read_file(dir / "manifest.json");

    ManifestStore store(dir / "manifest.json", clock, &faults);
    store.load();
    ModelMetadata llama;
    llama.name = "llama3:latest";
    llama.provider = "ollama";
    auto result = store.upsert(llama);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 500);
    EXPECT_EQ(read_file(dir / "manifest.json"), before);
    EXPECT_FALSE(store.find("llama3:latest"));  // not visible: it is not on disk
    EXPECT_FALSE(store.remove("google/gemma-2b-it").ok());
    EXPECT_TRUE(store.find("google/gemma-2b-it"));
}

TEST(ManifestStoreTest, RemoveUnknownModelIs404) {
    testing::TempDir dir;
    FakeClock clock;
    ManifestStore store(dir / "manifest.json", clock);
    store.load();
    auto result = store.remove("nope:latest");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().http_status, 404);
}

TEST(ManifestStoreTest, UpsertReplacesByName) {
    testing::TempDir dir;
    FakeClock clock;
    ManifestStore store(dir / "manifest.json", clock);
    store.load();
    ModelMetadata m = gemma();
    ASSERT_TRUE(store.upsert(m).ok());
    m.size_gb = 5.0;
    ASSERT_TRUE(store.upsert(m).ok());
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.find(m.name)->size_gb, 5.0);
}

TEST(ManifestStoreTest, RenameMergesEntriesThatBecomeOneAndWritesOnce) {
    testing::TempDir dir;
    FakeClock clock;
    ManifestStore store(dir / "manifest.json", clock);
    auto entry = [](std::string name, std::string installed_at) {
        ModelMetadata m;
        m.name = name;
        m.display_name = name;
        m.provider = "ollama";
        m.runtime = "ollama";
        m.installed_at = installed_at;
        return m;
    };
    ASSERT_TRUE(store.upsert(entry("library/qwen3", "2026-01-01T00:00:00Z")).ok());
    ASSERT_TRUE(store.upsert(entry("qwen3:latest", "2026-02-02T00:00:00Z")).ok());
    ASSERT_TRUE(store.upsert(entry("qwen3", "2026-03-03T00:00:00Z")).ok());
    ASSERT_TRUE(store.upsert(gemma()).ok());
    auto renamed = store.rename_models([](const ModelMetadata& m) {
        return m.provider == "ollama" ? std::string("qwen3:latest") : m.name;
    });
    ASSERT_TRUE(renamed.ok());
    EXPECT_EQ(*renamed, 2u);
    ASSERT_EQ(store.size(), 2u);
    // The entry already spelled the new way is the one kept.
    EXPECT_EQ(store.find("qwen3:latest")->installed_at, "2026-02-02T00:00:00Z");
    EXPECT_TRUE(store.find("google/gemma-2b-it"));

    ManifestStore reloaded(dir / "manifest.json", clock);
    reloaded.load();
    EXPECT_EQ(reloaded.size(), 2u);
    EXPECT_EQ(*store.rename_models([](const ModelMetadata& m) { return m.name; }), 0u);
}

}  // namespace
}  // namespace venom

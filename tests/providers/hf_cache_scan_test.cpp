// The periodic scan of the shared Hub cache: what it lists, and that it reads a snapshot's
// files again only when they changed (a GGUF header of a big model is costly to read).
#include <gtest/gtest.h>

#include "providers/huggingface/cache_scan.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;
using testing::write_file;

TEST(HfCacheScanTest, UnchangedSnapshotsAreNotReadAgain) {
    testing::TempDir root;
    const std::string commit(40, 'c');
    const fs::path repo = root / "models--org--m";
    write_file(repo / "refs" / "main", commit);
    const fs::path snap = repo / "snapshots" / commit;
    write_file(snap / "config.json", R"({"max_position_embeddings": 4096})");
    write_file(snap / "model.safetensors", "weights");
    HubCache cache(root.path());

    auto first = scan_hub_cache(cache);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].name, "org/m");
    EXPECT_EQ(first[0].capabilities.max_context_length, 4096);

    // Same files: the last answer is kept (the doctored figure shows it was not re-read).
    first[0].capabilities.max_context_length = 42;
    EXPECT_EQ(scan_hub_cache(cache, first)[0].capabilities.max_context_length, 42);
    // A file added: read again.
    write_file(snap / "generation_config.json", "{}");
    EXPECT_EQ(scan_hub_cache(cache, first)[0].capabilities.max_context_length, 4096);
}

}  // namespace
}  // namespace venom::providers

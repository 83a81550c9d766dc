#pragma once
// Checks a blob that is already in the shared cache (put there by `hf download`, transformers
// or an earlier install) against the Hub's identity of the file before venomd adopts it: the
// sha256 for LFS files (the Hub's lfs.oid, the X-Linked-Etag huggingface_hub names the blob
// by), the git blob sha1 for the others. A blob is never trusted by its name or size alone.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace venom::providers {

enum class BlobCheck { matches, differs, cancelled };

struct CachedBlob {
    std::filesystem::path path;         // <repo>/blobs/<etag>
    uint64_t size = 0;                  // from the Hub
    std::optional<std::string> sha256;  // LFS files
    std::string git_sha1;               // other files
};

// Blocking (reads the whole file); workers only. `on_bytes` gets the bytes hashed so far after
// every piece; `cancelled` is asked as often. A missing, unreadable or wrongly sized file
// differs.
BlobCheck check_cached_blob(const CachedBlob& blob,
                            const std::function<void(uint64_t hashed)>& on_bytes,
                            const std::function<bool()>& cancelled);

}  // namespace venom::providers

#pragma once
// What a file of a Hub repository must hash to, and the check of a blob that is already in the
// shared cache (put there by `hf download`, transformers or an earlier install) before venomd
// adopts it: the sha256 for LFS files (the Hub's lfs.oid, the X-Linked-Etag huggingface_hub
// names the blob by), the git blob sha1 for the others. A blob is never trusted by its name or
// size alone.

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace venom::providers {

// The Hub's identity of one file.
struct BlobIdentity {
    uint64_t size = 0;
    std::optional<std::string> sha256;  // LFS files
    std::string git_sha1;               // other files: the git blob id
    // The lowercase hex digest the content must have.
    const std::string& expected() const { return sha256 ? *sha256 : git_sha1; }
};

// The running digest of a file's content: sha256 for LFS files, else the git blob id,
// sha1("blob <size>\0" + content). Not thread-safe.
class BlobDigest {
public:
    explicit BlobDigest(const BlobIdentity& identity);
    void reset();  // back to zero bytes
    void update(const void* data, std::size_t n);
    std::string hex();  // ends the digest; reset() before another use

private:
    const BlobIdentity& identity_;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

enum class BlobCheck { matches, differs, cancelled };

// Hashes the file at `path` against `identity`. Blocking (reads the whole file); workers only.
// `on_bytes` gets the bytes hashed so far after every piece; `cancelled` is asked as often. A
// missing, unreadable or wrongly sized file differs.
BlobCheck check_cached_blob(const std::filesystem::path& path, const BlobIdentity& identity,
                            const std::function<void(uint64_t hashed)>& on_bytes = {},
                            const std::function<bool()>& cancelled = {});

}  // namespace venom::providers

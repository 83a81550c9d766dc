#pragma once
// The Hub's own cache layout (upstream-protocols.md §2.6), in the cache Hugging Face's tools
// use (HF_HUB_CACHE), so vLLM, transformers and `hf download` share the files:
//   models--org--name/{blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag>, refs/main}
// Every path built here from an id the Hub sent goes through safe_join(), which refuses an id
// that would leave the folder it names (issue 9): a caller cannot forget the check.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "venom/result.hpp"

namespace venom::providers {

// `base / relative` when `relative` is a safe repository path (see is_safe_repo_path) and the
// normalised result stays strictly inside `base`; 400 unsafe_path otherwise. Pure.
Result<std::filesystem::path> safe_join(const std::filesystem::path& base,
                                        std::string_view relative);

// Whether a repository path is a weight file (what a runtime loads the model from), by its
// extension: .safetensors, .gguf, .bin, .pt, .pth, .ckpt, .h5, .msgpack. Pure.
bool is_weight_path(std::string_view path);

// "models--org--name" -> "org/name": the repo id of a cache folder. Pure.
std::string repo_id_of(const std::filesystem::path& folder);

// An exclusive flock on Hugging Face's own lock file for one blob
// (<cache>/.locks/models--org--name/<etag>.lock, what huggingface_hub's filelock takes while it
// downloads and links a blob), so venomd and HF's tools never write or delete the same blob at
// once. Released on destruction.
class BlobLock {
public:
    // Nullopt when another process (or another download here) holds it, or it cannot be made.
    static std::optional<BlobLock> try_acquire(const std::filesystem::path& lock_file);
    // Waits for it (huggingface_hub's filelock waits too); nullopt once `cancelled` says so.
    // Blocking; workers only.
    static std::optional<BlobLock> acquire(const std::filesystem::path& lock_file,
                                           const std::function<bool()>& cancelled);
    BlobLock(BlobLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    BlobLock& operator=(BlobLock&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~BlobLock();

private:
    explicit BlobLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

class HubCache {
public:
    // `root`: HF_HUB_CACHE, else HF_HOME/hub, else <models>/huggingface/hub (hub_cache_dir()).
    explicit HubCache(std::filesystem::path root);

    // The cache root; the HF_HUB_CACHE to give vLLM.
    const std::filesystem::path& root() const { return root_; }
    // models--org--name for "org/name"; 400 when the id would leave the cache.
    Result<std::filesystem::path> repo_folder(const std::string& repo_id) const;
    // blobs/<etag>; 400 unsafe_path unless `etag` is a git sha1 or a sha256 (lowercase hex).
    Result<std::filesystem::path> blob(const std::filesystem::path& repo,
                                       const std::string& etag) const;
    // snapshots/<commit>; 400 unsafe_path unless `commit` is 40 lowercase hex digits.
    Result<std::filesystem::path> snapshot(const std::filesystem::path& repo,
                                           const std::string& commit) const;
    // HF's lock file for a blob of `repo` (see BlobLock).
    std::filesystem::path lock_file(const std::filesystem::path& repo,
                                    const std::string& etag) const;

    struct Published {
        std::string path;  // in the repo
        std::string etag;
    };
    // Links every file of `commit` to its blob (relative symlinks) and writes refs/main. Call
    // only once every blob is verified, so a failed install publishes nothing.
    Result<void> publish(const std::filesystem::path& repo, const std::string& commit,
                         const std::vector<Published>& files) const;

    // Removal in a cache other tools share (huggingface_hub utils/_cache_manager.py,
    // DeleteCacheStrategy): the snapshot links of `paths` in `commit` go; when no weight file is
    // left in the snapshot, the whole snapshot and every refs/* naming `commit` go too, so HF's
    // offline mode never finds a hollow snapshot to load; then each blob no snapshot links any
    // more, under its BlobLock (a blob someone is writing stays). `.incomplete` files and
    // `.locks/` are never touched; the repo folder goes only once nothing is left in it (other
    // installs of the same repo, e.g. another GGUF quant, keep theirs). Returns the bytes freed.
    Result<uint64_t> remove(const std::filesystem::path& repo, const std::string& commit,
                            const std::vector<std::string>& paths) const;

    // True when every one of `paths` in snapshots/<commit> exists and leads to a blob, and
    // refs/main exists.
    bool snapshot_complete(const std::filesystem::path& repo, const std::string& commit,
                           const std::vector<std::string>& paths) const;

    // What a failed or interrupted install left, and what clean_repo() may delete of it. Every
    // deletion of a blob or .incomplete file first takes its BlobLock, so a file HF's tools (or
    // another download here) are writing is never touched.
    struct CleanOptions {
        // .incomplete files: those at least this old go; nullopt: every one. keep_partials:
        // none (a cache shared with other tools, whose partial downloads are theirs).
        std::optional<std::chrono::seconds> partial_age;
        bool keep_partials = false;
        // Complete blobs whose etag is in this set and that no snapshot links.
        std::set<std::string> unlinked_blobs;
        // Every complete blob no snapshot links (a repo no manifest entry knows).
        bool every_unlinked_blob = false;
        // Snapshots whose commit is not here and that have a link without a blob (an install or
        // removal that stopped half-way) go, with the blobs only they linked.
        std::optional<std::set<std::string>> known_commits;
    };
    // Returns the bytes freed. Removes the repo folder when neither a snapshot link nor a blob
    // is left in it. Never fails: what cannot be deleted stays.
    uint64_t clean_repo(const std::filesystem::path& repo, const CleanOptions& options) const;

    // Every .incomplete file of the cache nobody holds the lock of, oldest first, with its size.
    struct Partial {
        std::filesystem::path path;
        std::filesystem::path repo;
        uint64_t bytes = 0;
        std::filesystem::file_time_type modified;
    };
    std::vector<Partial> partials() const;
    std::vector<Partial> partials_in(const std::filesystem::path& repo) const;
    // Deletes `partial` when its lock is free; the bytes freed.
    uint64_t delete_partial(const Partial& partial) const;

    // The repo folders of the cache (models--*) of model repos; "models--org--name" is
    // "org/name" (repo_id_of).
    std::vector<std::filesystem::path> repo_folders() const;

private:
    std::filesystem::path root_;
};

}  // namespace venom::providers

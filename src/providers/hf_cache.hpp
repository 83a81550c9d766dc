#pragma once
// The Hub's own cache layout under <models>/huggingface/hub (upstream-protocols.md §2.6), so
// vLLM and transformers use the files as they are (HF_HUB_CACHE):
//   models--org--name/{blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag>, refs/main}

#include <filesystem>
#include <string>
#include <vector>

#include "venom/result.hpp"

namespace venom::providers {

class HubCache {
public:
    explicit HubCache(std::filesystem::path models_dir);

    // <models>/huggingface/hub; the HF_HUB_CACHE to give vLLM.
    const std::filesystem::path& root() const { return root_; }
    // models--org--name for "org/name"; 400 when the id would leave the cache.
    Result<std::filesystem::path> repo_folder(const std::string& repo_id) const;
    std::filesystem::path blob(const std::filesystem::path& repo, const std::string& etag) const;
    std::filesystem::path snapshot(const std::filesystem::path& repo,
                                   const std::string& commit) const;

    struct Published {
        std::string path;  // in the repo
        std::string etag;
    };
    // Links every file of `commit` to its blob (relative symlinks) and writes refs/main. Call
    // only once every blob is verified, so a failed install publishes nothing.
    Result<void> publish(const std::filesystem::path& repo, const std::string& commit,
                         const std::vector<Published>& files) const;

    // Removes the snapshot links of `paths` in `commit`, then every blob no remaining link uses,
    // and the whole repo folder when no snapshot file is left (other installs of the same repo,
    // e.g. another GGUF quant, keep theirs).
    Result<void> remove(const std::filesystem::path& repo, const std::string& commit,
                        const std::vector<std::string>& paths) const;

private:
    std::filesystem::path root_;
};

}  // namespace venom::providers

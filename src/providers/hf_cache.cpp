#include "providers/hf_cache.hpp"

#include <set>

#include "venom/durable_file.hpp"
#include "venom/model_name.hpp"

namespace venom::providers {
namespace fs = std::filesystem;

HubCache::HubCache(fs::path models_dir) : root_(models_dir / "huggingface" / "hub") {}

Result<fs::path> HubCache::repo_folder(const std::string& repo_id) const {
    std::string folder = "models--";
    for (char c : repo_id) folder += c == '/' ? std::string("--") : std::string(1, c);
    auto inside = path_inside(root_, folder);
    if (!inside) return inside.error();
    if (inside->parent_path() != root_.lexically_normal()) {
        return make_error(400, "unsafe_path", "Repository id escapes the cache: " + repo_id);
    }
    return *inside;
}

fs::path HubCache::blob(const fs::path& repo, const std::string& etag) const {
    return repo / "blobs" / etag;
}

fs::path HubCache::snapshot(const fs::path& repo, const std::string& commit) const {
    return repo / "snapshots" / commit;
}

Result<void> HubCache::publish(const fs::path& repo, const std::string& commit,
                               const std::vector<Published>& files) const {
    const fs::path snap = snapshot(repo, commit);
    std::error_code ec;
    for (const auto& f : files) {
        auto link = path_inside(snap, f.path);
        if (!link) return link.error();
        fs::create_directories(link->parent_path(), ec);
        // ../../blobs/<etag>, one more ../ per directory level of the file in the repo.
        fs::path target = "../../blobs";
        for (auto depth = fs::path(f.path).parent_path(); !depth.empty();
             depth = depth.parent_path()) {
            target = ".." / target;
        }
        target /= f.etag;
        fs::remove(*link, ec);
        fs::create_symlink(target, *link, ec);
        if (ec) {
            return make_error(500, "storage_error",
                              "cannot link " + link->string() + ": " + ec.message());
        }
    }
    fs::create_directories(repo / "refs", ec);
    return write_file_durably(repo / "refs" / "main", commit);
}

Result<void> HubCache::remove(const fs::path& repo, const std::string& commit,
                              const std::vector<std::string>& paths) const {
    std::error_code ec;
    const fs::path snap = snapshot(repo, commit);
    for (const auto& p : paths) {
        if (auto link = path_inside(snap, p)) fs::remove(*link, ec);
    }
    // What is still linked from any snapshot keeps its blob.
    std::set<std::string> used;
    bool any_left = false;
    for (auto it = fs::recursive_directory_iterator(repo / "snapshots", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_symlink(ec)) continue;
        any_left = true;
        used.insert(fs::read_symlink(it->path(), ec).filename().string());
    }
    if (!any_left) {
        fs::remove_all(repo, ec);
        if (ec) return make_error(500, "storage_error", "cannot remove " + repo.string());
        return {};
    }
    for (const auto& entry : fs::directory_iterator(repo / "blobs", ec)) {
        if (!used.count(entry.path().filename().string())) fs::remove(entry.path(), ec);
    }
    return {};
}

}  // namespace venom::providers

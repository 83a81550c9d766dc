#include "providers/huggingface/cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <thread>

#include "providers/huggingface/hub_ids.hpp"
#include "venom/durable_file.hpp"
#include "venom/model_name.hpp"

namespace venom::providers {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIncomplete = ".incomplete";

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The etags every snapshot of `repo` links to, and whether any link is left.
std::set<std::string> linked_etags(const fs::path& repo, bool* any_link = nullptr) {
    std::set<std::string> used;
    std::error_code ec;
    if (any_link) *any_link = false;
    for (auto it = fs::recursive_directory_iterator(repo / "snapshots", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_symlink(ec)) continue;
        if (any_link) *any_link = true;
        used.insert(fs::read_symlink(it->path(), ec).filename().string());
    }
    return used;
}

// Every refs/* file (main, pr/1, a tag) whose commit is `commit`.
void remove_refs_to(const fs::path& repo, const std::string& commit) {
    std::error_code ec;
    std::vector<fs::path> refs;
    for (auto it = fs::recursive_directory_iterator(repo / "refs", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (!it->is_regular_file(e)) continue;
        std::ifstream in(it->path());
        std::string named;
        in >> named;
        if (named == commit) refs.push_back(it->path());
    }
    for (const auto& ref : refs) fs::remove(ref, ec);
}

// Empty folders below `dir` (deepest first), not `dir` itself.
void remove_empty_folders(const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> folders;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (it->is_directory(e) && !it->is_symlink(e)) folders.push_back(it->path());
    }
    for (auto it = folders.rbegin(); it != folders.rend(); ++it) {
        std::error_code e;
        if (fs::is_empty(*it, e)) fs::remove(*it, e);
    }
}

// The repo folder goes once it holds no file at all (empty refs/, snapshots/, blobs/ folders
// are no file): a .incomplete file or a snapshot of another tool keeps it.
void remove_if_empty(const fs::path& repo) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(repo, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (it->is_symlink(e) || !it->is_directory(e)) return;
    }
    if (!ec) fs::remove_all(repo, ec);
}

uint64_t size_of(const fs::path& p) {
    std::error_code ec;
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : static_cast<uint64_t>(n);
}

}  // namespace

bool is_weight_path(std::string_view path) {
    static constexpr std::array<std::string_view, 8> kWeights = {
        ".safetensors", ".gguf", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack"};
    return std::any_of(kWeights.begin(), kWeights.end(), [&](std::string_view ext) {
        return path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext;
    });
}

std::string repo_id_of(const fs::path& folder) {
    // The first "--" after the prefix separates org and name.
    const std::string name = folder.filename().string().substr(std::string("models--").size());
    const auto sep = name.find("--");
    if (sep == std::string::npos) return name;
    return name.substr(0, sep) + "/" + name.substr(sep + 2);
}

Result<fs::path> safe_join(const fs::path& base, std::string_view relative) {
    if (!is_safe_repo_path(relative)) {
        return make_error(400, "unsafe_path",
                          "Refusing a path that could leave " + base.filename().string() + ": \"" +
                              std::string(relative.substr(0, 200)) + "\"");
    }
    return path_inside(base, relative);
}

std::optional<BlobLock> BlobLock::try_acquire(const fs::path& lock_file) {
    std::error_code ec;
    fs::create_directories(lock_file.parent_path(), ec);
    const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return std::nullopt;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    return BlobLock(fd);
}

std::optional<BlobLock> BlobLock::acquire(const fs::path& lock_file,
                                          const std::function<bool()>& cancelled) {
    for (;;) {
        if (auto lock = try_acquire(lock_file)) return lock;
        if (cancelled()) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a poll, not a sync
    }
}

BlobLock::~BlobLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

HubCache::HubCache(fs::path root) : root_(std::move(root)) {}

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

Result<fs::path> HubCache::blob(const fs::path& repo, const std::string& etag) const {
    if (!is_git_sha1(etag) && !is_sha256_hex(etag)) {
        return make_error(400, "unsafe_path", "Not a blob id: \"" + etag.substr(0, 100) + "\"");
    }
    return safe_join(repo / "blobs", etag);
}

Result<fs::path> HubCache::snapshot(const fs::path& repo, const std::string& commit) const {
    if (!is_git_sha1(commit)) {
        return make_error(400, "unsafe_path", "Not a commit id: \"" + commit.substr(0, 100) + "\"");
    }
    return safe_join(repo / "snapshots", commit);
}

fs::path HubCache::lock_file(const fs::path& repo, const std::string& etag) const {
    return root_ / ".locks" / repo.filename() / (etag + ".lock");
}

Result<void> HubCache::publish(const fs::path& repo, const std::string& commit,
                               const std::vector<Published>& files) const {
    auto snap = snapshot(repo, commit);
    if (!snap) return snap.error();
    std::error_code ec;
    for (const auto& f : files) {
        auto link = safe_join(*snap, f.path);
        if (!link) return link.error();
        auto blob_path = blob(repo, f.etag);
        if (!blob_path) return blob_path.error();
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

Result<uint64_t> HubCache::remove(const fs::path& repo, const std::string& commit,
                                  const std::vector<std::string>& paths) const {
    std::error_code ec;
    auto snap = snapshot(repo, commit);
    if (!snap) return snap.error();
    for (const auto& p : paths) {
        if (auto link = safe_join(*snap, p)) fs::remove(*link, ec);
    }
    // A snapshot without weights looks installed to HF's offline mode (config.json is there)
    // and fails at load: it goes whole, with the refs that name it.
    bool weights_left = false;
    for (auto it = fs::recursive_directory_iterator(*snap, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (!it->is_directory(e) && is_weight_path(it->path().filename().string())) {
            weights_left = true;
        }
    }
    if (!weights_left) {
        fs::remove_all(*snap, ec);
        if (ec) return make_error(500, "storage_error", "cannot remove " + snap->string());
        remove_refs_to(repo, commit);
    } else {
        remove_empty_folders(*snap);
    }
    // Blobs no snapshot links any more; a .incomplete file is someone's download in flight.
    const std::set<std::string> used = linked_etags(repo);
    uint64_t freed = 0;
    std::vector<fs::path> unused;
    for (const auto& entry : fs::directory_iterator(repo / "blobs", ec)) {
        const std::string name = entry.path().filename().string();
        if (!ends_with(name, kIncomplete) && !used.count(name)) unused.push_back(entry.path());
    }
    for (const auto& path : unused) {
        auto lock = BlobLock::try_acquire(lock_file(repo, path.filename().string()));
        if (!lock) continue;  // HF's tools (or a download here) are at it
        // huggingface_hub links a blob that is already there without taking its lock
        // (file_download.py, _create_symlink for an existing blob): look again under it.
        if (linked_etags(repo).count(path.filename().string())) continue;
        const uint64_t bytes = size_of(path);
        std::error_code e;
        if (fs::remove(path, e)) freed += bytes;
    }
    remove_if_empty(repo);
    return freed;
}

bool HubCache::snapshot_complete(const fs::path& repo, const std::string& commit,
                                 const std::vector<std::string>& paths) const {
    auto snap = snapshot(repo, commit);
    std::error_code ec;
    if (!snap || !fs::is_directory(*snap, ec)) return false;
    // publish() writes refs/main last: without it HF's tools do not find the snapshot (a kill
    // while a reinstall was publishing).
    if (!fs::exists(repo / "refs" / "main", ec)) return false;
    for (const auto& p : paths) {
        auto file = safe_join(*snap, p);
        if (!file || !fs::exists(*file, ec)) return false;  // follows the link to its blob
    }
    return true;
}

uint64_t HubCache::clean_repo(const fs::path& repo, const CleanOptions& options) const {
    std::error_code ec;
    uint64_t freed = 0;
    const auto now = fs::file_time_type::clock::now();

    // Snapshots of installs nobody recorded that stopped half-way: a link without its blob.
    std::set<std::string> dropped;  // etags those snapshots linked
    if (options.known_commits) {
        for (const auto& entry : fs::directory_iterator(repo / "snapshots", ec)) {
            const std::string commit = entry.path().filename().string();
            if (options.known_commits->count(commit)) continue;
            bool broken = false;
            std::set<std::string> targets;
            std::error_code walk;
            for (auto it = fs::recursive_directory_iterator(entry.path(), walk);
                 !walk && it != fs::recursive_directory_iterator(); it.increment(walk)) {
                std::error_code e;
                if (!it->is_symlink(e)) continue;
                targets.insert(fs::read_symlink(it->path(), e).filename().string());
                if (!fs::exists(it->path(), e)) broken = true;
            }
            if (!broken) continue;
            fs::remove_all(entry.path(), ec);
            dropped.insert(targets.begin(), targets.end());
        }
    }

    const std::set<std::string> used = linked_etags(repo);
    std::vector<fs::path> blobs;
    for (const auto& entry : fs::directory_iterator(repo / "blobs", ec)) {
        blobs.push_back(entry.path());
    }
    for (const auto& path : blobs) {
        const std::string name = path.filename().string();
        std::error_code e;
        if (ends_with(name, kIncomplete)) {
            if (options.keep_partials) continue;
            const std::string etag = name.substr(0, name.size() - kIncomplete.size());
            if (options.partial_age) {
                const auto modified = fs::last_write_time(path, e);
                if (e || now - modified < *options.partial_age) continue;
            }
            auto lock = BlobLock::try_acquire(lock_file(repo, etag));
            if (!lock) continue;  // being written by someone
            const uint64_t bytes = size_of(path);
            if (fs::remove(path, e)) freed += bytes;
            continue;
        }
        if (used.count(name)) continue;
        if (!options.every_unlinked_blob && !options.unlinked_blobs.count(name) &&
            !dropped.count(name)) {
            continue;
        }
        auto lock = BlobLock::try_acquire(lock_file(repo, name));
        if (!lock) continue;
        const uint64_t bytes = size_of(path);
        if (fs::remove(path, e)) freed += bytes;
    }

    // Only an empty shell goes: a snapshot may hold plain files (copied in, not linked).
    bool any_file = false;
    for (auto it = fs::recursive_directory_iterator(repo / "snapshots", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (!it->is_directory(e) || it->is_symlink(e)) any_file = true;
    }
    for (const auto& entry : fs::directory_iterator(repo / "blobs", ec)) {
        (void)entry;
        any_file = true;
    }
    if (!any_file) fs::remove_all(repo, ec);
    return freed;
}

std::vector<HubCache::Partial> HubCache::partials_in(const fs::path& repo) const {
    std::vector<Partial> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(repo / "blobs", ec)) {
        const std::string name = entry.path().filename().string();
        if (!ends_with(name, kIncomplete)) continue;
        std::error_code e;
        Partial p{entry.path(), repo, size_of(entry.path()), fs::last_write_time(entry.path(), e)};
        if (!e) out.push_back(std::move(p));
    }
    return out;
}

std::vector<HubCache::Partial> HubCache::partials() const {
    std::vector<Partial> out;
    for (const auto& repo : repo_folders()) {
        auto in = partials_in(repo);
        out.insert(out.end(), in.begin(), in.end());
    }
    std::sort(out.begin(), out.end(),
              [](const Partial& a, const Partial& b) { return a.modified < b.modified; });
    return out;
}

uint64_t HubCache::delete_partial(const Partial& partial) const {
    const std::string name = partial.path.filename().string();
    const std::string etag = name.substr(0, name.size() - kIncomplete.size());
    auto lock = BlobLock::try_acquire(lock_file(partial.repo, etag));
    if (!lock) return 0;
    std::error_code ec;
    return fs::remove(partial.path, ec) ? partial.bytes : 0;
}

std::vector<fs::path> HubCache::repo_folders() const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("models--", 0) == 0 && entry.is_directory(ec)) out.push_back(entry.path());
    }
    return out;
}

}  // namespace venom::providers

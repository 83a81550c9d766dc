#include "providers/huggingface/provider.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>

#include "providers/huggingface/blob_check.hpp"
#include "providers/huggingface/cache_scan.hpp"
#include "providers/huggingface/capabilities.hpp"
#include "providers/huggingface/file_selection.hpp"
#include "providers/huggingface/hub_ids.hpp"
#include "venom/logging.hpp"
#include "venom/runtime.hpp"
#include "venom/storage_quota.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

// Four decimals: small models (tests, tiny checkpoints) still show a size above zero.
double gb(uint64_t bytes) {
    return std::round(static_cast<double>(bytes) / kBytesPerGb * 10000.0) / 10000.0;
}

// The Hub's `gated`: false, or "auto" / "manual" (true in older answers).
bool is_gated(const nlohmann::json& gated) {
    return (gated.is_boolean() && gated.get<bool>()) || (gated.is_string() && gated != "false");
}

}  // namespace

std::pair<std::string, std::optional<std::string>> split_quant(const std::string& name) {
    const auto colon = name.find(':');
    if (colon == std::string::npos) return {name, std::nullopt};
    return {name.substr(0, colon), name.substr(colon + 1)};
}

HuggingFaceModelProvider::HuggingFaceModelProvider(std::shared_ptr<HubClient> hub,
                                                   fs::path cache_root, const Clock& clock,
                                                   Tuning tuning)
    : hub_(std::move(hub)),
      cache_(std::move(cache_root)),
      clock_(clock),
      tuning_(tuning),
      scan_task_(tuning.cache_scan_interval, [this] { rescan_cache(); }) {}

void HuggingFaceModelProvider::start() {
    scan_task_.start();
}

void HuggingFaceModelProvider::stop() {
    scan_task_.stop();
}

void HuggingFaceModelProvider::rescan_cache() {
    // The cache holds what any tool put there: a file that still trips a reader must cost that
    // repo its listing, never the daemon.
    std::vector<ModelMetadata> found;
    try {
        found = scan_hub_cache(cache_, known_models());
    } catch (const std::exception& e) {
        logger("huggingface")->warn("cache scan failed: {}", e.what());
        return;
    }
    std::lock_guard lock(scanned_mutex_);
    scanned_ = std::move(found);
    ++known_version_;
}

std::vector<ModelMetadata> HuggingFaceModelProvider::known_models() const {
    std::lock_guard lock(scanned_mutex_);
    return scanned_;
}

Result<void> HuggingFaceModelProvider::validate_install(const std::string& model,
                                                        Runtime runtime) const {
    if (runtime != Runtime::vllm) {
        return make_error(400, "invalid_runtime",
                          "Hugging Face models run on runtime 'vllm', not '" +
                              std::string(to_string(runtime)) + "'");
    }
    static const std::regex repo_id(R"(^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)?$)");
    if (!std::regex_match(model, repo_id)) {
        return make_error(400, "invalid_model_name",
                          "Hugging Face models are named org/model (a GGUF quant may follow as "
                          "org/model:Q4_K_M); '" +
                              model + "' is not");
    }
    return {};
}

Result<ModelProvider::InstallPlan> HuggingFaceModelProvider::plan_install(
    const std::string& model, Runtime, const InstallFilter& filter) {
    auto [id, quant] = split_quant(model);
    auto repo = hub_->repo(id);
    if (!repo) return repo.error();
    // One metadata round trip, plus the index when there is one: its weight_map says which
    // safetensors are the model (huggingface_hub and transformers load exactly those).
    std::optional<std::set<std::string>> indexed;
    const bool has_index =
        std::any_of(repo->files.begin(), repo->files.end(),
                    [](const HubFile& f) { return f.path == "model.safetensors.index.json"; });
    if (has_index) {
        auto index = hub_->file_json(id, repo->sha, "model.safetensors.index.json");
        if (!index) return index.error();
        indexed = index_weight_files(*index);
    }
    auto selection = select_files(repo->files, quant, filter, indexed);
    if (!selection) return selection.error();
    // A gated repo's metadata is public but its files are not: answer 401/403 now rather than
    // from an operation that fails at its first download (docs/API.md promises it). Without a
    // token the plan's own answer says enough; with one, one HEAD of the smallest chosen file
    // asks the Hub whether this token has access. Repos that are not gated cost nothing more.
    if (is_gated(repo->gated) && !selection->files.empty()) {
        if (!hub_->has_token()) {
            return hub_error(401, {{"x-error-code", "GatedRepo"}}, "", "model " + id, false);
        }
        const auto smallest =
            std::min_element(selection->files.begin(), selection->files.end(),
                             [](const HubFile& a, const HubFile& b) { return a.size < b.size; });
        if (auto access = hub_->check_download_access(id, repo->sha, smallest->path); !access) {
            return access.error();
        }
    }
    // Refused before the operation starts: the Hub does not serve such a file over plain HTTP,
    // so the download would fail after hours (see kHubMaxFileBytes).
    for (const HubFile& file : selection->files) {
        if (auto refused = check_hub_file_size(file.path, file.size); !refused) {
            return refused.error();
        }
    }
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : selection->files) {
        nlohmann::json file = {{"path", f.path}, {"size", f.size}, {"blob_id", f.blob_id}};
        if (f.sha256) file["sha256"] = *f.sha256;
        files.push_back(std::move(file));
    }
    InstallPlan plan;
    plan.size_gb = static_cast<double>(selection->total_bytes) / kBytesPerGb;
    plan.bytes = selection->total_bytes;
    plan.detail = {
        {"sha", repo->sha},
        {"main_weight", selection->main_weight},
        {"base_model", repo->base_model ? nlohmann::json(*repo->base_model) : nlohmann::json()},
        {"total_bytes", selection->total_bytes},
        {"files", std::move(files)}};
    return plan;
}

Result<std::vector<CatalogEntry>> HuggingFaceModelProvider::list_available(std::size_t limit) {
    return hub_->list(HubClient::Sort::downloads, "", limit, 1);
}

Result<std::vector<CatalogEntry>> HuggingFaceModelProvider::trending(std::size_t limit) {
    return hub_->list(HubClient::Sort::trending, "", limit, 1);
}

Result<std::vector<CatalogEntry>> HuggingFaceModelProvider::search(const std::string& query,
                                                                   std::size_t limit,
                                                                   std::size_t page) {
    return hub_->list(HubClient::Sort::downloads, query, limit, page);
}

Result<ModelMetadata> HuggingFaceModelProvider::install(const std::string& model, Runtime runtime,
                                                        const InstallFilter& filter,
                                                        OperationContext& context) {
    context.set_message("resolving " + split_quant(model).first);
    auto plan = plan_install(model, runtime, filter);
    if (!plan) return plan.error();
    return install_planned(model, runtime, filter, *plan, context);
}

Result<ModelMetadata> HuggingFaceModelProvider::install_planned(const std::string& model,
                                                                Runtime runtime,
                                                                const InstallFilter& filter,
                                                                const InstallPlan& plan,
                                                                OperationContext& context) {
    if (!plan.detail.is_object() || !plan.detail.contains("files")) {
        return install(model, runtime, filter, context);
    }
    // Not a structured binding: the failure lambda below captures it (C++20 forbids that).
    const std::string id = split_quant(model).first;
    auto folder = cache_.repo_folder(id);
    if (!folder) return folder.error();
    // The plan the quota check passed, not a second listing that could say something else.
    const std::string sha = plan.detail.value("sha", "");
    const std::string main_weight = plan.detail.value("main_weight", "");
    const uint64_t total = plan.detail.value("total_bytes", uint64_t{0});
    std::vector<HubFile> files;
    for (const auto& f : plan.detail["files"]) {
        HubFile file;
        file.path = f.value("path", "");
        file.size = f.value("size", uint64_t{0});
        file.blob_id = f.value("blob_id", "");
        if (f.contains("sha256")) file.sha256 = f["sha256"].get<std::string>();
        files.push_back(std::move(file));
    }
    if (!cache_.snapshot(*folder, sha)) {
        return invalid_upstream_id("sha", sha, "model " + id);
    }

    // Blobs this install brings into the cache: a failure that will not be resumed deletes them.
    std::set<std::string> created;
    auto fail = [&](Error e) -> Error {
        const bool resumable =
            e.code == "cancelled" || (e.code != "checksum_mismatch" && e.code != "storage_error" &&
                                      (e.http_status == 429 || e.http_status >= 502));
        HubCache::CleanOptions clean;
        clean.keep_partials = tuning_.shared_cache;
        if (resumable) {
            clean.partial_age = tuning_.partial_max_age;  // kept for a resume, within bounds
        } else {
            clean.unlinked_blobs = created;
        }
        const uint64_t freed = cache_.clean_repo(*folder, clean);
        trim_partials();
        // DELETE on the failed install answers with a clean-up, even when nothing is left.
        set_leftovers(id, true);
        logger("huggingface")
            ->info("install failed model={} resumable={} freed={} error=\"{}\"", model, resumable,
                   freed, e.message);
        return e;
    };

    // Every blob is downloaded and verified before anything is published in snapshots/.
    uint64_t done_before = 0;
    std::vector<HubCache::Published> published;
    std::string main_sha;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const HubFile& file = files[i];
        const std::string downloading = "downloading " + file.path + " (" + std::to_string(i + 1) +
                                        " of " + std::to_string(files.size()) + ")";
        context.set_message(downloading);
        auto blob = cache_.blob(*folder, file.etag());
        if (!blob) return fail(invalid_upstream_id("blob id", file.etag(), "model " + id));
        if (!safe_join(fs::path("snapshot"), file.path)) {
            return fail(invalid_upstream_id("rfilename", file.path, "model " + id));
        }
        std::error_code ec;
        if (fs::exists(*blob, ec)) {
            // In the shared cache already (another tool, another install): adopted only once
            // its bytes hash to what the Hub lists.
            context.set_message("hashing " + file.path + " found in the cache (" +
                                std::to_string(i + 1) + " of " + std::to_string(files.size()) +
                                ")");
            // Not while HF's tools hold the blob's lock (they may be replacing it).
            auto lock = BlobLock::acquire(cache_.lock_file(*folder, file.etag()),
                                          [&] { return context.cancelled(); });
            const BlobCheck check =
                !lock
                    ? BlobCheck::cancelled
                    : check_cached_blob(
                          *blob, {file.size, file.sha256, file.blob_id},
                          [&](uint64_t hashed) { context.set_bytes(done_before + hashed, total); },
                          [&] { return context.cancelled(); });
            lock.reset();  // download_blob() takes it again when the blob must be fetched
            if (check == BlobCheck::cancelled) {
                return fail(make_error(499, "cancelled", "install cancelled"));
            }
            if (check == BlobCheck::matches) {
                logger("huggingface")->info("adopted blob={} file={}", file.etag(), file.path);
                done_before += file.size;
                context.set_bytes(done_before, total);
                published.push_back({file.path, file.etag()});
                if (file.path == main_weight) main_sha = file.etag();
                continue;
            }
            logger("huggingface")
                ->warn("blob={} file={} in the cache does not match the Hub's hash: fetching it",
                       file.etag(), file.path);
            context.set_message("downloading " + file.path + " (" + std::to_string(i + 1) + " of " +
                                std::to_string(files.size()) +
                                "; the copy in the cache did not match)");
        }
        created.insert(file.etag());
        BlobDownload target{hub_->resolve_url(id, sha, file.path),
                            *blob,
                            {file.size, file.sha256, file.blob_id},
                            cache_.lock_file(*folder, file.etag())};
        DownloadOptions options;
        options.headers_for = [this](const std::string& url) {
            return hub_->auth_headers_for(url);
        };
        options.on_bytes = [&](uint64_t file_done) {
            context.set_bytes(done_before + file_done, total);
        };
        options.cancelled = [&] { return context.cancelled(); };
        options.on_wait = [&](const std::string& why) {
            context.set_message(why.empty() ? downloading : downloading + ": " + why);
        };
        options.max_attempts = tuning_.max_attempts;
        options.first_backoff = tuning_.first_backoff;
        options.stall_timeout = tuning_.stall_timeout;
        options.what = "model " + id;
        options.have_token = hub_->has_token();
        auto downloaded = download_blob(target, options);
        if (!downloaded) {
            Error e = downloaded.error();
            e.message = file.path + ": " + e.message;
            return fail(e);
        }
        done_before += file.size;
        context.set_bytes(done_before, total);
        published.push_back({file.path, file.etag()});
        if (file.path == main_weight) main_sha = file.etag();
    }
    context.set_message("publishing snapshot " + sha.substr(0, 12));
    if (auto ok = cache_.publish(*folder, sha, published); !ok) return fail(ok.error());
    set_leftovers(id, false);

    const fs::path snapshot = fs::absolute(*cache_.snapshot(*folder, sha));
    ModelMetadata meta;
    meta.name = model;
    meta.provider = "huggingface";
    meta.display_name = id.substr(id.find('/') + 1);
    meta.size_gb = gb(total);
    meta.status = "installed";
    meta.capabilities = capabilities_from_snapshot(snapshot, main_weight);
    meta.local_path = snapshot.string();
    meta.sha256 = main_sha;
    meta.installed_at = format_rfc3339(clock_.now());
    meta.runtime = std::string(to_string(runtime));
    meta.extra["revision"] = sha;
    meta.extra["main_weight"] = main_weight;
    if (auto base = plan.detail.find("base_model");
        base != plan.detail.end() && base->is_string()) {
        meta.extra["base_model"] = *base;
    }
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& f : files) paths.push_back(f.path);
    meta.extra["files"] = paths;
    logger("huggingface")->info("installed model={} revision={} bytes={}", model, sha, total);
    scan_task_.trigger();
    return meta;
}

namespace {

// Every file of a snapshot, as paths relative to it (links followed: a link to a blob is a file).
std::vector<std::string> files_in(const fs::path& snapshot) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(snapshot, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e;
        if (!it->is_directory(e)) out.push_back(it->path().lexically_relative(snapshot).string());
    }
    return out;
}

}  // namespace

Result<void> HuggingFaceModelProvider::remove(const ModelMetadata& model,
                                              const std::vector<ModelMetadata>& others,
                                              OperationContext& context) {
    auto [id, quant] = split_quant(model.name);
    auto folder = cache_.repo_folder(id);
    if (!folder) return folder.error();
    context.set_message("deleting " + folder->filename().string());
    const std::string revision = model.extra.value("revision", "");
    // Files another install of the same repository and revision links stay.
    std::set<std::string> shared;
    for (const auto& other : others) {
        if (other.provider != "huggingface" || split_quant(other.name).first != id ||
            other.extra.value("revision", "") != revision) {
            continue;
        }
        for (const auto& p : other.extra.value("files", nlohmann::json::array())) {
            if (p.is_string()) shared.insert(p.get<std::string>());
        }
    }
    std::vector<std::string> paths;
    for (const auto& p : model.extra.value("files", nlohmann::json::array())) {
        if (p.is_string() && !shared.count(p.get<std::string>())) paths.push_back(p);
    }
    std::string commit = revision;
    if (!revision.empty() && !model.extra.contains("files") && shared.empty()) {
        // Found in the shared cache (another tool downloaded it): the snapshot of its revision,
        // every file in it.
        auto snap = cache_.snapshot(*folder, revision);
        if (!snap) return snap.error();
        paths = files_in(*snap);
    } else if (revision.empty() && shared.empty()) {
        // An entry from before file lists owns its snapshot, every file in it; not the repo
        // folder, which in a shared cache holds other tools' revisions and downloads.
        const fs::path snap = model.local_path ? fs::path(*model.local_path) : fs::path();
        std::error_code ec;
        if (snap.empty() || snap.parent_path() != fs::absolute(*folder) / "snapshots") {
            // Not in this cache (one from before HF_HUB_CACHE/HF_HOME moved it): venomd's own.
            const fs::path old = snap.parent_path().parent_path();
            if (!snap.empty() && old.filename().string().rfind("models--", 0) == 0) {
                fs::remove_all(old, ec);
            }
            if (ec) return make_error(500, "storage_error", "cannot remove " + old.string());
            return {};
        }
        commit = snap.filename().string();
        paths = files_in(snap);
    }
    auto freed = cache_.remove(*folder, commit, paths);
    if (!freed) return freed.error();
    logger("huggingface")
        ->info("removed model={} revision={} freed={}", model.name, commit, *freed);
    scan_task_.trigger();
    return {};
}

Result<ModelCapabilities> HuggingFaceModelProvider::capabilities(const std::string& model) {
    auto activated = activate(model);
    if (!activated) return activated.error();
    return activated->capabilities;
}

Result<ModelMetadata> HuggingFaceModelProvider::activate(const std::string& model) {
    // vLLM serves from the snapshot: the model must be installed here.
    auto [id, quant] = split_quant(model);
    auto folder = cache_.repo_folder(id);
    if (!folder) return folder.error();
    std::ifstream ref(*folder / "refs" / "main");
    std::string commit;
    ref >> commit;
    auto snapshot_path = cache_.snapshot(*folder, commit);
    const fs::path snapshot = snapshot_path ? *snapshot_path : fs::path();
    std::error_code ec;
    if (!snapshot_path || !fs::is_directory(snapshot, ec)) {
        return make_error(400, "model_not_available",
                          "Model " + model + " is not installed; install it first");
    }
    ModelMetadata meta;
    meta.name = model;
    meta.provider = "huggingface";
    meta.display_name = id.substr(id.find('/') + 1);
    meta.runtime = std::string(to_string(Runtime::vllm));
    meta.local_path = fs::absolute(snapshot).string();
    std::string weight;
    for (const auto& entry : fs::directory_iterator(snapshot, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) weight = name;
    }
    meta.capabilities = capabilities_from_snapshot(snapshot, weight);
    return meta;
}

bool HuggingFaceModelProvider::files_present(const ModelMetadata& model) const {
    auto folder = cache_.repo_folder(split_quant(model.name).first);
    if (!folder) return false;
    const std::string revision = model.extra.value("revision", "");
    std::vector<std::string> paths;
    for (const auto& p : model.extra.value("files", nlohmann::json::array())) {
        if (p.is_string()) paths.push_back(p.get<std::string>());
    }
    std::error_code ec;
    if (revision.empty()) {  // an entry from before file lists: its folder at least
        return model.local_path ? fs::exists(*model.local_path, ec) : fs::exists(*folder, ec);
    }
    return cache_.snapshot_complete(*folder, revision, paths);
}

void HuggingFaceModelProvider::collect_garbage(const std::vector<ModelMetadata>& installed) {
    uint64_t freed = 0;
    for (const auto& folder : cache_.repo_folders()) {
        const std::string id = repo_id_of(folder);
        std::set<std::string> known;
        for (const auto& m : installed) {
            if (m.provider == "huggingface" && split_quant(m.name).first == id) {
                known.insert(m.extra.value("revision", ""));
            }
        }
        HubCache::CleanOptions clean;
        clean.partial_age = tuning_.partial_max_age;
        clean.keep_partials = tuning_.shared_cache;
        clean.known_commits = known;
        freed += cache_.clean_repo(folder, clean);
    }
    trim_partials();
    for (const auto& folder : cache_.repo_folders()) {
        // What is left of a repo the manifest does not know, other than complete snapshots
        // (e.g. kept partial files), is a failed install DELETE may clean.
        const std::string id = repo_id_of(folder);
        const bool recorded = std::any_of(installed.begin(), installed.end(), [&](const auto& m) {
            return m.provider == "huggingface" && split_quant(m.name).first == id;
        });
        if (!recorded && !cache_.partials_in(folder).empty()) set_leftovers(id, true);
    }
    if (freed > 0) logger("huggingface")->info("start-up cleanup freed={}", freed);
    rescan_cache();  // before the first request, so GET /models lists the cache at once
}

void HuggingFaceModelProvider::trim_partials() {
    if (tuning_.shared_cache) return;
    const auto now = fs::file_time_type::clock::now();
    auto partials = cache_.partials();
    uint64_t total = 0;
    for (const auto& p : partials) total += p.bytes;
    for (const auto& p : partials) {  // oldest first
        if (now - p.modified < tuning_.partial_max_age && total <= tuning_.partial_max_bytes) {
            break;
        }
        total -= cache_.delete_partial(p);
    }
}

void HuggingFaceModelProvider::set_leftovers(const std::string& repo_id, bool present) {
    std::lock_guard lock(leftovers_mutex_);
    if (present) {
        leftovers_.insert(repo_id);
    } else {
        leftovers_.erase(repo_id);
    }
}

bool HuggingFaceModelProvider::has_leftovers(const std::string& name) const {
    std::lock_guard lock(leftovers_mutex_);
    return leftovers_.count(split_quant(name).first) > 0;
}

Result<void> HuggingFaceModelProvider::remove_leftovers(const std::string& name,
                                                        const std::vector<ModelMetadata>& installed,
                                                        OperationContext& context) {
    const std::string id = split_quant(name).first;
    auto folder = cache_.repo_folder(id);
    if (!folder) return folder.error();
    context.set_message("deleting what a failed install of " + name + " left");
    std::set<std::string> known;
    for (const auto& m : installed) {
        if (m.provider == "huggingface" && split_quant(m.name).first == id) {
            known.insert(m.extra.value("revision", ""));
        }
    }
    HubCache::CleanOptions clean;
    clean.known_commits = known;
    clean.every_unlinked_blob = known.empty();
    const uint64_t freed = cache_.clean_repo(*folder, clean);
    std::error_code ec;
    set_leftovers(id, !known.empty()
                          ? false
                          : fs::exists(*folder, ec) && !cache_.partials_in(*folder).empty());
    logger("huggingface")->info("removed leftovers model={} freed={}", name, freed);
    return {};
}

}  // namespace venom::providers

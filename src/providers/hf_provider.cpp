#include "providers/hf_provider.hpp"

#include <cmath>
#include <fstream>
#include <regex>
#include <set>

#include "providers/hf_capabilities.hpp"
#include "providers/hf_file_selection.hpp"
#include "venom/logging.hpp"
#include "venom/storage_quota.hpp"

namespace venom::providers {
namespace {

namespace fs = std::filesystem;

// Four decimals: small models (tests, tiny checkpoints) still show a size above zero.
double gb(uint64_t bytes) {
    return std::round(static_cast<double>(bytes) / kBytesPerGb * 10000.0) / 10000.0;
}

}  // namespace

std::pair<std::string, std::optional<std::string>> split_quant(const std::string& name) {
    const auto colon = name.find(':');
    if (colon == std::string::npos) return {name, std::nullopt};
    return {name.substr(0, colon), name.substr(colon + 1)};
}

HuggingFaceModelProvider::HuggingFaceModelProvider(std::shared_ptr<HubClient> hub,
                                                   fs::path models_dir, const Clock& clock,
                                                   Tuning tuning)
    : hub_(std::move(hub)), cache_(std::move(models_dir)), clock_(clock), tuning_(tuning) {}

Result<void> HuggingFaceModelProvider::validate_install(const std::string& model,
                                                        const std::string& runtime) const {
    if (runtime != "vllm") {
        return make_error(400, "invalid_runtime",
                          "Hugging Face models run on runtime 'vllm', not '" + runtime + "'");
    }
    static const std::regex repo_id(R"(^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)?$)");
    if (!std::regex_match(model, repo_id)) {
        return make_error(400, "invalid_model_name",
                          "Hugging Face models are named org/model (a GGUF quant may follow as "
                          "org/model:Q4_K_M); '" + model + "' is not");
    }
    return {};
}

Result<ModelProvider::InstallPlan> HuggingFaceModelProvider::plan_install(
    const std::string& model, const std::string&, const InstallFilter& filter) {
    auto [id, quant] = split_quant(model);
    auto repo = hub_->repo(id);
    if (!repo) return repo.error();
    auto selection = select_files(repo->files, quant, filter);
    if (!selection) return selection.error();
    return InstallPlan{static_cast<double>(selection->total_bytes) / kBytesPerGb};
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

Result<ModelMetadata> HuggingFaceModelProvider::install(const std::string& model,
                                                        const std::string& runtime,
                                                        const InstallFilter& filter,
                                                        OperationContext& context) {
    auto [id, quant] = split_quant(model);
    context.set_message("resolving " + id);
    auto repo = hub_->repo(id);
    if (!repo) return repo.error();
    auto selection = select_files(repo->files, quant, filter);
    if (!selection) return selection.error();
    auto folder = cache_.repo_folder(id);
    if (!folder) return folder.error();

    // Every blob is downloaded and verified before anything is published in snapshots/.
    uint64_t done_before = 0;
    std::vector<HubCache::Published> published;
    std::string main_sha;
    const auto& files = selection->files;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const HubFile& file = files[i];
        context.set_message("downloading " + file.path + " (" + std::to_string(i + 1) + " of " +
                            std::to_string(files.size()) + ")");
        BlobDownload target{hub_->resolve_url(id, repo->sha, file.path),
                            cache_.blob(*folder, file.etag()), file.size, file.sha256,
                            file.blob_id};
        DownloadOptions options;
        options.headers_for = [this](const std::string& url) { return hub_->auth_headers_for(url); };
        options.on_bytes = [&](uint64_t file_done) {
            context.set_bytes(done_before + file_done, selection->total_bytes);
        };
        options.cancelled = [&] { return context.cancelled(); };
        options.max_attempts = tuning_.max_attempts;
        options.first_backoff = tuning_.first_backoff;
        options.stall_timeout = tuning_.stall_timeout;
        options.what = "model " + id;
        options.have_token = hub_->has_token();
        auto downloaded = download_blob(target, options);
        if (!downloaded) {
            Error e = downloaded.error();
            e.message = file.path + ": " + e.message;
            return e;
        }
        done_before += file.size;
        context.set_bytes(done_before, selection->total_bytes);
        published.push_back({file.path, file.etag()});
        if (file.path == selection->main_weight) main_sha = file.etag();
    }
    context.set_message("publishing snapshot " + repo->sha.substr(0, 12));
    if (auto ok = cache_.publish(*folder, repo->sha, published); !ok) return ok.error();

    const fs::path snapshot = fs::absolute(cache_.snapshot(*folder, repo->sha));
    ModelMetadata meta;
    meta.name = model;
    meta.provider = "huggingface";
    meta.display_name = id.substr(id.find('/') + 1);
    meta.size_gb = gb(selection->total_bytes);
    meta.status = "installed";
    meta.capabilities = capabilities_from_snapshot(snapshot, selection->main_weight);
    meta.local_path = snapshot.string();
    meta.sha256 = main_sha;
    meta.installed_at = format_rfc3339(clock_.now());
    meta.runtime = runtime;
    meta.extra["revision"] = repo->sha;
    meta.extra["main_weight"] = selection->main_weight;
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& f : files) paths.push_back(f.path);
    meta.extra["files"] = paths;
    logger("huggingface")->info("installed model={} revision={} bytes={}", model, repo->sha,
                                selection->total_bytes);
    return meta;
}

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
    if (revision.empty() && shared.empty()) {
        std::error_code ec;
        fs::remove_all(*folder, ec);  // an entry without a file list owns the whole folder
        if (ec) return make_error(500, "storage_error", "cannot remove " + folder->string());
        return {};
    }
    return cache_.remove(*folder, revision, paths);
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
    const fs::path snapshot = cache_.snapshot(*folder, commit);
    std::error_code ec;
    if (commit.empty() || !fs::is_directory(snapshot, ec)) {
        return make_error(400, "model_not_available",
                          "Model " + model + " is not installed; install it first");
    }
    ModelMetadata meta;
    meta.name = model;
    meta.provider = "huggingface";
    meta.display_name = id.substr(id.find('/') + 1);
    meta.runtime = "vllm";
    meta.local_path = fs::absolute(snapshot).string();
    std::string weight;
    for (const auto& entry : fs::directory_iterator(snapshot, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) weight = name;
    }
    meta.capabilities = capabilities_from_snapshot(snapshot, weight);
    return meta;
}

}  // namespace venom::providers

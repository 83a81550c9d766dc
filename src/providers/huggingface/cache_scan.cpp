#include "providers/huggingface/cache_scan.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "providers/huggingface/capabilities.hpp"
#include "venom/runtime.hpp"
#include "venom/storage_quota.hpp"

namespace venom::providers {
namespace fs = std::filesystem;

namespace {

// The weight a runtime loads: a GGUF file when there is one (the snapshot of a quant repo),
// else the first safetensors file, else any weight, in path order so the answer is stable.
std::string main_weight_of(const std::vector<std::string>& weights) {
    for (const char* ext : {".gguf", ".safetensors", ""}) {
        for (const auto& w : weights) {
            if (w.find(ext) != std::string::npos) return w;
        }
    }
    return {};
}

}  // namespace

std::vector<ModelMetadata> scan_hub_cache(const HubCache& cache,
                                          const std::vector<ModelMetadata>& previous) {
    std::vector<ModelMetadata> out;
    for (const auto& folder : cache.repo_folders()) {
        // huggingface_hub utils/_cache_manager.py (scan_cache_dir): refs/<name> holds the
        // commit of a revision; snapshots/<commit>/<path> links to ../../blobs/<etag>.
        std::ifstream ref(folder / "refs" / "main");
        std::string commit;
        ref >> commit;
        auto snapshot = cache.snapshot(folder, commit);
        std::error_code ec;
        if (!snapshot || !fs::is_directory(*snapshot, ec)) continue;
        std::vector<std::string> weights;
        uint64_t bytes = 0, files = 0;
        for (auto it = fs::recursive_directory_iterator(*snapshot, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code e;
            if (!it->is_regular_file(e)) continue;  // follows links; a dangling one is no file
            bytes += static_cast<uint64_t>(fs::file_size(it->path(), e));
            ++files;
            const std::string path = it->path().lexically_relative(*snapshot).string();
            if (is_weight_path(path)) weights.push_back(path);
        }
        if (weights.empty()) continue;
        std::sort(weights.begin(), weights.end());
        const std::string id = repo_id_of(folder);
        ModelMetadata meta;
        meta.name = id;
        meta.provider = "huggingface";
        meta.display_name = id.substr(id.find('/') + 1);
        meta.size_gb = std::round(static_cast<double>(bytes) / kBytesPerGb * 10000.0) / 10000.0;
        meta.status = "installed";
        meta.runtime = std::string(to_string(Runtime::vllm));
        const std::string weight = main_weight_of(weights);
        meta.local_path = fs::absolute(*snapshot).string();
        // What the capabilities were read from: unchanged, they are not read again.
        const std::string seen = weight + "|" + std::to_string(files) + "|" + std::to_string(bytes);
        meta.extra["scanned"] = seen;
        const auto before = std::find_if(previous.begin(), previous.end(), [&](const auto& p) {
            return p.local_path == meta.local_path && p.extra.value("scanned", "") == seen;
        });
        if (before != previous.end()) {
            meta.capabilities = before->capabilities;
        } else {
            try {
                meta.capabilities = capabilities_from_snapshot(*snapshot, weight);
            } catch (const std::exception&) {
                // Files any tool wrote: one a reader cannot take leaves the defaults, listed
                // all the same.
            }
        }
        meta.extra["revision"] = commit;
        // What vllm_launch_for judges: a GGUF here is refused on vLLM with a clear 400.
        meta.extra["main_weight"] = weight;
        meta.extra["verified"] = false;
        out.push_back(std::move(meta));
    }
    return out;
}

}  // namespace venom::providers

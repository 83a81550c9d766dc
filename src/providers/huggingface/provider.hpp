#pragma once
// HuggingFaceModelProvider: finds models on the Hub and installs them into the Hub's own cache
// layout, verified and resumable, where vLLM and transformers use them as they are.

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "providers/huggingface/cache.hpp"
#include "providers/huggingface/downloader.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "venom/clock.hpp"
#include "venom/model_provider.hpp"
#include "venom/periodic_task.hpp"

namespace venom::providers {

class HuggingFaceModelProvider : public ModelProvider {
public:
    struct Tuning {
        int max_attempts = 5;
        std::chrono::milliseconds first_backoff{1000};
        std::chrono::milliseconds stall_timeout{60000};
        // Partial (.incomplete) files kept for a resume after a failure that may pass (network,
        // cancel): deleted once older than this, or oldest first when all of them exceed
        // partial_max_bytes. Other failures delete them at once.
        std::chrono::seconds partial_max_age{24 * 3600};
        uint64_t partial_max_bytes = 20ull << 30;
        // The cache root came from HF_HUB_CACHE/HF_HOME: other tools download there too, so no
        // .incomplete file is deleted on age or size (whose it is cannot be told), only by an
        // explicit DELETE of a failed install. venomd's own are resumed by the next install.
        bool shared_cache = false;
        // How often the shared cache is scanned for repos other tools downloaded.
        std::chrono::milliseconds cache_scan_interval{30000};
    };

    // `cache_root`: the Hub cache shared with Hugging Face's tools (hub_cache_dir()).
    HuggingFaceModelProvider(std::shared_ptr<HubClient> hub, std::filesystem::path cache_root,
                             const Clock& clock, Tuning tuning);

    std::string name() const override { return "huggingface"; }
    Runtime default_runtime() const override { return Runtime::vllm; }
    Result<void> validate_install(const std::string& model, Runtime runtime) const override;
    Result<InstallPlan> plan_install(const std::string& model, Runtime runtime,
                                     const InstallFilter& filter) override;
    Result<std::vector<CatalogEntry>> list_available(std::size_t limit) override;
    Result<std::vector<CatalogEntry>> trending(std::size_t limit) override;
    Result<std::vector<CatalogEntry>> search(const std::string& query, std::size_t limit,
                                             std::size_t page) override;
    Result<ModelMetadata> install(const std::string& model, Runtime runtime,
                                  const InstallFilter& filter, OperationContext& context) override;
    Result<ModelMetadata> install_planned(const std::string& model, Runtime runtime,
                                          const InstallFilter& filter, const InstallPlan& plan,
                                          OperationContext& context) override;
    bool files_present(const ModelMetadata& model) const override;
    void collect_garbage(const std::vector<ModelMetadata>& installed) override;
    bool has_leftovers(const std::string& name) const override;
    Result<void> remove_leftovers(const std::string& name,
                                  const std::vector<ModelMetadata>& installed,
                                  OperationContext& context) override;
    Result<void> remove(const ModelMetadata& model, const std::vector<ModelMetadata>& others,
                        OperationContext& context) override;
    Result<ModelCapabilities> capabilities(const std::string& model) override;
    Result<ModelMetadata> activate(const std::string& model) override;
    // Repos of the shared cache (scan_hub_cache()), from the last scan; no I/O.
    std::vector<ModelMetadata> known_models() const override;
    std::uint64_t known_models_version() const override { return known_version_.load(); }

    // Starts / stops the background scan of the shared cache; rescan_cache() runs it now
    // (blocking: workers only).
    void start();
    void stop();
    void rescan_cache();

private:
    // Deletes .incomplete files past the age, then the oldest until the rest fit the bound.
    void trim_partials();
    void set_leftovers(const std::string& repo_id, bool present);

    std::shared_ptr<HubClient> hub_;
    HubCache cache_;
    const Clock& clock_;
    Tuning tuning_;
    mutable std::mutex leftovers_mutex_;
    std::set<std::string> leftovers_;  // repo ids with files of a failed install on disk
    mutable std::mutex scanned_mutex_;
    std::vector<ModelMetadata> scanned_;           // guarded by scanned_mutex_
    std::atomic<std::uint64_t> known_version_{0};  // bumped with every new scanned_
    PeriodicTask scan_task_;
};

// "org/model:Q4_K_M" -> {"org/model", "Q4_K_M"}. Pure.
std::pair<std::string, std::optional<std::string>> split_quant(const std::string& name);

}  // namespace venom::providers

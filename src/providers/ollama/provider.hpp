#pragma once
// OllamaModelProvider: installs, removes and inspects models through the Ollama server's HTTP
// API (so a remote OLLAMA_HOST works), and keeps an inventory of what Ollama has, refreshed in
// the background so requests never wait on Ollama for it.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/ollama/client.hpp"
#include "venom/clock.hpp"
#include "venom/model_provider.hpp"
#include "venom/periodic_task.hpp"

namespace venom::providers {

class OllamaLibrary;

class OllamaModelProvider : public ModelProvider {
public:
    OllamaModelProvider(std::shared_ptr<OllamaClient> client,
                        std::shared_ptr<OllamaLibrary> library, const Clock& clock,
                        std::chrono::milliseconds inventory_interval);
    ~OllamaModelProvider() override;

    std::string name() const override { return "ollama"; }
    Runtime default_runtime() const override { return Runtime::ollama; }
    std::string canonical_name(const std::string& model) const override;
    bool same_model(const std::string& a, const std::string& b) const override;
    Result<void> validate_install(const std::string& model, Runtime runtime) const override;
    Result<std::vector<CatalogEntry>> list_available(std::size_t limit) override;
    Result<std::vector<CatalogEntry>> trending(std::size_t limit) override;
    Result<std::vector<CatalogEntry>> search(const std::string& query, std::size_t limit,
                                             std::size_t page) override;
    Result<ModelMetadata> activate(const std::string& model) override;
    Result<ModelMetadata> install(const std::string& model, Runtime runtime,
                                  const InstallFilter& filter, OperationContext& context) override;
    Result<void> remove(const ModelMetadata& model, const std::vector<ModelMetadata>& others,
                        OperationContext& context) override;
    Result<ModelCapabilities> capabilities(const std::string& model) override;
    std::vector<ModelMetadata> known_models() const override;
    std::uint64_t known_models_version() const override { return known_version_.load(); }

    // The request options activate() loads `model` with (the tuning drawer's saved values as
    // Ollama names them); empty: none. Call before serving.
    using LoadOptions = std::function<nlohmann::json(const std::string& model)>;
    void set_load_options(LoadOptions options) { load_options_ = std::move(options); }

    // Starts / stops the background inventory refresh; refresh_inventory() runs it now
    // (blocking: workers only).
    void start();
    void stop();
    void refresh_inventory();

private:
    ModelMetadata to_metadata(const OllamaModel& model) const;

    std::shared_ptr<OllamaClient> client_;
    std::shared_ptr<OllamaLibrary> library_;
    const Clock& clock_;
    mutable std::mutex mutex_;  // guards inventory_
    std::vector<OllamaModel> inventory_;
    std::atomic<std::uint64_t> known_version_{0};  // bumped with every new inventory_
    PeriodicTask inventory_task_;
    LoadOptions load_options_;
};

}  // namespace venom::providers

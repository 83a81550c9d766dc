#include "venom/model_registry.hpp"

#include <algorithm>

#include "venom/logging.hpp"
#include "venom/model_name.hpp"

namespace venom {

nlohmann::json to_json(const CatalogEntry& e) {
    auto nullable = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    return {{"provider", e.provider},     {"model_name", e.model_name},
            {"display_name", e.display_name}, {"size_gb", nullable(e.size_gb)},
            {"runtime", e.runtime},       {"tags", e.tags},
            {"downloads", nullable(e.downloads)}, {"likes", nullable(e.likes)}};
}

ModelRegistry::ModelRegistry(ManifestStore& manifest, OperationQueue& operations,
                             QuotaLimits quota, StorageSource storage)
    : manifest_(manifest), operations_(operations), quota_(quota), storage_(std::move(storage)) {}

void ModelRegistry::add_provider(std::shared_ptr<ModelProvider> provider) {
    std::lock_guard lock(mutex_);
    providers_[provider->name()] = std::move(provider);
}

std::vector<ModelMetadata> ModelRegistry::list_installed() const { return manifest_.models(); }

Result<std::shared_ptr<ModelProvider>> ModelRegistry::provider_for(const std::string& name) const {
    const auto& known = known_providers();
    {
        std::lock_guard lock(mutex_);
        if (auto it = providers_.find(name); it != providers_.end()) return it->second;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
        return make_error(400, "unknown_provider",
                          "Unknown provider '" + name + "': use 'ollama' or 'huggingface'");
    }
    return make_error(501, "provider_unavailable",
                      "Provider '" + name + "' is not available in this build of venomd yet");
}

Result<std::string> ModelRegistry::install_model(const std::string& name,
                                                 const std::string& provider_name,
                                                 const std::optional<std::string>& runtime) {
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    auto provider = provider_for(provider_name);
    if (!provider) return provider.error();
    const std::string target_runtime = runtime.value_or((*provider)->default_runtime());
    if (auto valid = (*provider)->validate_install(name, target_runtime); !valid) {
        return valid.error();
    }
    if (manifest_.find(name)) {
        return make_error(409, "already_installed", "Model " + name + " is already installed");
    }
    if (auto fits = check_storage_quota(quota_.default_model_size_gb); !fits) return fits.error();

    auto work = [this, name, target_runtime,
                 provider = *provider](OperationContext& context) -> Result<std::string> {
        context.set_message("Installing " + name);
        auto installed = provider->install(name, target_runtime, context);
        if (!installed) return installed.error();
        if (auto recorded = manifest_.upsert(std::move(installed.value())); !recorded) {
            return recorded.error();
        }
        return "Model " + name + " installed";
    };
    return operations_.submit({name, provider_name, target_runtime, OperationType::install,
                               "Queued: install " + name},
                              std::move(work));
}

Result<std::string> ModelRegistry::remove_model(const std::string& name) {
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    auto model = manifest_.find(name);
    if (!model) {
        return make_error(404, "model_not_found", "Model " + name + " is not installed");
    }
    auto provider = provider_for(model->provider);
    if (!provider) return provider.error();

    auto work = [this, model = *model,
                 provider = *provider](OperationContext& context) -> Result<std::string> {
        context.set_message("Removing " + model.name);
        if (auto removed = provider->remove(model, context); !removed) return removed.error();
        // The entry goes only after the files are gone, so a failed removal still shows it.
        if (auto forgotten = manifest_.remove(model.name); !forgotten) return forgotten.error();
        return "Model " + model.name + " removed";
    };
    return operations_.submit({name, model->provider, model->runtime, OperationType::remove,
                               "Queued: remove " + name},
                              std::move(work));
}

std::optional<Operation> ModelRegistry::get_operation_status(const std::string& id) const {
    return operations_.get(id);
}

Result<ModelCapabilities> ModelRegistry::get_model_capabilities(const std::string& name) const {
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    auto model = manifest_.find(name);
    if (!model) {
        return make_error(404, "model_not_found", "Model " + name + " is not in the manifest");
    }
    return model->capabilities;
}

Result<void> ModelRegistry::check_storage_quota(double additional_gb) const {
    return venom::check_storage_quota(quota_, storage_(), additional_gb);
}

}  // namespace venom

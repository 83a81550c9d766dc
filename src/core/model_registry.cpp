#include "venom/model_registry.hpp"

#include <algorithm>

#include "venom/logging.hpp"
#include "venom/model_name.hpp"
#include "venom/vllm_launch.hpp"

namespace venom {

namespace {

// Cloud runtimes serve what their catalog lists; nothing is loaded or recorded here.
Error not_activatable(Runtime runtime) {
    return make_error(400, "invalid_runtime",
                      "Runtime '" + std::string(to_string(runtime)) +
                          "' has no models to activate here: use 'ollama' or 'vllm'");
}

}  // namespace

ModelRegistry::ModelRegistry(ManifestStore& manifest, OperationQueue& operations,
                             RuntimeLocks& locks, QuotaLimits quota, StorageSource storage,
                             RuntimeStateStore& runtime_state, const Clock& clock)
    : manifest_(manifest),
      operations_(operations),
      locks_(locks),
      quota_(quota),
      storage_(std::move(storage)),
      runtime_state_(runtime_state),
      clock_(clock) {}

void ModelRegistry::add_provider(std::shared_ptr<ModelProvider> provider) {
    std::lock_guard lock(mutex_);
    providers_[provider->name()] = std::move(provider);
}

std::vector<std::shared_ptr<ModelProvider>> ModelRegistry::providers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<ModelProvider>> out;
    for (const auto& [name, provider] : providers_) out.push_back(provider);
    return out;
}

std::vector<ModelMetadata> ModelRegistry::list_installed() const {
    return manifest_.models();
}

std::vector<ModelMetadata> ModelRegistry::list_unrecorded() const {
    std::vector<ModelMetadata> out;
    const std::vector<ModelMetadata> recorded = manifest_.models();
    for (const auto& provider : providers()) {
        for (auto& model : provider->known_models()) {
            if (manifest_.find(model.name)) continue;
            // The same files under another name (a Hub repo installed as org/name:QUANT).
            const bool same_files =
                model.local_path && std::any_of(recorded.begin(), recorded.end(), [&](auto& m) {
                    return m.provider == model.provider && m.local_path == model.local_path;
                });
            if (!same_files) out.push_back(std::move(model));
        }
    }
    return out;
}

Result<std::shared_ptr<ModelProvider>> ModelRegistry::find_provider(const std::string& name) const {
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

Result<std::string> ModelRegistry::install_model(const std::string& requested_name,
                                                 const std::string& provider_name,
                                                 const std::optional<Runtime>& runtime,
                                                 const InstallFilter& filter) {
    if (auto valid = validate_model_name(requested_name); !valid) return valid.error();
    auto provider = find_provider(provider_name);
    if (!provider) return provider.error();
    const std::string name = (*provider)->canonical_name(requested_name);
    // The provider's spelling may be longer (":latest"): the general rules hold for it too.
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    const Runtime target_runtime = runtime.value_or((*provider)->default_runtime());
    if (auto valid = (*provider)->validate_install(name, target_runtime); !valid) {
        return valid.error();
    }
    if (auto recorded = find_recorded(name); recorded && !files_missing(recorded->name)) {
        return make_error(409, "already_installed",
                          "Model " + recorded->name + " is already installed");
    }
    if (auto busy = operations_.unfinished_operation_for(name)) {
        return make_error(409, "model_busy",
                          "Model " + name + " already has an operation running: " + *busy);
    }
    auto plan = (*provider)->plan_install(name, target_runtime, filter);
    if (!plan) return plan.error();
    const double size_gb = plan->size_gb.value_or(quota_.default_model_size_gb);
    // Check and reserve at once: the bytes stay reserved until the install ends, so the next
    // install's check counts them (issue 9, finding 10).
    struct Reservation {
        std::shared_ptr<Reservations> table;
        uint64_t id = 0;
        void release() {
            std::lock_guard lock(table->mutex);
            table->bytes.erase(id);
        }
        ~Reservation() { release(); }
    };
    auto held = std::make_shared<Reservation>();
    held->table = reservations_;
    {
        std::lock_guard lock(reservations_->mutex);
        if (auto fits = check_storage_quota_locked(size_gb); !fits) return fits.error();
        held->id = reservations_->next++;
        reservations_->bytes[held->id] = plan->bytes.value_or(bytes_from_gb(size_gb));
    }

    auto work = [this, name, target_runtime, filter, plan = *plan, provider = *provider,
                 held](OperationContext& context) -> Result<std::string> {
        context.set_message("Installing " + name);
        auto installed = provider->install_planned(name, target_runtime, filter, plan, context);
        // The bytes are on disk now (counted before the reservation goes), or will not be.
        if (installed && storage_refresh_) storage_refresh_();
        held->release();
        if (!installed) return installed.error();
        if (auto recorded = manifest_.upsert(std::move(installed.value())); !recorded) {
            return recorded.error();
        }
        {
            std::lock_guard lock(mutex_);
            if (files_missing_.erase(name) > 0) ++files_missing_version_;
        }
        return "Model " + name + " installed";
    };
    return operations_.submit(
        {name, provider_name, target_runtime, OperationType::install, "Queued: install " + name},
        std::move(work));
}

bool ModelRegistry::designates(const std::string& name, const ModelMetadata& model) const {
    if (model.name == name) return true;
    auto provider = find_provider(model.provider);
    return provider && (*provider)->same_model(name, model.name);
}

std::optional<ModelMetadata> ModelRegistry::find_recorded(const std::string& name) const {
    if (auto exact = manifest_.find(name)) return exact;
    for (auto& model : manifest_.models()) {
        if (designates(name, model)) return model;
    }
    return std::nullopt;
}

Result<std::size_t> ModelRegistry::normalise_recorded_names() {
    auto renamed = manifest_.rename_models([this](const ModelMetadata& m) {
        auto provider = find_provider(m.provider);
        return provider ? (*provider)->canonical_name(m.name) : m.name;
    });
    if (renamed && *renamed > 0) {
        logger("registry")->info("manifest names normalised renamed={}", *renamed);
    }
    // The active model of runtime.json takes the same spelling, so GET /models marks it active.
    // vLLM is left alone: its served name is what its clients send.
    const RuntimeState state = runtime_state_.current();
    if (state.active_runtime && state.active_model && *state.active_runtime != Runtime::vllm) {
        for (const auto& provider : providers()) {
            if (provider->default_runtime() != *state.active_runtime) continue;
            const std::string name = provider->canonical_name(*state.active_model);
            if (name == *state.active_model) continue;
            if (auto saved = runtime_state_.set_active(*state.active_runtime, name); !saved) {
                return saved.error();
            }
        }
    }
    return renamed;
}

Result<std::string> ModelRegistry::remove_model(const std::string& name) {
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    auto model = find_recorded(name);
    if (!model) {
        // A model the upstream has but the manifest does not can be removed too.
        for (auto& unrecorded : list_unrecorded()) {
            if (designates(name, unrecorded)) model = std::move(unrecorded);
        }
    }
    if (!model) {
        // A failed install leaves no entry but may leave files: DELETE cleans them.
        for (const auto& provider : providers()) {
            if (!provider->has_leftovers(name)) continue;
            auto work = [this, name, provider](OperationContext& context) -> Result<std::string> {
                if (auto removed = provider->remove_leftovers(name, manifest_.models(), context);
                    !removed) {
                    return removed.error();
                }
                return "Removed what a failed install of " + name + " left";
            };
            return operations_.submit({name, provider->name(), provider->default_runtime(),
                                       OperationType::remove, "Queued: clean up " + name},
                                      std::move(work));
        }
        return make_error(404, "model_not_found", "Model " + name + " is not installed");
    }
    auto provider = find_provider(model->provider);
    if (!provider) return provider.error();
    // The lock the removal takes; an entry naming a runtime this version does not know (another
    // implementation's "onnx") is removed under its provider's runtime.
    const std::optional<Runtime> recorded_runtime = parse_runtime(model->runtime);
    const Runtime model_runtime = recorded_runtime.value_or((*provider)->default_runtime());
    const RuntimeState runtime = runtime_state_.current();
    if (recorded_runtime && runtime.active_runtime == recorded_runtime && runtime.active_model &&
        designates(*runtime.active_model, *model)) {
        return make_error(409, "model_active",
                          "Model " + name + " is the active model of runtime " + model->runtime +
                              "; activate another model first");
    }

    auto work = [this, model = *model,
                 provider = *provider](OperationContext& context) -> Result<std::string> {
        context.set_message("Removing " + model.name);
        std::vector<ModelMetadata> others = manifest_.models();
        std::erase_if(others, [&](const ModelMetadata& m) { return m.name == model.name; });
        if (auto removed = provider->remove(model, others, context); !removed) {
            return removed.error();
        }
        // The entry goes only after the files are gone, so a failed removal still shows it.
        auto forgotten = manifest_.remove(model.name);
        if (!forgotten && forgotten.error().http_status != 404) return forgotten.error();
        {
            std::lock_guard lock(mutex_);
            if (files_missing_.erase(model.name) > 0) ++files_missing_version_;
        }
        return "Model " + model.name + " removed";
    };
    const std::string recorded = model->name;
    return operations_.submit({recorded, model->provider, model_runtime, OperationType::remove,
                               "Queued: remove " + recorded},
                              std::move(work));
}

std::optional<Operation> ModelRegistry::get_operation_status(const std::string& id) const {
    return operations_.get(id);
}

Result<ModelCapabilities> ModelRegistry::get_model_capabilities(const std::string& name) const {
    auto model = find_model(name);
    if (!model) return model.error();
    return model->capabilities;
}

Result<ModelMetadata> ModelRegistry::find_model(const std::string& name) const {
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    if (auto model = find_recorded(name)) return *model;
    // What an upstream has without venomd having installed it (a repo `hf download` put in the
    // shared cache), as read at the provider's last scan.
    for (auto& m : list_unrecorded()) {
        if (m.name == name) return std::move(m);
    }
    return make_error(404, "model_not_found", "Model " + name + " is not in the manifest");
}

Result<void> ModelRegistry::check_storage_quota(double additional_gb) const {
    std::lock_guard lock(reservations_->mutex);
    return check_storage_quota_locked(additional_gb);
}

Result<void> ModelRegistry::check_storage_quota_locked(double additional_gb) const {
    StorageFacts facts = storage_();
    for (const auto& [id, bytes] : reservations_->bytes) facts.reserved_bytes += bytes;
    return venom::check_storage_quota(quota_, facts, additional_gb);
}

uint64_t ModelRegistry::reserved_bytes() const {
    std::lock_guard lock(reservations_->mutex);
    uint64_t total = 0;
    for (const auto& [id, bytes] : reservations_->bytes) total += bytes;
    return total;
}

std::vector<std::string> ModelRegistry::check_installed_files() {
    std::vector<std::string> warnings;
    std::set<std::string> missing;
    for (const auto& model : manifest_.models()) {
        auto provider = find_provider(model.provider);
        if (!provider || (*provider)->files_present(model)) continue;
        missing.insert(model.name);
        warnings.push_back("Model " + model.name +
                           " is in the manifest but its files are missing; reinstall or remove "
                           "it");
        logger("registry")->warn("files missing model={}", model.name);
    }
    std::lock_guard lock(mutex_);
    files_missing_ = std::move(missing);
    ++files_missing_version_;
    return warnings;
}

void ModelRegistry::collect_garbage() {
    const auto installed = manifest_.models();
    for (const auto& provider : providers()) provider->collect_garbage(installed);
}

std::uint64_t ModelRegistry::version() const {
    // A sum of counters that only grow changes whenever one of them does.
    std::uint64_t version = manifest_.version() + files_missing_version_.load();
    std::lock_guard lock(mutex_);  // not providers(): no copy of the list per polled request
    for (const auto& [name, provider] : providers_) version += provider->known_models_version();
    return version;
}

bool ModelRegistry::files_missing(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return files_missing_.count(name) > 0;
}

std::vector<std::string> ModelRegistry::models_with_missing_files() const {
    std::lock_guard lock(mutex_);
    return {files_missing_.begin(), files_missing_.end()};
}

Result<ModelMetadata> ModelRegistry::activate_model(const std::string& name, Runtime runtime) {
    // A bad request is told so before whether the runtime is busy.
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    if (!is_local(runtime)) return not_activatable(runtime);
    auto hold = locks_.try_acquire({runtime}, "activation of " + name);
    if (!hold) return hold.error();
    return activate_model(name, runtime, *hold);
}

Result<ModelMetadata> ModelRegistry::activate_model(const std::string& name, Runtime runtime,
                                                    const RuntimeLocks::Hold& hold) {
    if (!hold.holds(runtime)) {
        // A caller bug, not a client's: say so rather than activate without the lock.
        return make_error(
            500, "internal",
            "activation of " + name + " without holding " + std::string(to_string(runtime)));
    }
    if (auto valid = validate_model_name(name); !valid) return valid.error();
    if (!is_local(runtime)) return not_activatable(runtime);
    std::shared_ptr<ModelProvider> provider;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, p] : providers_) {
            if (p->default_runtime() == runtime) provider = p;
        }
    }
    if (!provider) {
        return make_error(
            501, "provider_unavailable",
            "Runtime '" + std::string(to_string(runtime)) + "' is not available in this build yet");
    }

    auto activated = provider->activate(provider->canonical_name(name));
    if (!activated) return activated.error();
    ModelMetadata model = std::move(activated.value());
    if (auto recorded = manifest_.find(model.name)) {
        model = *recorded;
    } else {
        model.installed_at = format_rfc3339(clock_.now());
        if (auto imported = manifest_.upsert(model); !imported) return imported.error();
        logger("registry")->info("imported model={} runtime={}", model.name, to_string(runtime));
    }
    // What vLLM is started with: the snapshot, or the one GGUF file in it.
    std::optional<std::string> path;
    if (runtime == Runtime::vllm) {
        auto launch = vllm_launch_for(model);
        path = launch ? std::optional(launch->model_path) : model.local_path;
    }
    if (auto saved = runtime_state_.set_active(runtime, model.name, path); !saved) {
        return saved.error();
    }
    logger("registry")->info("activated model={} runtime={}", model.name, to_string(runtime));
    return model;
}

}  // namespace venom

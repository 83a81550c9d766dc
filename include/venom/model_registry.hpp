#pragma once
// The C++ face of the spec's Python ModelRegistry: one object that knows what is installed
// (the manifest), runs installs and removals as operations, and enforces names and quota.
// The daemon is one user of it; tests and other programs may use it directly.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "venom/manifest_store.hpp"
#include "venom/model_provider.hpp"
#include "venom/operation_queue.hpp"
#include "venom/runtime.hpp"
#include "venom/runtime_locks.hpp"
#include "venom/runtime_state.hpp"
#include "venom/storage_quota.hpp"

namespace venom {

// Provider names clients may send, whether or not this build has them registered.
inline const std::vector<std::string>& known_providers() {
    static const std::vector<std::string> names = {"ollama", "huggingface"};
    return names;
}

class ModelRegistry {
public:
    using StorageSource = std::function<StorageFacts()>;

    // `locks` is the one RuntimeLocks the queue, the controller and the switcher share; an
    // activation holds its runtime's lock.
    ModelRegistry(ManifestStore& manifest, OperationQueue& operations, RuntimeLocks& locks,
                  QuotaLimits quota, StorageSource storage, RuntimeStateStore& runtime_state,
                  const Clock& clock);

    // Called on the operation worker when an install has written its files, before its
    // reservation is released, so the storage figures count them at once. Call before serving.
    void set_storage_refresh(std::function<void()> refresh) {
        storage_refresh_ = std::move(refresh);
    }
    // Registers a provider under provider->name(). Call before serving.
    void add_provider(std::shared_ptr<ModelProvider> provider);
    // The registered providers, in name order.
    std::vector<std::shared_ptr<ModelProvider>> providers() const;
    // 400 unknown_provider for a name that is none of known_providers(); 501
    // provider_unavailable for a known one this build does not have yet.
    Result<std::shared_ptr<ModelProvider>> find_provider(const std::string& name) const;

    // Thread-safe. Unless a method says BLOCKING, it does no disk or network I/O.

    std::vector<ModelMetadata> list_installed() const;

    // Models the providers have that the manifest does not (e.g. pulled with the ollama CLI),
    // from their last background refresh.
    std::vector<ModelMetadata> list_unrecorded() const;

    // Starts an install on `runtime` (nullopt: the provider's default); returns the operation
    // id. The operation holds the runtime's lock while it runs. 400 invalid_model_name /
    // unknown_provider / provider-specific reasons (invalid_runtime); 501 provider_unavailable
    // when the provider is known but not in this build; 409 already_installed or model_busy; 507
    // when the quota would be exceeded (with the real size when the provider can tell it). May
    // ask the upstream for the size: BLOCKING, call from a pool thread.
    Result<std::string> install_model(const std::string& name, const std::string& provider,
                                      const std::optional<Runtime>& runtime,
                                      const InstallFilter& filter = {});

    // Starts a removal; 400 invalid name, 404 model_not_found, 409 model_busy, 501 as above.
    Result<std::string> remove_model(const std::string& name);

    std::optional<Operation> get_operation_status(const std::string& operation_id) const;

    // From the manifest; 400 invalid name, 404 model_not_found.
    Result<ModelCapabilities> get_model_capabilities(const std::string& name) const;
    // The model `name` designates: its manifest entry (under the recorded spelling), else what
    // a provider has without venomd having installed it. 400 invalid name, 404 model_not_found.
    Result<ModelMetadata> find_model(const std::string& name) const;

    // Ok when `additional_gb` more fits MAX_STORAGE_GB and the free disk, counting what
    // installs in progress have reserved; 507 otherwise.
    Result<void> check_storage_quota(double additional_gb) const;
    // Bytes reserved by installs in progress (their plans), released when they end.
    uint64_t reserved_bytes() const;

    // At start, before serving. BLOCKING (disk): checks every manifest entry's files
    // (providers that keep files here) and remembers the entries whose files are gone; returns
    // one warning per such entry for /health.
    std::vector<std::string> check_installed_files();
    // At start, before serving: renames manifest entries to the spelling their provider uses
    // (canonical_name), merging entries that become one, e.g. "library/qwen3" and "qwen3" of an
    // older manifest into "qwen3:latest"; the active model in runtime.json too (not vLLM's).
    // BLOCKING (disk write when anything changed).
    Result<std::size_t> normalise_recorded_names();
    // Lets every provider delete what failed or interrupted installs left. BLOCKING (disk).
    void collect_garbage();
    // Entries recorded as installed whose files are missing (kill -9 during a removal): shown
    // with status "broken", and a reinstall may replace them. No I/O.
    bool files_missing(const std::string& name) const;
    // Changes whenever list_installed(), list_unrecorded() or files_missing() may answer
    // differently: for answers cached until then (GET /models). Thread-safe, no I/O.
    std::uint64_t version() const;
    std::vector<std::string> models_with_missing_files() const;

    // Makes `name` the active model of `runtime` (loading it, unloading the others), records
    // it in runtime.json and imports it into the manifest when the upstream has it but the
    // manifest does not, holding the runtime's lock meanwhile. BLOCKING (upstream calls): call
    // from a pool thread. 400 invalid name, invalid_runtime (a cloud runtime) or model not
    // available; 409 runtime_busy while anything else holds the runtime (an install, a removal,
    // a switch, a service action, another activation), naming it; 501 for runtimes no provider
    // serves yet. Thread-safe.
    Result<ModelMetadata> activate_model(const std::string& name, Runtime runtime);
    // The same for a caller that already holds `runtime` (a switch, which holds it from before it
    // stops anything until it ends): it takes no lock itself. 500 internal when `hold` does not
    // hold `runtime`.
    Result<ModelMetadata> activate_model(const std::string& name, Runtime runtime,
                                         const RuntimeLocks::Hold& hold);

private:
    // Whether `name`, as a client wrote it, designates `model`: the recorded spelling, or the
    // one its provider normalises `name` to.
    bool designates(const std::string& name, const ModelMetadata& model) const;
    // The manifest entry `name` designates.
    std::optional<ModelMetadata> find_recorded(const std::string& name) const;

    ManifestStore& manifest_;
    OperationQueue& operations_;
    RuntimeLocks& locks_;
    QuotaLimits quota_;
    StorageSource storage_;
    RuntimeStateStore& runtime_state_;
    const Clock& clock_;
    mutable std::mutex mutex_;  // guards providers_ and files_missing_
    std::map<std::string, std::shared_ptr<ModelProvider>> providers_;
    std::set<std::string> files_missing_;
    std::atomic<std::uint64_t> files_missing_version_{0};
    std::function<void()> storage_refresh_;
    // Install reservations (bytes by reservation id); the quota check and the reservation happen
    // under one lock so two installs cannot both pass on the same free space.
    // Shared with the queued work, which may outlive the registry at shutdown.
    struct Reservations {
        std::mutex mutex;
        std::map<uint64_t, uint64_t> bytes;  // by reservation id
        uint64_t next = 1;
    };
    std::shared_ptr<Reservations> reservations_ = std::make_shared<Reservations>();
    Result<void> check_storage_quota_locked(double additional_gb) const;
};

}  // namespace venom

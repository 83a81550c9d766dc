#pragma once
// What the outside world is to the daemon's parts (daemon/components.hpp): tests replace these.

#include <functional>
#include <memory>
#include <vector>

#include "venom/clock.hpp"
#include "venom/model_provider.hpp"
#include "venom/process_runner.hpp"
#include "venom/storage_quota.hpp"
#include "venom/usage_sampler.hpp"

namespace venom {

// What the outside world is to the daemon's parts; each unset port gets the production one.
struct ComponentPorts {
    const Clock* clock = nullptr;
    GpuProbe gpu_probe;  // default: nvidia-smi through `run_process`
    // Model providers; default: Ollama and the Hugging Face Hub at the configured URLs.
    std::vector<std::shared_ptr<ModelProvider>> providers;
    ProcessRunner run_process;  // service scripts and nvidia-smi; default: fork and exec
    // The disk figures the install quota checks; default: the usage sampler's.
    std::function<StorageFacts()> storage;
};

}  // namespace venom

#pragma once
// What handlers may use: references to the daemon's long-lived parts, wired by the daemon.

#include <string>
#include <vector>

#include "cloud/cloud_catalog.hpp"
#include "runtime/llm_server_controller.hpp"
#include "runtime/runtime_switcher.hpp"
#include "venom/blocking_pool.hpp"
#include "venom/config.hpp"
#include "venom/model_registry.hpp"
#include "venom/operation_queue.hpp"
#include "venom/runtime_state.hpp"
#include "venom/ttl_cache.hpp"
#include "venom/usage_sampler.hpp"

namespace venom::api {

using CatalogCache = TtlCache<std::vector<CatalogEntry>>;

struct Services {
    ModelRegistry& registry;
    OperationQueue& operations;
    UsageSampler& usage;
    RuntimeStateStore& runtime_state;
    BlockingPool& pool;      // blocking work a request needs (upstream calls)
    CatalogCache& catalog;  // catalog, trending and search answers
    runtime::LlmServerController& controller;
    runtime::RuntimeSwitcher& switcher;
    cloud::CloudCatalog& cloud;
    const Config& config;
    std::string version;
    std::vector<std::string> warnings;  // problems found at start-up, shown by /health
};

}  // namespace venom::api

#pragma once
// What a model source (Ollama, the Hugging Face Hub) must do for the registry. The Ollama and
// Hugging Face issues implement it; the registry only orchestrates.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "venom/model_types.hpp"
#include "venom/operation_queue.hpp"
#include "venom/result.hpp"
#include "venom/runtime.hpp"

namespace venom {

// One model a catalog offers (spec "List available models").
struct CatalogEntry {
    std::string provider;
    std::string model_name;
    std::string display_name;
    std::optional<double> size_gb;
    std::string runtime;
    std::vector<std::string> tags;
    std::optional<int64_t> downloads;
    std::optional<int64_t> likes;
    nlohmann::json gated = nullptr;  // false, "auto" or "manual" when the source says
};

// Glob patterns (fnmatch, e.g. "*.md", "original/*") an install request may add to, or take
// away from, the files a provider picks by default.
struct InstallFilter {
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    bool empty() const { return include.empty() && exclude.empty(); }
};

class ModelProvider {
public:
    virtual ~ModelProvider() = default;

    // "ollama" or "huggingface": the value clients send as `provider`.
    virtual std::string name() const = 0;
    // The runtime a model of this provider runs on when the client names none.
    virtual Runtime default_runtime() const = 0;

    // The spelling under which the upstream stores `name` (e.g. Ollama adds ":latest"), so the
    // manifest and the upstream's own list agree. Pure.
    virtual std::string canonical_name(const std::string& name) const { return name; }
    // Whether two names designate one model of this provider (Ollama also ignores case, as its
    // Name.EqualFold does). Pure.
    virtual bool same_model(const std::string& a, const std::string& b) const {
        return canonical_name(a) == canonical_name(b);
    }

    // Models the upstream has, from its last background refresh; no I/O. The registry shows
    // those missing from the manifest too, so the list reflects reality.
    virtual std::vector<ModelMetadata> known_models() const { return {}; }
    // Changes whenever known_models() may have (at every refresh). Thread-safe.
    virtual std::uint64_t known_models_version() const { return 0; }

    // Provider-specific rules for a name/runtime pair (e.g. Hub names are "org/model"); the
    // registry has already checked the general name rules. 400 with the reason. Pure.
    virtual Result<void> validate_install(const std::string& name, Runtime runtime) const = 0;

    // Blocking calls below run on operation workers, never on an I/O thread. They must return
    // soon after `context.cancelled()` turns true.

    // The catalog, at most `limit` entries. 502/504 when the upstream fails.
    virtual Result<std::vector<CatalogEntry>> list_available(std::size_t limit) = 0;
    // What is popular now, most popular first (not a copy of the catalog).
    virtual Result<std::vector<CatalogEntry>> trending(std::size_t limit) {
        (void)limit;
        return unsupported("trending");
    }
    // Catalog entries matching `query`, page `page` (from 1) of `limit` entries.
    virtual Result<std::vector<CatalogEntry>> search(const std::string& query, std::size_t limit,
                                                     std::size_t page) {
        (void)query, (void)limit, (void)page;
        return unsupported("search");
    }
    // Makes `name` the one model loaded on this provider's runtime; returns its manifest entry
    // (so a model the upstream has but the manifest lacks can be imported). 400 when the
    // upstream does not have it.
    virtual Result<ModelMetadata> activate(const std::string& name) {
        (void)name;
        return unsupported("activation");
    }
    // What an install would fetch, learned before anything is downloaded so the registry can
    // check the quota with the real size. May call the upstream (blocking). 400 when `filter`
    // is not empty and the provider has no files to filter.
    struct InstallPlan {
        std::optional<double> size_gb;  // nullopt: unknown, DEFAULT_MODEL_SIZE_GB is assumed
        // The exact bytes the install will write, when known (reserved in the quota until the
        // install ends).
        std::optional<uint64_t> bytes;
        // What the provider decided to fetch (e.g. the Hub commit and files with their sizes),
        // handed back to install_planned() so the install fetches what the quota check saw.
        nlohmann::json detail;
    };
    virtual Result<InstallPlan> plan_install(const std::string& name, Runtime runtime,
                                             const InstallFilter& filter) {
        (void)name, (void)runtime;
        if (!filter.empty()) {
            return make_error(
                400, "invalid_field",
                "include/exclude apply to providers that install files (huggingface)");
        }
        return InstallPlan{};
    }
    // Downloads the model, reporting real progress; returns the manifest entry to record.
    virtual Result<ModelMetadata> install(const std::string& name, Runtime runtime,
                                          const InstallFilter& filter,
                                          OperationContext& context) = 0;
    // Installs what `plan` (from plan_install() with the same arguments) describes, and not
    // what a second look at the upstream might show: the quota was checked on that plan, so a
    // file that grows past its planned size fails the install (issue 9, finding 10). The
    // default asks install(), for providers whose plan has no detail.
    virtual Result<ModelMetadata> install_planned(const std::string& name, Runtime runtime,
                                                  const InstallFilter& filter,
                                                  const InstallPlan& plan,
                                                  OperationContext& context) {
        (void)plan;
        return install(name, runtime, filter, context);
    }
    // False when `model` is recorded as installed but its files are gone (a kill -9 between
    // deleting them and writing the manifest). BLOCKING (disk). Providers whose files live in
    // their upstream (Ollama) answer true without asking it.
    virtual bool files_present(const ModelMetadata& model) const {
        (void)model;
        return true;
    }
    // At start, before serving: deletes what failed or interrupted installs left behind, given
    // what the manifest records. BLOCKING (disk).
    virtual void collect_garbage(const std::vector<ModelMetadata>& installed) { (void)installed; }
    // Whether a failed install of `name` left files behind that remove_leftovers() deletes.
    // No I/O. Thread-safe.
    virtual bool has_leftovers(const std::string& name) const {
        (void)name;
        return false;
    }
    // Deletes what a failed install of `name` left; `installed` is the manifest, whose files
    // stay. BLOCKING.
    virtual Result<void> remove_leftovers(const std::string& name,
                                          const std::vector<ModelMetadata>& installed,
                                          OperationContext& context) {
        (void)name, (void)installed, (void)context;
        return {};
    }
    // Deletes what install() created and none of `others` (the rest of the manifest) still
    // uses: two quants of one Hub repository share its config and tokenizer files.
    virtual Result<void> remove(const ModelMetadata& model,
                                const std::vector<ModelMetadata>& others,
                                OperationContext& context) = 0;
    // Capabilities as the upstream describes them.
    virtual Result<ModelCapabilities> capabilities(const std::string& name) = 0;

protected:
    Error unsupported(const std::string& what) const {
        return make_error(501, "not_supported", what + " is not supported by provider " + name());
    }
};

}  // namespace venom

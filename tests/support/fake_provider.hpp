#pragma once
// A scriptable ModelProvider for tests of the registry, handlers and daemon: install and remove
// can be held at a gate, fail with a chosen error, and report byte progress.

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "support/gate.hpp"
#include "venom/model_provider.hpp"

namespace venom::testing {

class FakeProvider : public ModelProvider {
public:
    explicit FakeProvider(std::string name = "ollama", Runtime runtime = Runtime::ollama)
        : name_(std::move(name)), runtime_(runtime) {}

    std::string name() const override { return name_; }
    Runtime default_runtime() const override { return runtime_; }

    Result<void> validate_install(const std::string& model, Runtime runtime) const override {
        if (runtime != runtime_) {
            return make_error(400, "invalid_runtime",
                              name_ + " models run on '" + std::string(to_string(runtime_)) +
                                  "', not '" + std::string(to_string(runtime)) + "'");
        }
        if (model.find("forbidden") != std::string::npos) {
            return make_error(400, "invalid_model_name", "forbidden by provider");
        }
        return {};
    }

    Result<std::vector<CatalogEntry>> list_available(std::size_t) override {
        if (catalog_hook) return catalog_hook("");
        return std::vector<CatalogEntry>{};
    }
    Result<std::vector<CatalogEntry>> search(const std::string& query, std::size_t,
                                             std::size_t) override {
        if (catalog_hook) return catalog_hook(query);
        return std::vector<CatalogEntry>{};
    }

    Result<ModelMetadata> install(const std::string& model, Runtime runtime, const InstallFilter&,
                                  OperationContext& ctx) override {
        ++installs;
        ctx.set_message("downloading");
        ctx.set_bytes(250, 1000);
        if (hold_installs) {
            at_gate = true;
            if (!gate.wait([&] { return ctx.cancelled(); })) {
                return make_error(499, "cancelled", "download stopped");
            }
        }
        if (install_error) return *install_error;
        ctx.set_bytes(1000, 1000);
        ModelMetadata m;
        m.name = model;
        m.provider = name_;
        m.display_name = model;
        m.runtime = std::string(to_string(runtime));
        m.size_gb = 1.5;
        m.installed_at = "2026-11-28T04:00:00.000Z";
        m.capabilities.max_context_length = 8192;
        return m;
    }

    Result<void> remove(const ModelMetadata&, const std::vector<ModelMetadata>&,
                        OperationContext&) override {
        ++removals;
        if (remove_error) return *remove_error;
        return {};
    }

    Result<ModelCapabilities> capabilities(const std::string&) override {
        return ModelCapabilities{};
    }

    Gate gate;
    std::atomic<bool> hold_installs{false};
    std::atomic<bool> at_gate{false};
    std::atomic<int> installs{0};
    std::atomic<int> removals{0};
    std::optional<Error> install_error;
    std::optional<Error> remove_error;
    // Runs for list_available and search when set (a slow or hanging upstream, in tests).
    std::function<Result<std::vector<CatalogEntry>>(const std::string& query)> catalog_hook;

private:
    std::string name_;
    Runtime runtime_;
};

}  // namespace venom::testing

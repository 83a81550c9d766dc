#include "providers/ollama_provider.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "providers/ollama_capabilities.hpp"
#include "providers/ollama_library.hpp"
#include "venom/logging.hpp"
#include "venom/storage_quota.hpp"
#include "venom/text.hpp"

namespace venom::providers {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }

// The phase a person should see for one pull status line.
std::string phase_message(const PullProgress& p, std::size_t layer, std::size_t layers) {
    if (p.digest && (p.status.rfind("pulling ", 0) == 0 ||
                     p.status.rfind("downloading ", 0) == 0)) {
        return "downloading " + p.status.substr(p.status.find(' ') + 1) + " (layer " +
               std::to_string(layer) + " of " + std::to_string(layers) + ")";
    }
    return p.status;
}

}  // namespace

OllamaModelProvider::OllamaModelProvider(std::shared_ptr<OllamaClient> client,
                                         std::shared_ptr<OllamaLibrary> library,
                                         const Clock& clock,
                                         std::chrono::milliseconds inventory_interval)
    : client_(std::move(client)),
      library_(std::move(library)),
      clock_(clock),
      inventory_task_(inventory_interval, [this] { refresh_inventory(); }) {}

OllamaModelProvider::~OllamaModelProvider() { stop(); }

void OllamaModelProvider::start() { inventory_task_.start(); }
void OllamaModelProvider::stop() { inventory_task_.stop(); }

void OllamaModelProvider::refresh_inventory() {
    auto models = client_->tags();
    if (!models) {
        logger("ollama")->debug("inventory refresh failed error=\"{}\"", models.error().message);
        return;  // keep the last known inventory: Ollama may be restarting
    }
    std::lock_guard lock(mutex_);
    inventory_ = std::move(models.value());
}

std::string OllamaModelProvider::canonical_name(const std::string& model) const {
    // Ollama stores "llama3" as "llama3:latest"; recording the same spelling keeps the manifest
    // and Ollama's own list from showing one model twice.
    const std::size_t last_segment = model.rfind('/') == std::string::npos ? 0 : model.rfind('/');
    if (model.find(':', last_segment) == std::string::npos) return model + ":latest";
    return model;
}

Result<void> OllamaModelProvider::validate_install(const std::string& model,
                                                   const std::string& runtime) const {
    if (runtime != "ollama") {
        return make_error(400, "invalid_runtime",
                          "Ollama models run on runtime 'ollama', not '" + runtime + "'");
    }
    const auto slashes = std::count(model.begin(), model.end(), '/');
    const bool hub_form = model.rfind("hf.co/", 0) == 0 || model.rfind("huggingface.co/", 0) == 0;
    if (slashes > 1 && !(hub_form && slashes == 2)) {
        return make_error(400, "invalid_model_name",
                          "Ollama names are model[:tag], namespace/model[:tag] or "
                          "hf.co/org/repo[:tag]; '" + model + "' is none of these");
    }
    if (hub_form && slashes != 2) {
        return make_error(400, "invalid_model_name", "hf.co names are hf.co/org/repo[:tag]");
    }
    const std::size_t colon = model.find(':');
    if (colon != std::string::npos &&
        (model.find(':', colon + 1) != std::string::npos || colon + 1 == model.size() ||
         model.find('/', colon) != std::string::npos)) {
        return make_error(400, "invalid_model_name",
                          "An Ollama tag is one ':' followed by the tag, at the end of the name");
    }
    return {};
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::list_available(std::size_t limit) {
    return library_->list(OllamaLibrary::Listing::catalog, "", limit);
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::trending(std::size_t limit) {
    return library_->list(OllamaLibrary::Listing::trending, "", limit);
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::search(const std::string& query,
                                                              std::size_t limit,
                                                              std::size_t page) {
    return library_->list(OllamaLibrary::Listing::search, query, limit, page);
}

Result<ModelMetadata> OllamaModelProvider::activate(const std::string& model) {
    auto models = client_->tags();
    if (!models) return models.error();
    auto it = std::find_if(models->begin(), models->end(), [&](const OllamaModel& m) {
        return to_lower(m.name) == to_lower(model) || to_lower(m.name) == to_lower(canonical_name(model));
    });
    if (it == models->end()) {
        return make_error(400, "model_not_available",
                          "Model " + model + " is not in Ollama at " + client_->base_url() +
                              "; install it first");
    }
    const std::string name = it->name;
    if (auto loaded = client_->load(name); !loaded) return loaded.error();
    // One active model at a time: the others give their memory back.
    if (auto loaded = client_->loaded(); loaded) {
        for (const auto& other : *loaded) {
            if (to_lower(other) == to_lower(name)) continue;
            if (auto unloaded = client_->unload(other); !unloaded) {
                logger("ollama")->warn("unload failed model={} error=\"{}\"", other,
                                       unloaded.error().message);
            }
        }
    }
    ModelMetadata meta = to_metadata(*it);
    if (auto show = client_->show(name)) meta.capabilities = capabilities_from_show(*show);
    {
        std::lock_guard lock(mutex_);
        inventory_ = std::move(models.value());
    }
    return meta;
}

Result<ModelMetadata> OllamaModelProvider::install(const std::string& model,
                                                   const std::string& runtime,
                                                   const InstallFilter&,
                                                   OperationContext& context) {
    struct Layer {
        uint64_t total = 0;
        uint64_t completed = 0;
    };
    std::map<std::string, Layer> layers;
    std::vector<std::string> order;
    context.set_message("pulling manifest");

    auto pulled = client_->pull(
        model,
        [&](const PullProgress& p) {
            // Totals are per layer; the model's progress is the sum over the layers seen.
            if (p.digest) {
                if (!layers.count(*p.digest)) order.push_back(*p.digest);
                Layer& layer = layers[*p.digest];
                if (p.total) layer.total = *p.total;
                layer.completed = std::max(layer.completed, p.completed.value_or(0));
            }
            uint64_t done = 0, total = 0;
            for (const auto& [digest, layer] : layers) {
                done += std::min(layer.completed, layer.total);
                total += layer.total;
            }
            const std::size_t index =
                p.digest ? std::find(order.begin(), order.end(), *p.digest) - order.begin() + 1
                         : order.size();
            context.set_message(phase_message(p, index, order.size()));
            if (total > 0) context.set_bytes(done, total);
        },
        [&] { return context.cancelled(); });
    if (!pulled) return pulled.error();

    context.set_message("reading model details");
    auto show = client_->show(model);
    if (!show) return show.error();
    refresh_inventory();

    ModelMetadata meta;
    {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(inventory_.begin(), inventory_.end(), [&](const OllamaModel& m) {
            return to_lower(m.name) == to_lower(model);
        });
        if (it != inventory_.end()) meta = to_metadata(*it);
    }
    meta.name = model;
    meta.provider = "ollama";
    meta.runtime = runtime;
    if (meta.display_name.empty()) meta.display_name = model;
    meta.capabilities = capabilities_from_show(*show);
    meta.status = "installed";
    meta.installed_at = format_rfc3339(clock_.now());
    return meta;
}

Result<void> OllamaModelProvider::remove(const ModelMetadata& model,
                                         const std::vector<ModelMetadata>&,
                                         OperationContext& context) {
    // A loaded model keeps its memory until unloaded; unload it first so removal frees it.
    context.set_message("unloading " + model.name);
    if (auto loaded = client_->loaded(); loaded) {
        for (const auto& name : *loaded) {
            if (to_lower(name) != to_lower(model.name)) continue;
            if (auto unloaded = client_->unload(name); !unloaded) return unloaded.error();
        }
    } else {
        return loaded.error();
    }
    context.set_message("deleting " + model.name);
    auto removed = client_->remove(model.name);
    if (!removed && removed.error().http_status != 404) return removed.error();
    if (!removed) {
        logger("ollama")->info("remove model={} already gone from Ollama", model.name);
    }
    refresh_inventory();
    return {};
}

Result<ModelCapabilities> OllamaModelProvider::capabilities(const std::string& model) {
    auto show = client_->show(model);
    if (!show) return show.error();
    return capabilities_from_show(*show);
}

std::vector<ModelMetadata> OllamaModelProvider::known_models() const {
    std::lock_guard lock(mutex_);
    std::vector<ModelMetadata> out;
    for (const auto& m : inventory_) out.push_back(to_metadata(m));
    return out;
}

ModelMetadata OllamaModelProvider::to_metadata(const OllamaModel& m) const {
    ModelMetadata meta;
    meta.name = m.name;
    meta.provider = "ollama";
    meta.display_name = m.name;
    meta.size_gb = round2(static_cast<double>(m.size) / kBytesPerGb);
    meta.status = "installed";
    meta.runtime = "ollama";
    if (!m.digest.empty()) meta.sha256 = m.digest;
    if (!m.quantization_level.empty() && m.quantization_level != "unknown") {
        meta.capabilities.quantization = m.quantization_level;
    }
    return meta;
}

}  // namespace venom::providers

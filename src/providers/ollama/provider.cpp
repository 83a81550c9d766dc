#include "providers/ollama/provider.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "providers/ollama/capabilities.hpp"
#include "providers/ollama/library.hpp"
#include "venom/logging.hpp"
#include "venom/ollama_name.hpp"
#include "venom/runtime.hpp"
#include "venom/storage_quota.hpp"
#include "venom/text.hpp"

namespace venom::providers {
namespace {

double round2(double v) {
    return std::round(v * 100.0) / 100.0;
}

// The phase a person should see for one pull status line.
std::string phase_message(const PullProgress& p, std::size_t layer, std::size_t layers) {
    if (p.digest &&
        (p.status.rfind("pulling ", 0) == 0 || p.status.rfind("downloading ", 0) == 0)) {
        return "downloading " + p.status.substr(p.status.find(' ') + 1) + " (layer " +
               std::to_string(layer) + " of " + std::to_string(layers) + ")";
    }
    if (p.status == "verifying sha256 digest") {
        // Silent for minutes on a big model (server/images.go PullModel hashes every new blob).
        return p.status + ": Ollama is hashing the downloaded layers, which takes a while";
    }
    return p.status;
}

}  // namespace

OllamaModelProvider::OllamaModelProvider(std::shared_ptr<OllamaClient> client,
                                         std::shared_ptr<OllamaLibrary> library, const Clock& clock,
                                         std::chrono::milliseconds inventory_interval)
    : client_(std::move(client)),
      library_(std::move(library)),
      clock_(clock),
      inventory_task_(inventory_interval, [this] { refresh_inventory(); }) {}

OllamaModelProvider::~OllamaModelProvider() {
    stop();
}

void OllamaModelProvider::start() {
    inventory_task_.start();
}
void OllamaModelProvider::stop() {
    inventory_task_.stop();
}

void OllamaModelProvider::refresh_inventory() {
    auto models = client_->tags();
    if (!models) {
        logger("ollama")->debug("inventory refresh failed error=\"{}\"", models.error().message);
        return;  // keep the last known inventory: Ollama may be restarting
    }
    std::lock_guard lock(mutex_);
    inventory_ = std::move(models.value());
    ++known_version_;
}

std::string OllamaModelProvider::canonical_name(const std::string& model) const {
    // Recorded as Ollama lists it, so the manifest and Ollama's own list never show one model
    // twice; a name that does not parse is left for validate_install() to refuse.
    auto shown = ollama_display_name(model);
    return shown ? *shown : model;
}

bool OllamaModelProvider::same_model(const std::string& a, const std::string& b) const {
    return same_ollama_name(a, b);
}

Result<void> OllamaModelProvider::validate_install(const std::string& model,
                                                   Runtime runtime) const {
    if (runtime != Runtime::ollama) {
        return make_error(
            400, "invalid_runtime",
            "Ollama models run on runtime 'ollama', not '" + std::string(to_string(runtime)) + "'");
    }
    if (auto shown = ollama_display_name(model); !shown) return shown.error();
    return {};
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::list_available(std::size_t limit) {
    return library_->list(OllamaLibrary::Listing::catalog, "", limit);
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::trending(std::size_t limit) {
    return library_->list(OllamaLibrary::Listing::trending, "", limit);
}

Result<std::vector<CatalogEntry>> OllamaModelProvider::search(const std::string& query,
                                                              std::size_t limit, std::size_t page) {
    return library_->list(OllamaLibrary::Listing::search, query, limit, page);
}

Result<ModelMetadata> OllamaModelProvider::activate(const std::string& model) {
    auto models = client_->tags();
    if (!models) return models.error();
    auto it = std::find_if(models->begin(), models->end(),
                           [&](const OllamaModel& m) { return same_ollama_name(m.name, model); });
    if (it == models->end()) {
        return make_error(400, "model_not_available",
                          "Model " + model + " is not in Ollama at " + client_->base_url() +
                              "; install it first");
    }
    const std::string name = it->name;
    auto show = client_->show(name);
    if (show) {
        // Ollama can only chat with models whose capabilities include "completion" (server/
        // routes.go GenerateHandler answers 400 "does not support generate" otherwise).
        ModelCapabilities caps = capabilities_from_show(*show);
        const auto& f = caps.features;
        if (!f.empty() && std::find(f.begin(), f.end(), "completion") == f.end()) {
            std::string listed;
            for (const auto& c : f) listed += (listed.empty() ? "" : ", ") + c;
            return make_error(400, "model_not_chat_capable",
                              "Model " + name + " cannot be activated: Ollama reports it can do " +
                                  listed + ", not completion (an embedding model cannot chat)");
        }
    }
    const nlohmann::json options = load_options_ ? load_options_(name) : nlohmann::json::object();
    if (auto loaded = client_->load(name, options); !loaded) return loaded.error();
    // One active model at a time: the others give their memory back.
    if (auto loaded = client_->loaded(); loaded) {
        for (const auto& other : *loaded) {
            if (same_ollama_name(other, name)) continue;
            if (auto unloaded = client_->unload(other); !unloaded) {
                logger("ollama")->warn("unload failed model={} error=\"{}\"", other,
                                       unloaded.error().message);
            }
        }
    }
    ModelMetadata meta = to_metadata(*it);
    if (show) meta.capabilities = capabilities_from_show(*show);
    {
        std::lock_guard lock(mutex_);
        inventory_ = std::move(models.value());
        ++known_version_;
    }
    return meta;
}

Result<ModelMetadata> OllamaModelProvider::install(const std::string& model, Runtime runtime,
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
            return same_ollama_name(m.name, model);
        });
        if (it != inventory_.end()) meta = to_metadata(*it);
    }
    meta.name = model;
    meta.provider = "ollama";
    meta.runtime = std::string(to_string(runtime));
    if (meta.display_name.empty()) meta.display_name = model;
    meta.capabilities = capabilities_from_show(*show);
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
            if (!same_ollama_name(name, model.name)) continue;
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
    meta.name = canonical_name(m.name);
    meta.provider = "ollama";
    meta.display_name = meta.name;
    meta.size_gb = round2(static_cast<double>(m.size) / kBytesPerGb);
    meta.status = "installed";
    meta.runtime = std::string(to_string(Runtime::ollama));
    if (!m.digest.empty()) meta.sha256 = m.digest;
    if (!m.quantization_level.empty() && m.quantization_level != "unknown") {
        meta.capabilities.quantization = m.quantization_level;
    }
    meta.capabilities.features = m.capabilities;
    if (!m.remote_host.empty()) {
        // A cloud stub (api/types.go ListModelResponse RemoteHost): its size is a few hundred
        // bytes of manifest and its weights are at remote_host, so it is no local install.
        meta.status = "remote";
        meta.size_gb.reset();
        meta.extra["remote_host"] = m.remote_host;
        if (!m.remote_model.empty()) meta.extra["remote_model"] = m.remote_model;
    }
    return meta;
}

}  // namespace venom::providers

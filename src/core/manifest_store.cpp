#include "venom/manifest_store.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "venom/logging.hpp"

namespace venom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string compact_stamp(TimePoint t) {
    std::string s = format_rfc3339(t);  // 2026-11-28T03:51:52.123Z
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }),
            s.end());
    return s;
}

}  // namespace

ManifestStore::ManifestStore(fs::path path, const Clock& clock, WriteFaults* faults)
    : path_(std::move(path)), clock_(clock), faults_(faults) {}

ManifestStore::LoadReport ManifestStore::load() {
    LoadReport report;
    remove_stale_temp_files(path_);
    std::ifstream in(path_, std::ios::binary);
    if (!in) return report;
    std::stringstream buffer;
    buffer << in.rdbuf();

    std::vector<ModelMetadata> loaded;
    std::string problem;
    try {
        json doc = json::parse(buffer.str());
        if (!doc.is_object() || !doc.contains("models") || !doc["models"].is_array()) {
            throw std::invalid_argument("top level must be an object with a 'models' array");
        }
        for (const auto& entry : doc["models"]) {
            try {
                ModelMetadata m = model_from_json(entry);
                if (std::none_of(loaded.begin(), loaded.end(),
                                 [&](const ModelMetadata& x) { return x.name == m.name; })) {
                    loaded.push_back(std::move(m));
                }
            } catch (const std::exception& e) {
                if (problem.empty()) problem = std::string("an entry is invalid: ") + e.what();
            }
        }
    } catch (const std::exception& e) {
        problem = e.what();
    }

    if (!problem.empty()) {
        fs::path aside = path_;
        aside += ".corrupt-" + compact_stamp(clock_.now());
        std::error_code ec;
        fs::copy_file(path_, aside, fs::copy_options::overwrite_existing, ec);
        report.kept_aside = aside;
        report.warning = "manifest " + path_.string() + " is damaged (" + problem +
                         "); a copy was kept at " + aside.string() + "; loaded " +
                         std::to_string(loaded.size()) + " valid entries";
        logger("manifest")
            ->error("manifest damaged path={} reason=\"{}\" kept_aside={} loaded={}",
                    path_.string(), problem, aside.string(), loaded.size());
    }
    std::lock_guard lock(mutex_);
    models_ = std::move(loaded);
    ++version_;
    report.models = models_.size();
    return report;
}

std::vector<ModelMetadata> ManifestStore::models() const {
    std::lock_guard lock(mutex_);
    return models_;
}

std::optional<ModelMetadata> ManifestStore::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : models_) {
        if (m.name == name) return m;
    }
    return std::nullopt;
}

std::size_t ManifestStore::size() const {
    std::lock_guard lock(mutex_);
    return models_.size();
}

Result<void> ManifestStore::upsert(ModelMetadata model) {
    std::lock_guard write_lock(write_mutex_);
    std::vector<ModelMetadata> next = models();
    auto it = std::find_if(next.begin(), next.end(),
                           [&](const ModelMetadata& m) { return m.name == model.name; });
    if (it != next.end()) {
        *it = std::move(model);
    } else {
        next.push_back(std::move(model));
    }
    return commit(std::move(next));
}

Result<void> ManifestStore::remove(const std::string& name) {
    std::lock_guard write_lock(write_mutex_);
    std::vector<ModelMetadata> next = models();
    auto it = std::find_if(next.begin(), next.end(),
                           [&](const ModelMetadata& m) { return m.name == name; });
    if (it == next.end()) {
        return make_error(404, "model_not_found", "Model " + name + " is not in the manifest");
    }
    next.erase(it);
    return commit(std::move(next));
}

Result<std::size_t> ManifestStore::rename_models(
    const std::function<std::string(const ModelMetadata&)>& rename) {
    std::lock_guard write_lock(write_mutex_);
    std::vector<ModelMetadata> next;
    std::size_t changed = 0;
    for (ModelMetadata m : models()) {
        const std::string name = rename(m);
        const bool already = name == m.name;
        if (!already) {
            ++changed;
            if (m.display_name == m.name) m.display_name = name;
            m.name = name;
        }
        auto it = std::find_if(next.begin(), next.end(),
                               [&](const ModelMetadata& x) { return x.name == name; });
        if (it == next.end()) {
            next.push_back(std::move(m));
        } else if (already) {
            *it = std::move(m);
        }
    }
    if (changed == 0) return std::size_t{0};
    if (auto written = commit(std::move(next)); !written) return written.error();
    return changed;
}

std::string ManifestStore::serialize(const std::vector<ModelMetadata>& models) const {
    json doc = {{"models", json::array()}, {"updated_at", format_rfc3339(clock_.now())}};
    for (const auto& m : models) doc["models"].push_back(to_json(m));
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<void> ManifestStore::commit(std::vector<ModelMetadata> next) {
    if (auto written = write_file_durably(path_, serialize(next), faults_); !written) {
        logger("manifest")
            ->error("manifest write failed path={} error=\"{}\"", path_.string(),
                    written.error().message);
        return written;
    }
    std::lock_guard lock(mutex_);
    models_ = std::move(next);
    ++version_;
    return {};
}

}  // namespace venom

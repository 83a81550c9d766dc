#include "venom/generation_settings_store.hpp"

#include <fstream>
#include <sstream>

#include "venom/durable_file.hpp"

namespace venom {

using nlohmann::json;

GenerationSettingsStore::GenerationSettingsStore(std::filesystem::path path)
    : path_(std::move(path)) {}

std::optional<std::string> GenerationSettingsStore::load() {
    remove_stale_temp_files(path_);
    std::ifstream in(path_);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    json doc = json::parse(text.str(), nullptr, false);
    auto well_formed = [&doc] {
        if (!doc.is_object()) return false;
        for (const auto& [runtime, models] : doc.items()) {
            if (!parse_tunable_runtime(runtime) || !models.is_object()) return false;
            for (const auto& [model, values] : models.items()) {
                if (!values.is_object()) return false;
                for (const auto& [name, value] : values.items()) {
                    if (!value.is_number()) return false;  // every tuning parameter is a number
                }
            }
        }
        return true;
    };
    if (!well_formed()) {
        // The next save rewrites the file, so the damaged one is kept aside for a person.
        std::filesystem::path aside = path_;
        aside += ".corrupt";
        std::error_code ec;
        std::filesystem::copy_file(path_, aside, std::filesystem::copy_options::overwrite_existing,
                                   ec);
        return "generation settings " + path_.string() +
               " are damaged; the tuning drawer starts from defaults" +
               (ec ? "" : "; a copy was kept at " + aside.string());
    }
    std::lock_guard lock(mutex_);
    doc_ = std::move(doc);
    return std::nullopt;
}

json GenerationSettingsStore::values(Runtime runtime, const std::string& model) const {
    std::lock_guard lock(mutex_);
    auto models = doc_.find(std::string(to_string(runtime)));
    if (models == doc_.end()) return json::object();
    auto found = models->find(model);
    return found == models->end() ? json::object() : *found;
}

Result<void> GenerationSettingsStore::save(Runtime runtime, const std::string& model,
                                           const json& values) {
    std::lock_guard write_lock(write_mutex_);
    json next;
    {
        std::lock_guard lock(mutex_);
        next = doc_;
    }
    const std::string key(to_string(runtime));
    if (values.empty()) {
        if (next.contains(key)) {
            next[key].erase(model);
            if (next[key].empty()) next.erase(key);
        }
    } else {
        next[key][model] = values;
    }
    if (auto ok = write_file_durably(path_, next.dump(2) + "\n"); !ok) return ok;
    std::lock_guard lock(mutex_);
    doc_ = std::move(next);
    return {};
}

}  // namespace venom

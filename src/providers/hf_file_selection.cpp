#include "providers/hf_file_selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "venom/text.hpp"

namespace venom::providers {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool top_level(const HubFile& f) { return f.path.find('/') == std::string::npos; }

const std::set<std::string>& support_files() {
    static const std::set<std::string> names = {
        "config.json",          "generation_config.json",  "tokenizer.json",
        "tokenizer_config.json", "tokenizer.model",        "special_tokens_map.json",
        "added_tokens.json",    "vocab.json",              "merges.txt",
        "vocab.txt",            "chat_template.jinja",     "chat_template.json",
        "preprocessor_config.json", "model.safetensors.index.json",
        "pytorch_model.bin.index.json"};
    return names;
}

}  // namespace

Result<FileSelection> select_files(const std::vector<HubFile>& files,
                                   const std::optional<std::string>& quant,
                                   const InstallFilter& filter) {
    FileSelection sel;
    std::vector<const HubFile*> gguf, safetensors, bins;
    for (const auto& f : files) {
        if (!top_level(f)) continue;
        const std::string name = to_lower(f.path);
        if (ends_with(name, ".gguf")) gguf.push_back(&f);
        if (ends_with(name, ".safetensors")) safetensors.push_back(&f);
        if (ends_with(name, ".bin") && name.rfind("pytorch_model", 0) == 0) bins.push_back(&f);
    }

    std::vector<const HubFile*> weights;
    if (!gguf.empty()) {
        auto with_quant = [&](const std::string& q) {
            std::vector<const HubFile*> out;
            for (const auto* f : gguf) {
                if (to_lower(f->path).find(to_lower(q)) != std::string::npos) out.push_back(f);
            }
            return out;
        };
        if (quant) {
            weights = with_quant(*quant);
            if (weights.empty()) {
                std::string available;
                for (const auto* f : gguf) available += (available.empty() ? "" : ", ") + f->path;
                return make_error(404, "quant_not_found",
                                  "No GGUF file for " + *quant + " in this repository; it has: " +
                                      available);
            }
        } else {
            for (const char* q : {"Q4_K_M", "Q5_K_M", "Q4_K_S", "Q6_K", "Q8_0"}) {
                if (weights.empty()) weights = with_quant(q);
            }
            if (weights.empty()) {
                weights.push_back(*std::min_element(
                    gguf.begin(), gguf.end(), [](auto* a, auto* b) { return a->size < b->size; }));
            }
        }
    } else if (!safetensors.empty()) {
        weights = safetensors;
    } else if (!bins.empty()) {
        weights = bins;
    } else {
        return make_error(404, "no_weights",
                          "The repository has no safetensors, .bin or GGUF weights to install");
    }

    auto matches = [](const std::vector<std::string>& globs, const std::string& path) {
        return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
            return ::fnmatch(g.c_str(), path.c_str(), 0) == 0;
        });
    };
    std::set<std::string> chosen;
    for (const auto& f : files) {
        if (top_level(f) && support_files().count(f.path)) chosen.insert(f.path);
    }
    for (const auto* w : weights) chosen.insert(w->path);
    for (const auto& f : files) {
        if (matches(filter.include, f.path)) chosen.insert(f.path);
    }
    const HubFile* main = nullptr;
    for (const auto& f : files) {
        if (!chosen.count(f.path) || matches(filter.exclude, f.path)) continue;
        sel.files.push_back(f);
        sel.total_bytes += f.size;
        const bool weight = std::any_of(weights.begin(), weights.end(),
                                        [&](const HubFile* w) { return w->path == f.path; });
        if (weight && (!main || f.size > main->size)) main = &f;
    }
    if (!main) {
        return make_error(400, "no_weights", "exclude removed every weight file of the model");
    }
    sel.main_weight = main->path;
    return sel;
}

}  // namespace venom::providers

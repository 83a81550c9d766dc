#include "providers/huggingface/file_selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "venom/text.hpp"

namespace venom::providers {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool top_level(const HubFile& f) {
    return f.path.find('/') == std::string::npos;
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// What transformers and vLLM read besides the weights to load a repository: config, tokenizer
// (tekken.json and *.tiktoken for Mistral and tiktoken tokenizers), processors of multimodal
// models, chat templates, and *.py for trust_remote_code models.
bool support_file(const HubFile& f) {
    static const std::set<std::string> names = {"config.json",
                                                "generation_config.json",
                                                "tokenizer.json",
                                                "tokenizer_config.json",
                                                "tokenizer.model",
                                                "special_tokens_map.json",
                                                "added_tokens.json",
                                                "vocab.json",
                                                "merges.txt",
                                                "vocab.txt",
                                                "chat_template.jinja",
                                                "chat_template.json",
                                                "preprocessor_config.json",
                                                "processor_config.json",
                                                "video_preprocessor_config.json",
                                                "tekken.json",
                                                "model.safetensors.index.json",
                                                "pytorch_model.bin.index.json"};
    if (f.size > kMaxSupportFileBytes) return false;
    // transformers utils/hub.py: extra chat templates live in additional_chat_templates/.
    if (f.path.rfind("additional_chat_templates/", 0) == 0) return ends_with(f.path, ".jinja");
    if (!top_level(f)) return false;
    return names.count(f.path) || ends_with(f.path, ".py") || ends_with(f.path, ".tiktoken");
}

// llama.cpp gguf-split names shards "<prefix>-00001-of-00003.gguf"; the set is one unit whose
// first shard carries the metadata.
const std::regex& shard_pattern() {
    static const std::regex re(R"(^(.*)-(\d{5})-of-(\d{5})\.gguf$)", std::regex::icase);
    return re;
}

struct GgufUnit {
    std::string key;                    // path of a single file, or the shard prefix
    std::vector<const HubFile*> files;  // shard 1 first
    uint64_t size = 0;
};

std::vector<GgufUnit> gguf_units(const std::vector<const HubFile*>& gguf) {
    std::map<std::string, GgufUnit> units;
    for (const auto* f : gguf) {
        std::smatch m;
        const std::string key = std::regex_match(f->path, m, shard_pattern())
                                    ? m[1].str() + "-of-" + m[3].str()
                                    : f->path;
        auto& unit = units[key];
        unit.key = key;
        unit.files.push_back(f);
        unit.size += f->size;
    }
    std::vector<GgufUnit> out;
    for (auto& [key, unit] : units) {
        std::sort(unit.files.begin(), unit.files.end(),
                  [](const HubFile* a, const HubFile* b) { return a->path < b->path; });
        out.push_back(std::move(unit));
    }
    return out;
}

}  // namespace

Result<FileSelection> select_files(const std::vector<HubFile>& files,
                                   const std::optional<std::string>& quant,
                                   const InstallFilter& filter,
                                   const std::optional<std::set<std::string>>& indexed_weights) {
    FileSelection sel;
    std::vector<const HubFile*> gguf, safetensors, bins;
    for (const auto& f : files) {
        const std::string name = to_lower(f.path);
        // GGUF quants often sit in one folder each (Q8_0/model-Q8_0-00001-of-00002.gguf);
        // mmproj files are vision projectors, not a model.
        if (ends_with(name, ".gguf") && base_name(name).rfind("mmproj", 0) != 0) gguf.push_back(&f);
        if (!top_level(f)) continue;
        if (ends_with(name, ".safetensors")) safetensors.push_back(&f);
        if (ends_with(name, ".bin") && name.rfind("pytorch_model", 0) == 0) bins.push_back(&f);
    }

    std::vector<const HubFile*> weights;
    const HubFile* first_shard = nullptr;
    if (!gguf.empty()) {
        const auto units = gguf_units(gguf);
        auto with_quant = [&](const std::string& q) -> const GgufUnit* {
            for (const auto& u : units) {
                if (to_lower(u.key).find(to_lower(q)) != std::string::npos) return &u;
            }
            return nullptr;
        };
        const GgufUnit* unit = nullptr;
        if (quant) {
            unit = with_quant(*quant);
            if (!unit) {
                std::string available;
                for (const auto& u : units) {
                    available += (available.empty() ? "" : ", ") + u.files.front()->path;
                    if (u.files.size() > 1)
                        available += " (" + std::to_string(u.files.size()) + " shards)";
                }
                return make_error(
                    404, "quant_not_found",
                    "No GGUF file for " + *quant + " in this repository; it has: " + available);
            }
        } else {
            for (const char* q : {"Q4_K_M", "Q5_K_M", "Q4_K_S", "Q6_K", "Q8_0"}) {
                if (!unit) unit = with_quant(q);
            }
            if (!unit) {
                unit = &*std::min_element(units.begin(), units.end(),
                                          [](auto& a, auto& b) { return a.size < b.size; });
            }
        }
        weights = unit->files;
        first_shard = unit->files.front();
    } else if (!safetensors.empty() && indexed_weights) {
        // The index's weight_map names the shards transformers and vLLM load; other top-level
        // safetensors (Mistral's consolidated.safetensors) are the same weights again.
        for (const auto* f : safetensors) {
            if (indexed_weights->count(f->path)) weights.push_back(f);
        }
        if (weights.empty()) weights = safetensors;
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
        if (support_file(f)) chosen.insert(f.path);
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
    // gguf-split keeps the metadata in shard 1: that is the file capabilities are read from.
    if (first_shard && main) {
        const bool kept = std::any_of(sel.files.begin(), sel.files.end(), [&](const HubFile& f) {
            return f.path == first_shard->path;
        });
        if (kept) main = first_shard;
    }
    if (!main) {
        return make_error(400, "no_weights", "exclude removed every weight file of the model");
    }
    sel.main_weight = main->path;
    return sel;
}

std::optional<std::set<std::string>> index_weight_files(const nlohmann::json& index) {
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
        return std::nullopt;
    }
    std::set<std::string> out;
    for (const auto& [tensor, file] : index["weight_map"].items()) {
        if (file.is_string()) out.insert(file.get<std::string>());
    }
    if (out.empty()) return std::nullopt;
    return out;
}

}  // namespace venom::providers

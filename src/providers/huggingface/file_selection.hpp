#pragma once
// Which files of a Hub repository an install fetches: what a runtime needs to load the model
// (config, tokenizer, generation config, chat template) and one weight format.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "providers/huggingface/hub_client.hpp"
#include "venom/result.hpp"

namespace venom::providers {

struct FileSelection {
    std::vector<HubFile> files;
    std::string main_weight;  // the weight file whose sha256 the manifest records
    uint64_t total_bytes = 0;
};

// Support files (config, tokenizer, processors, chat templates, *.py) above this size are
// left out: real ones are at most a few tens of MB (a large tokenizer.json is ~33 MB).
constexpr uint64_t kMaxSupportFileBytes = 64ull << 20;

// Safetensors are preferred over PyTorch .bin; with `indexed_weights` (the files named by
// model.safetensors.index.json's weight_map) only those safetensors are taken. A GGUF repository
// gets one quant only, in any folder: a gguf-split shard set (-00001-of-0000N.gguf) is one unit;
// `quant` when given (e.g. "Q4_K_M", 404 listing the available ones when absent), else the best
// of Q4_K_M, Q5_K_M, Q4_K_S, Q6_K, Q8_0, else the smallest; main_weight is shard 1, which holds
// the metadata. Other weights in subfolders (original/, onnx/) are left out. 404 no_weights when
// the repository has none. Pure.
// Then `filter.include` globs add files of the repository (any folder) and `filter.exclude`
// globs take files away; 400 no_weights when exclude leaves no weight file.
Result<FileSelection> select_files(
    const std::vector<HubFile>& files, const std::optional<std::string>& quant,
    const InstallFilter& filter = {},
    const std::optional<std::set<std::string>>& indexed_weights = std::nullopt);

// The files named by a model.safetensors.index.json's weight_map; nullopt when it has none. Pure.
std::optional<std::set<std::string>> index_weight_files(const nlohmann::json& index);

}  // namespace venom::providers

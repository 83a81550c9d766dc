#pragma once
// Which files of a Hub repository an install fetches: what a runtime needs to load the model
// (config, tokenizer, generation config, chat template) and one weight format.

#include <optional>
#include <string>
#include <vector>

#include "providers/hf_hub_client.hpp"
#include "venom/result.hpp"

namespace venom::providers {

struct FileSelection {
    std::vector<HubFile> files;
    std::string main_weight;  // the weight file whose sha256 the manifest records
    uint64_t total_bytes = 0;
};

// Safetensors are preferred over PyTorch .bin; a GGUF repository gets one quant only: `quant`
// when given (e.g. "Q4_K_M", 404 listing the available ones when absent), else the best of
// Q4_K_M, Q5_K_M, Q4_K_S, Q6_K, Q8_0, else the smallest. Weights in subfolders (original/,
// onnx/) are left out. 404 no_weights when the repository has none. Pure.
// Then `filter.include` globs add files of the repository (any folder) and `filter.exclude`
// globs take files away; 400 no_weights when exclude leaves no weight file.
Result<FileSelection> select_files(const std::vector<HubFile>& files,
                                   const std::optional<std::string>& quant,
                                   const InstallFilter& filter = {});

}  // namespace venom::providers

#include "venom/vllm_launch.hpp"

#include <filesystem>
#include <regex>

#include "venom/text.hpp"

namespace venom {

Result<VllmLaunch> vllm_launch_for(const ModelMetadata& model) {
    std::error_code ec;
    if (!model.local_path || !std::filesystem::is_directory(*model.local_path, ec)) {
        return make_error(404, "model_not_found",
                          "Model " + model.name +
                              " is not installed for vLLM (no snapshot in the manifest); install "
                              "it from Hugging Face first");
    }
    const auto weight = model.extra.find("main_weight");
    const std::string main_weight =
        weight != model.extra.end() && weight->is_string() ? weight->get<std::string>() : "";
    const std::string lower = to_lower(main_weight);
    if (lower.size() < 5 || lower.compare(lower.size() - 5, 5, ".gguf") != 0) {
        // vLLM loads a folder by its config.json (transformers' layout); without one (a folder
        // of GGUF files another tool downloaded) it cannot start.
        if (!std::filesystem::exists(std::filesystem::path(*model.local_path) / "config.json",
                                     ec)) {
            return make_error(400, "not_servable_by_vllm",
                              model.name +
                                  " has no config.json, which vLLM needs to load a "
                                  "model folder; if it holds GGUF files, run it on Ollama "
                                  "(hf.co/" +
                                  model.name.substr(0, model.name.find(':')) + ")");
        }
        return VllmLaunch{*model.local_path, std::nullopt};
    }

    // Ollama pulls GGUF quants of Hub repos by this name (ollama docs/import.md, hf.co/...).
    const auto colon = model.name.find(':');
    const std::string repo = model.name.substr(0, colon);
    std::string quant = colon == std::string::npos ? "" : model.name.substr(colon + 1);
    if (quant.empty() && model.capabilities.quantization) quant = *model.capabilities.quantization;
    const std::string ollama_name = "hf.co/" + repo + (quant.empty() ? "" : ":" + quant);

    static const std::regex shard(R"(-\d{5}-of-(\d{5})\.gguf$)", std::regex::icase);
    std::smatch m;
    if (std::regex_search(main_weight, m, shard) && std::stoi(m[1].str()) > 1) {
        return make_error(400, "gguf_not_servable_by_vllm",
                          model.name + " is a GGUF split into " +
                              std::to_string(std::stoi(m[1].str())) +
                              " files; vLLM serves a GGUF model only as one file. Run it on "
                              "Ollama instead: " +
                              ollama_name);
    }
    const auto base = model.extra.find("base_model");
    if (base == model.extra.end() || !base->is_string() || base->get<std::string>().empty()) {
        return make_error(400, "gguf_not_servable_by_vllm",
                          model.name +
                              " is a GGUF file whose repository card names no "
                              "base_model, and vLLM needs the base model's tokenizer to serve a "
                              "GGUF. Run it on Ollama instead: " +
                              ollama_name);
    }
    return VllmLaunch{(std::filesystem::path(*model.local_path) / main_weight).string(),
                      base->get<std::string>()};
}

}  // namespace venom

#include "venom/runtime.hpp"

#include "venom/text.hpp"

namespace venom {

std::optional<Runtime> parse_runtime(std::string_view text) {
    if (iequals(text, "ollama")) return Runtime::ollama;
    if (iequals(text, "vllm")) return Runtime::vllm;
    if (iequals(text, "openai")) return Runtime::openai;
    if (iequals(text, "google") || iequals(text, "gemini") || iequals(text, "gem") ||
        iequals(text, "google-gemini")) {
        return Runtime::google;
    }
    return std::nullopt;
}

std::string_view to_string(Runtime runtime) {
    switch (runtime) {
        case Runtime::ollama:
            return "ollama";
        case Runtime::vllm:
            return "vllm";
        case Runtime::openai:
            return "openai";
        case Runtime::google:
            return "google";
    }
    return "unknown";
}

std::string_view display_name(Runtime runtime) {
    switch (runtime) {
        case Runtime::ollama:
            return "Ollama";
        case Runtime::vllm:
            return "vLLM";
        case Runtime::openai:
            return "OpenAI";
        case Runtime::google:
            return "Google Gemini";
    }
    return "unknown";
}

bool is_local(Runtime runtime) {
    return runtime == Runtime::ollama || runtime == Runtime::vllm;
}

std::optional<std::string_view> install_provider(Runtime runtime) {
    switch (runtime) {
        case Runtime::ollama:
            return "ollama";
        case Runtime::vllm:
            return "huggingface";
        case Runtime::openai:
        case Runtime::google:
            return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::string_view> service_script(Runtime runtime) {
    switch (runtime) {
        case Runtime::ollama:
            return "ollama_service.sh";
        case Runtime::vllm:
            return "vllm_service.sh";
        case Runtime::openai:
        case Runtime::google:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace venom

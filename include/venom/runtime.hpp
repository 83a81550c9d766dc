#pragma once
// The runtimes venomd serves models with, as one closed set (DESIGN.md convention 14): the local
// ones it starts and stops through a service script (Ollama, vLLM) and the cloud ones it only
// calls (OpenAI, Google Gemini). Text becomes a Runtime at the edge (a request, a config value,
// runtime.json) through parse_runtime, and goes back to text through to_string only where it
// leaves (JSON answers, files, logs), so everything in between decides on the enum.

#include <array>
#include <optional>
#include <string_view>

namespace venom {

enum class Runtime { ollama, vllm, openai, google };

// Every runtime, in the order answers list them (ollama, vllm, openai, google).
inline constexpr std::array<Runtime, 4> kAllRuntimes = {Runtime::ollama, Runtime::vllm,
                                                        Runtime::openai, Runtime::google};
// The runtimes venomd runs as processes, in the same order.
inline constexpr std::array<Runtime, 2> kLocalRuntimes = {Runtime::ollama, Runtime::vllm};

// "ollama", "vllm", "openai", "google", in any ASCII case, and the names clients have used for
// Google Gemini: "gemini", "gem" (the /gem command) and "google-gemini". nullopt for anything
// else, surrounding spaces included (the edges that tolerate them trim first). Pure.
std::optional<Runtime> parse_runtime(std::string_view text);

// The JSON spelling: "ollama", "vllm", "openai", "google". Pure.
std::string_view to_string(Runtime runtime);

// For messages to a person: "Ollama", "vLLM", "OpenAI", "Google Gemini". Pure.
std::string_view display_name(Runtime runtime);

// Ollama and vLLM run on this machine (started and stopped through their service scripts);
// OpenAI and Google are reached over the network and have no process here. Pure.
bool is_local(Runtime runtime);

// The model provider whose installs this runtime serves (`provider` in the install request and
// the manifest): "ollama" for Ollama, "huggingface" for vLLM; nullopt for the cloud runtimes,
// whose models are not installed. Pure.
std::optional<std::string_view> install_provider(Runtime runtime);

// The script in scripts/llm that starts, stops and restarts a local runtime
// ("ollama_service.sh", "vllm_service.sh"); nullopt for the cloud runtimes. Pure.
std::optional<std::string_view> service_script(Runtime runtime);

}  // namespace venom

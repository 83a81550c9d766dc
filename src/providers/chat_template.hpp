#pragma once
// What a chat template says about a model: whether it has a system turn, whether it renders
// tool definitions. Shared by the Ollama (Go templates) and Hugging Face (Jinja) providers.

#include <string>

namespace venom::providers {

// True when a chat template renders a system message as its own turn: a system role marker in
// its literal text, the role printed generically ({{ .Role }}, message['role']), or a branch
// for the system role alone. Gemma-family (and Mistral) templates fold system text into the
// user turn, have no system turn, or raise "System role not supported", so clients should not
// send them a system message. An empty template passes prompts through: true. Pure.
bool template_renders_system(const std::string& chat_template);

// True when the template renders tool definitions (Jinja `tools`, Go `.Tools`). Pure.
bool template_handles_tools(const std::string& chat_template);

}  // namespace venom::providers

#include <gtest/gtest.h>

#include "api/json/model_json.hpp"
#include "providers/chat_template.hpp"
#include "providers/ollama/capabilities.hpp"

namespace venom::providers {
namespace {

using nlohmann::json;

// Templates as Ollama's library ships them.
const char* kLlama3 =
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end "
    "}}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end "
    "}}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>";
const char* kQwenMessages =
    "{{- range $i, $_ := .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end "
    "}}<|im_start|>assistant\n";
const char* kGemma2 =
    "{{- range $i, $_ := .Messages }}\n{{- $last := eq (len (slice $.Messages $i)) 1 }}\n{{- if "
    "or (eq .Role \"user\") (eq .Role \"system\") }}<start_of_turn>user\n{{ .Content "
    "}}<end_of_turn>\n{{ if $last }}<start_of_turn>model\n{{ end }}\n{{- else if eq .Role "
    "\"assistant\" }}<start_of_turn>model\n{{ .Content }}{{ if not $last }}<end_of_turn>\n{{ end "
    "}}\n{{- end }}\n{{- end }}";
const char* kGemmaPrompt =
    "<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt "
    "}}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n";
const char* kGemmaJinja =
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') "
    "}}{% endif %}{% for message in messages %}<start_of_turn>{{ message['role'] }}";
const char* kLlama2Sys = "[INST] <<SYS>>{{ .System }}<</SYS>> {{ .Prompt }} [/INST]";
const char* kMistral = "[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]";
const char* kPhi3 =
    "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{ if .Prompt }}<|user|>\n{{ "
    ".Prompt }}<|end|>\n{{ end }}<|assistant|>\n{{ .Response }}<|end|>";

TEST(OllamaCapabilitiesTest, TemplatesWithASystemTurn) {
    EXPECT_TRUE(template_renders_system(kLlama3));
    EXPECT_TRUE(template_renders_system(kQwenMessages));
    EXPECT_TRUE(template_renders_system(kLlama2Sys));
    EXPECT_TRUE(template_renders_system(kPhi3));
    EXPECT_TRUE(template_renders_system(
        "{% for m in messages %}{% if m['role'] == 'system' %}<<sys>>{% endif %}{% endfor %}"));
    // ChatML in Jinja prints every role, system included.
    EXPECT_TRUE(template_renders_system(
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
        "message['content'] + '<|im_end|>'}}{% endfor %}"));
}

TEST(OllamaCapabilitiesTest, GemmaTemplatesHaveNoSystemTurn) {
    EXPECT_FALSE(template_renders_system(kGemma2));
    EXPECT_FALSE(template_renders_system(kGemmaJinja));
    // Ollama's Gemma and Mistral templates print .System inside the user turn.
    EXPECT_FALSE(template_renders_system(kGemmaPrompt));
    EXPECT_FALSE(template_renders_system(kMistral));
}

TEST(OllamaCapabilitiesTest, FromAShowAnswer) {
    json show = {
        {"template", kQwenMessages},
        {"capabilities", {"completion", "tools"}},
        {"details", {{"quantization_level", "Q4_K_M"}, {"families", nullptr}}},
        {"model_info",
         {{"general.architecture", "qwen2"},
          {"qwen2.context_length", 32768},
          {"llama.context_length", 1}}},
    };
    ModelCapabilities caps = capabilities_from_show(show);
    EXPECT_EQ(caps.max_context_length, 32768);
    EXPECT_EQ(caps.quantization, "Q4_K_M");
    EXPECT_EQ(caps.prompt_template, kQwenMessages);
    EXPECT_TRUE(caps.supports_function_calling);
    EXPECT_TRUE(caps.supports_system_role);
    EXPECT_EQ(caps.allowed_roles, (std::vector<std::string>{"system", "user", "assistant"}));
}

TEST(OllamaCapabilitiesTest, GemmaShowAnswerSaysNoSystemRole) {
    json show = {
        {"template", kGemma2},
        {"capabilities", {"completion"}},
        {"details", {{"quantization_level", "unknown"}}},
        {"model_info", {{"general.architecture", "gemma2"}, {"gemma2.context_length", 8192}}}};
    ModelCapabilities caps = capabilities_from_show(show);
    EXPECT_FALSE(caps.supports_system_role);
    EXPECT_EQ(caps.allowed_roles, (std::vector<std::string>{"user", "assistant"}));
    EXPECT_FALSE(caps.supports_function_calling);
    EXPECT_FALSE(caps.quantization);  // "unknown" is no quantization
    EXPECT_EQ(caps.max_context_length, 8192);
}

TEST(OllamaCapabilitiesTest, ReportedCapabilitiesAreKeptAsFeatures) {
    // types/model/capability.go names; a vision + thinking model and an embedding-only one.
    json vision = {{"capabilities", {"completion", "vision", "thinking", "tools"}}};
    ModelCapabilities caps = capabilities_from_show(vision);
    EXPECT_EQ(caps.features,
              (std::vector<std::string>{"completion", "vision", "thinking", "tools"}));
    EXPECT_TRUE(caps.supports_function_calling);
    // In the capabilities answer, and through the manifest and back.
    EXPECT_EQ(api::capabilities_json(caps)["features"],
              json({"completion", "vision", "thinking", "tools"}));
    EXPECT_EQ(capabilities_from_json(to_json(caps)).features, caps.features);

    ModelCapabilities embedding = capabilities_from_show({{"capabilities", {"embedding"}}});
    EXPECT_EQ(embedding.features, std::vector<std::string>{"embedding"});
    EXPECT_FALSE(embedding.supports_function_calling);
    const ModelCapabilities none = capabilities_from_show(json::object());
    EXPECT_FALSE(api::capabilities_json(none).contains("features"));
    EXPECT_FALSE(to_json(none).contains("features"));
}

TEST(OllamaCapabilitiesTest, MissingFieldsFallBackToDefaults) {
    ModelCapabilities caps = capabilities_from_show(json::object());
    EXPECT_EQ(caps.max_context_length, 4096);
    EXPECT_FALSE(caps.prompt_template);
    EXPECT_TRUE(caps.supports_system_role);
    json with_details = {{"details", {{"context_length", 2048}}}, {"model_info", json::object()}};
    EXPECT_EQ(capabilities_from_show(with_details).max_context_length, 2048);
}

}  // namespace
}  // namespace venom::providers

// Chat templates come from files anyone publishes; reading one must take time linear in its
// size, never recursion per character (std::regex overflowed the stack near 50 KB).
#include "providers/chat_template.hpp"

#include <gtest/gtest.h>

#include <string>

namespace venom::providers {
namespace {

const std::string kMegabyte(1 << 20, 'a');
const std::string kSpaces(1 << 20, ' ');

TEST(ChatTemplateTest, AMegabyteTemplateIsReadWithoutRecursion) {
    EXPECT_TRUE(template_renders_system("{{" + kMegabyte + "}}<|im_start|>system"));
    EXPECT_FALSE(template_renders_system("{{" + kMegabyte + " system }}<start_of_turn>user"));
    EXPECT_TRUE(template_renders_system("{% if message['role" + kSpaces + "== 'system' %}"));
    EXPECT_FALSE(template_renders_system("{% " + std::string("raise_exception(") + kSpaces +
                                         "'System role not supported') %}{{ message['role'] }}"));
    EXPECT_FALSE(template_handles_tools(kMegabyte));
    EXPECT_TRUE(template_handles_tools(kMegabyte + " tools"));
}

TEST(ChatTemplateTest, TheRulesOfEachTemplateFamily) {
    // Go templates (Ollama): the role printed, or a branch for the system role alone.
    EXPECT_TRUE(template_renders_system("{{- range .Messages }}{{- .Role -}}{{ end }}"));
    EXPECT_TRUE(template_renders_system("{{ if eq .Role \"system\" -}}{{ .Content }}{{ end }}"));
    EXPECT_FALSE(template_renders_system("{{ if eq.Role \"system\" }}"));  // not Go syntax
    // Gemma prints .System inside the user turn: no system turn.
    EXPECT_FALSE(template_renders_system("<start_of_turn>user\n{{ .System }} {{ .Prompt }}"));
    // Jinja: the role printed, or a branch on it.
    EXPECT_TRUE(template_renders_system("{{ message.role }}"));
    EXPECT_TRUE(template_renders_system("{% if message[\"role\"]==\"system\" %}"));
    EXPECT_FALSE(template_renders_system("{% if role == 'user' %}"));
    EXPECT_TRUE(template_renders_system(""));  // no template: the prompt passes through
    // Tools: the word, or Go's .Tools, not a longer identifier.
    EXPECT_TRUE(template_handles_tools("{% if tools %}"));
    EXPECT_TRUE(template_handles_tools("{{ if .Tools }}"));
    EXPECT_FALSE(template_handles_tools("{{ toolsets }}"));
}

}  // namespace
}  // namespace venom::providers

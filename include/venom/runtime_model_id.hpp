#pragma once
// Model ids that reach a runtime (cloud ids, served names) end up in <data>/llm-runtime.env,
// which systemd and the service scripts read (issue 9, finding 6), so they are checked at the
// edge against the characters real ids use: OpenAI ("gpt-4o-mini", "ft:gpt-4o:org::id"), Gemini
// ("models/gemini-1.5-pro"), the Hub ("org/name"), Ollama ("llama3:8b", "hf.co/org/repo:Q4_K_M")
// and version suffixes ("name@v2", "a+b").

#include <string_view>

#include "venom/result.hpp"

namespace venom {

// 400 invalid_model_name naming the problem unless `id` is 1-256 ASCII letters, digits and
// . _ - : / @ +, starts with a letter or digit and has no ".." segment. Pure, thread-safe.
Result<void> validate_runtime_model_id(std::string_view id);

}  // namespace venom

#pragma once
// Ollama model names, spelled the way Ollama itself shows them (issue 10, point 1). Ollama
// parses every name into host/namespace/model:tag, fills in the defaults and lists the shortest
// form, so "qwen3", "library/qwen3" and "registry.ollama.ai/library/qwen3:latest" are one model,
// "qwen3:latest". venomd normalises every Ollama name with this one function before it validates,
// stores, compares or removes it, so the manifest, GET /models and Ollama's own list agree.

#include <string>
#include <string_view>

#include "venom/result.hpp"

namespace venom {

// The shortest display form of `name` (ollama/ollama types/model/name.go, ParseName and
// DisplayShortest): the default host "registry.ollama.ai" is dropped (and then the default
// namespace "library"), ":latest" is added when there is no tag, case is kept. Accepted forms:
// model[:tag], namespace/model[:tag], host[:port]/namespace/model[:tag] (hf.co/org/repo:QUANT
// is one of these). 400 invalid_model_name with the reason when a part breaks upstream's rules
// (host 1-350 of [A-Za-z0-9_.:-], namespace 1-80 of [A-Za-z0-9_-], model and tag 1-80 of
// [A-Za-z0-9_.-], each starting with a letter, digit or '_'). Pure, thread-safe.
Result<std::string> ollama_display_name(std::string_view name);

// Whether two names designate one Ollama model: equal display forms, compared ignoring ASCII
// case as Ollama's Name.EqualFold does. Names that do not parse compare as written. Pure.
bool same_ollama_name(std::string_view a, std::string_view b);

}  // namespace venom

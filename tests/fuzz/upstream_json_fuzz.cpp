// Upstream answers (the Hub, Ollama, OpenAI, Gemini) are JSON of any shape when a service
// changes or lies: every reader returns a value or an error naming the field, never throws or
// crashes, and nothing the Hub names can become a path outside the cache.
#include <cassert>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cloud/cloud_catalog.hpp"
#include "providers/chat_template.hpp"
#include "providers/huggingface/hub_client.hpp"
#include "providers/huggingface/hub_ids.hpp"
#include "providers/ollama/capabilities.hpp"
#include "providers/ollama/client.hpp"

namespace providers = venom::providers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error_text;
    (void)providers::parse_pull_line(text, &error_text);
    (void)providers::template_renders_system(text);
    (void)providers::template_handles_tools(text);

    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) return 0;
    if (doc.is_object()) (void)providers::capabilities_from_show(doc);
    (void)providers::parse_hub_listing(doc, 50);
    if (auto repo = providers::parse_hub_repo(doc, "org/model")) {
        assert(providers::is_git_sha1(repo->sha));
        for (const auto& file : repo->files) assert(providers::is_safe_repo_path(file.path));
    }
    (void)providers::parse_ollama_tags(doc);
    (void)providers::parse_ollama_ps(doc);
    (void)venom::cloud::parse_openai_models(doc);
    std::string next;
    (void)venom::cloud::parse_gemini_models(doc, &next);
    return 0;
}

// Upstream answers (the Hub, Ollama, OpenAI, Gemini) are JSON of any shape when a service
// changes or lies: every reader returns a value or an error, never throws or crashes.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "providers/chat_template.hpp"
#include "providers/ollama_capabilities.hpp"
#include "providers/ollama_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error_text;
    (void)venom::providers::parse_pull_line(text, &error_text);
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) {
        (void)venom::providers::capabilities_from_show(doc);
    }
    (void)venom::providers::template_renders_system(text);
    (void)venom::providers::template_handles_tools(text);
    return 0;
}

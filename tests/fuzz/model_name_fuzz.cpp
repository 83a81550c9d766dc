// Model names come from clients and become paths and upstream URLs: whatever the validator
// accepts must stay inside the base directory.
#include <cassert>
#include <cstdint>
#include <string>

#include "venom/model_name.hpp"
#include "venom/ollama_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const bool valid = static_cast<bool>(venom::validate_model_name(text));
    const std::filesystem::path base = "/srv/venom/models";
    auto joined = venom::path_inside(base, text);
    if (joined) {
        // Inside means under base, lexically: no "..", no escape through an absolute part.
        const auto rel = joined->lexically_relative(base);
        assert(!rel.empty() && *rel.begin() != "..");
    }
    if (valid) {
        assert(!text.empty() && text.size() <= 200 && text[0] != '/');
        for (const auto& segment : std::filesystem::path(text)) {
            assert(segment != ".." && segment != ".");
        }
        assert(joined);  // a valid name is always a safe relative path
    }
    // Ollama's shortest form is a fixed point, and never empty.
    if (auto shown = venom::ollama_display_name(text)) {
        assert(!shown->empty());
        auto again = venom::ollama_display_name(*shown);
        assert(again && *again == *shown);
    }
    return 0;
}

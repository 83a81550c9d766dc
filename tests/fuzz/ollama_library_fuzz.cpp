// ollama.com pages are HTML we do not control: libxml2's HTML parser and our card reading
// must survive any page.
#include <cassert>
#include <cstdint>
#include <string>

#include "providers/ollama/library.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string html(reinterpret_cast<const char*>(data), size);
    for (const auto& entry : venom::providers::parse_library_html(html))
        assert(!entry.model_name.empty());
    (void)venom::providers::parse_pull_count(html.substr(0, 64));
    return 0;
}

// GGUF headers come from downloaded files: hostile counts and lengths are refused in bounded
// time and memory, never read past the file.
#include <cstdint>

#include "fuzz_file.hpp"
#include "providers/gguf_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = venom::fuzz::write_scratch("model.gguf", data, size);
    auto info = venom::providers::read_gguf_header(path);
    if (size >= 4) (void)venom::providers::gguf_file_type_name(data[0] | (data[1] << 8));
    (void)info;
    return 0;
}

// manifest.json as a crash, a disk error or a person may leave it: loading keeps what is valid,
// sets the rest aside, and never throws or crashes.
#include <cstdint>

#include "fuzz_file.hpp"
#include "venom/clock.hpp"
#include "venom/manifest_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static venom::SystemClock clock;
    const auto path = venom::fuzz::write_scratch("manifest.json", data, size);
    venom::ManifestStore store(path, clock);
    store.load();
    for (const auto& model : store.models()) (void)store.find(model.name);
    return 0;
}

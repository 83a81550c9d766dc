// operations.json and runtime.json after a crash or by hand: loading them never throws or
// crashes, and whatever loads can be listed.
#include <cstdint>

#include "fuzz_file.hpp"
#include "venom/clock.hpp"
#include "venom/operation_queue.hpp"
#include "venom/runtime_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static venom::SystemClock clock;
    static venom::RuntimeLocks locks;
    const auto path = venom::fuzz::write_scratch("operations.json", data, size);
    {
        venom::OperationQueue queue({1, 50, path}, clock, locks);
        queue.load_history();
        (void)queue.list(50);
    }
    venom::fuzz::write_scratch("runtime.json", data, size);
    venom::RuntimeStateStore state(venom::fuzz::scratch_dir());
    state.load();
    return 0;
}

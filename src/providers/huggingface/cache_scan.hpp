#pragma once
// The repos of the shared Hub cache as models: what `hf download`, transformers or vLLM put
// there is listed by GET /models even though venomd did not install it (issue 10, point 4).

#include <vector>

#include "providers/huggingface/cache.hpp"
#include "venom/model_types.hpp"

namespace venom::providers {

// One entry per repo whose refs/main names a snapshot that holds a weight file; a hollow
// snapshot (config without weights, a removal half-done) is no model. Entries are named by the
// repo id, status "installed", with `extra["verified"] = false`: their blobs have not been
// hashed against the Hub (installing the repo does that, and adopts them). Capabilities come
// from the snapshot's files, or from `previous` (the last scan's answer) when the snapshot, its
// main weight, its file count and its bytes are unchanged, so a periodic scan re-reads no GGUF
// header. BLOCKING (disk: stats every file, reads small files and GGUF headers).
std::vector<ModelMetadata> scan_hub_cache(const HubCache& cache,
                                          const std::vector<ModelMetadata>& previous = {});

}  // namespace venom::providers

// Helper for the kill -9 test: rewrites the manifest in a loop, one more model per write, and
// prints the number of models after each durable write, so the test knows what must survive.
#include <cstdio>
#include <iostream>

#include "venom/manifest_store.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: manifest_writer MODELS_DIR\n";
        return 2;
    }
    venom::SystemClock clock;
    venom::ManifestStore store(std::filesystem::path(argv[1]) / "manifest.json", clock);
    if (store.load().warning) return 3;  // the test expects a parsable manifest every time
    for (std::size_t i = store.size();; ++i) {
        venom::ModelMetadata model;
        model.name = "model-" + std::to_string(i) + ":latest";
        model.provider = "ollama";
        model.runtime = "ollama";
        // Padding makes each write several pages, so a kill can land mid-write.
        model.capabilities.prompt_template = std::string(16384, 'x');
        if (!store.upsert(model).ok()) return 4;
        std::printf("%zu\n", store.size());
        std::fflush(stdout);
    }
}

// translate_bench: the 20 KB text of a dozen paragraphs translated through TranslationService
// against the tests' FakeOpenAi answering each chunk after a fixed delay (a model's generation
// time), once serially (parallelism 1) and once with the parallel chunking; prints both times
// and the ratio. Run by bench/translate_bench.sh.
//
// Usage: translate_bench [DELAY_MS [PARALLELISM]]   (defaults 100 and 3)

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fakes/fake_openai.hpp"
#include "translation/translation_service.hpp"
#include "venom/runtime_state.hpp"

namespace {

std::string twenty_kb_text() {
    std::string text;
    for (int p = 1; p <= 12; ++p) {
        std::string para = "Paragraph " + std::to_string(p) + " starts here.";
        for (int s = 0; para.size() < 1650; ++s) {
            para += " Sentence " + std::to_string(s) + " talks about models and runtimes.";
        }
        text += para + "\n\n";
    }
    return text;
}

double run(venom::testing::FakeOpenAi& openai, const venom::RuntimeStateStore& state,
           std::size_t parallelism, const std::string& text, std::size_t* chunks) {
    venom::translation::TranslationService::Options options;
    options.openai_base_url = openai.api_url();
    options.openai_api_key = std::string(venom::testing::FakeOpenAi::kDefaultApiKey);
    options.parallelism = parallelism;
    options.workers = std::max<std::size_t>(parallelism, 1);  // the call alone on its workers
    options.cache.max_entries = 0;                            // every chunk goes upstream
    venom::translation::TranslationService service(options, state, {});
    const auto t0 = std::chrono::steady_clock::now();
    venom::translation::TranslationRequest request;
    request.text = text;
    request.target_lang = "pl";
    request.source_lang = "en";
    request.use_cache = false;
    auto done = service.translate_and_wait(std::move(request));
    const auto t1 = std::chrono::steady_clock::now();
    if (!done) {
        std::fprintf(stderr, "translate_bench: %s\n", done.error().message.c_str());
        std::exit(1);
    }
    *chunks = done->chunks;
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    const long delay_ms = argc > 1 ? std::atol(argv[1]) : 100;
    const long parallelism = argc > 2 ? std::atol(argv[2]) : 3;
    if (delay_ms < 0 || parallelism < 1) {
        std::fprintf(stderr, "usage: translate_bench [DELAY_MS [PARALLELISM]]\n");
        return 2;
    }
    const auto dir = std::filesystem::temp_directory_path() /
                     ("venom-translate-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        venom::testing::FakeOpenAi openai;
        openai.set_reply_delay(std::chrono::milliseconds(delay_ms));
        venom::RuntimeStateStore state(dir);
        if (!state.set_active(venom::Runtime::openai, "gpt-4o-mini")) return 1;
        const std::string text = twenty_kb_text();
        std::size_t chunks = 0;
        const double serial = run(openai, state, 1, text, &chunks);
        const double parallel =
            run(openai, state, static_cast<std::size_t>(parallelism), text, &chunks);
        std::printf("text_bytes=%zu chunks=%zu delay_ms=%ld\n", text.size(), chunks, delay_ms);
        std::printf("serial_ms=%.1f parallel_ms=%.1f parallelism=%ld speedup=%.2fx\n", serial,
                    parallel, parallelism, serial / parallel);
    }
    std::filesystem::remove_all(dir);
    return 0;
}

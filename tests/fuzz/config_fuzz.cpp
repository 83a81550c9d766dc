// Flags, environment and config file: anything malformed is a ConfigError naming the setting,
// never another exception, a crash or a hang.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fuzz_file.hpp"
#include "venom/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider input(data, size);
    static const char* names[] = {"VENOM_PORT",
                                  "VENOM_HOST",
                                  "MAX_STORAGE_GB",
                                  "OLLAMA_HOST",
                                  "VENOM_LOG_LEVEL",
                                  "DEFAULT_MODEL_SIZE_GB",
                                  "VENOM_SERVICE_MANAGER",
                                  "HF_ENDPOINT",
                                  "VENOM_API_TOKEN",
                                  "VENOM_CATALOG_TTL_SECONDS"};
    std::map<std::string, std::string> env;
    const int env_count = input.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < env_count; ++i) {
        env[names[input.ConsumeIntegralInRange<int>(0, 9)]] = input.ConsumeRandomLengthString(64);
    }
    std::vector<std::string> args;
    const int arg_count = input.ConsumeIntegralInRange<int>(0, 6);
    for (int i = 0; i < arg_count; ++i) args.push_back(input.ConsumeRandomLengthString(64));
    const std::string file = input.ConsumeRemainingBytesAsString();
    const auto path = venom::fuzz::write_scratch(
        "venom.json", reinterpret_cast<const uint8_t*>(file.data()), file.size());
    args.insert(args.begin(), {"--config", path.string()});

    venom::normalize_ollama_host(env.count("OLLAMA_HOST") ? env["OLLAMA_HOST"] : file);
    try {
        venom::load_config(args, [&](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end()) return std::nullopt;
            return it->second;
        });
    } catch (const venom::ConfigError&) {
        // The contract: a one-line error naming the setting.
    }
    return 0;
}

#pragma once
// Fuzz targets whose code under test reads a file (manifest, operations history, GGUF header):
// one scratch directory per process under /dev/shm when it exists (no disk wear), emptied
// between inputs so nothing one input leaves (a ".corrupt-<time>" copy) changes the next.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace venom::fuzz {

inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                         ? "/dev/shm"
                                         : std::filesystem::temp_directory_path();
        std::string pattern = (base / "venom-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) std::abort();
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch_dir(), ec);
        });
        return std::filesystem::path(pattern);
    }();
    return dir;
}

// Empties the scratch directory and writes `data` to `name` in it.
inline std::filesystem::path write_scratch(const std::string& name, const uint8_t* data,
                                           size_t size) {
    const auto& dir = scratch_dir();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::filesystem::remove_all(entry.path(), ec);
    }
    const auto path = dir / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

}  // namespace venom::fuzz

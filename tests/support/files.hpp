#pragma once
// Reading and writing whole files in tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace venom::testing {

// The file's bytes; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Writes `text` to `path`, creating its folders.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

}  // namespace venom::testing

#include "venom/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace venom {
namespace {

namespace fs = std::filesystem;

std::atomic<unsigned> g_temp_counter{0};

Error step_error(const char* step, const fs::path& path, int err) {
    return make_error(
        500, "storage_error",
        std::string("Could not write ") + path.string() + " (" + step + "): " + std::strerror(err));
}

bool injected(WriteFaults* faults, WriteStep step) {
    return faults && faults->fail_at(step);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string temp_prefix(const fs::path& path) {
    return path.filename().string() + ".tmp-";
}

}  // namespace

Result<void> write_file_durably(const fs::path& path, std::string_view content,
                                WriteFaults* faults) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const fs::path temp = dir / (temp_prefix(path) + std::to_string(::getpid()) + "-" +
                                 std::to_string(g_temp_counter++));

    int fd = injected(faults, WriteStep::create_temp)
                 ? (errno = EIO, -1)
                 : ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return step_error("create temp", temp, errno);

    auto fail = [&](const char* step) {
        int err = errno;
        if (fd >= 0) ::close(fd);
        ::unlink(temp.c_str());
        return Result<void>(step_error(step, path, err));
    };
    if (injected(faults, WriteStep::write)) return (errno = ENOSPC, fail("write"));
    if (!write_all(fd, content)) return fail("write");
    auto committed = commit_durably(fd, temp, path, faults);
    ::close(fd);                             // after fsync nothing is left for close to report
    if (!committed) ::unlink(temp.c_str());  // nothing once the rename happened
    return committed;
}

Result<void> commit_durably(int fd, const fs::path& temp, const fs::path& path,
                            WriteFaults* faults) {
    if (injected(faults, WriteStep::fsync_file)) return step_error("fsync", path, EIO);
    if (::fsync(fd) != 0) return step_error("fsync", path, errno);
    if (injected(faults, WriteStep::rename)) return step_error("rename", path, EIO);
    if (::rename(temp.c_str(), path.c_str()) != 0) return step_error("rename", path, errno);

    // The rename is only durable once the directory entry is on disk.
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (injected(faults, WriteStep::fsync_dir)) {
        return step_error("fsync directory", dir, EIO);
    }
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return step_error("open directory", dir, errno);
    int rc = ::fsync(dir_fd);
    int err = errno;
    ::close(dir_fd);
    if (rc != 0) return step_error("fsync directory", dir, err);
    return {};
}

void remove_stale_temp_files(const fs::path& path) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string prefix = temp_prefix(path);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove(entry.path(), ec);
    }
}

}  // namespace venom

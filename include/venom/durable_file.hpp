#pragma once
// Crash-safe whole-file replacement: temp file in the same directory, fsync, rename, fsync of
// the directory (DESIGN.md "Data on disk"). A crash at any instant leaves the old or the new
// content at `path`, never a mix.

#include <filesystem>
#include <string_view>

#include "venom/result.hpp"

namespace venom {

enum class WriteStep { create_temp, write, fsync_file, rename, fsync_dir };

// Fault-injection port for tests: return true to make that step fail as if the OS had.
class WriteFaults {
public:
    virtual ~WriteFaults() = default;
    virtual bool fail_at(WriteStep step) = 0;
};

// Replaces `path` with `content`. On any failure before the rename the old file is untouched
// and the temp file is removed; errors are 500 "storage_error" naming the step and errno text.
// Thread-safe for distinct paths; callers serialise writes to one path.
Result<void> write_file_durably(const std::filesystem::path& path, std::string_view content,
                                WriteFaults* faults = nullptr);

// The end of every durable write, shared by write_file_durably() and the Hub's blob writer:
// fsyncs `fd` (open on `temp`, the caller closes it), renames `temp` to `path` and fsyncs the
// directory. A failure before the rename leaves `temp` where it is, for the caller to delete or
// keep; errors are 500 "storage_error" naming the step.
Result<void> commit_durably(int fd, const std::filesystem::path& temp,
                            const std::filesystem::path& path, WriteFaults* faults = nullptr);

// Removes temp files a crash left beside `path` (their names start with "<name>.tmp-").
void remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace venom

#pragma once
// A one-line progress bar redrawn in place with plain ANSI ("\r", then "ESC[2K" to erase the
// line): percentage, bytes, rate, ETA and the current phase, cut to the terminal's width.
// In-tree because Debian ships no progress-bar library (indicators is not packaged) and a bar
// is this one small file.
//
// Thread-safety: one thread.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>

namespace venom::cli {

struct ProgressState {
    double percent = 0;  // 0..100
    std::uint64_t bytes_done = 0;
    std::uint64_t bytes_total = 0;  // 0: unknown (a phase without bytes)
    std::string message;
};

class ProgressBar {
public:
    // `out` must be a terminal; its width is read at each draw, so a resize takes effect.
    explicit ProgressBar(std::FILE* out);

    void draw(const ProgressState& state);
    // Ends the bar's line, leaving the last drawing on screen (before a prompt or a summary).
    void finish();
    // Bytes per second over the last few seconds; 0 until two samples apart in time.
    double rate() const;

    // The line draw() prints for `width` columns, without the control characters (tests).
    std::string render(const ProgressState& state, int width) const;

private:
    struct Sample {
        std::chrono::steady_clock::time_point at;
        std::uint64_t bytes;
    };
    std::FILE* out_;
    std::deque<Sample> samples_;
    bool drawn_ = false;
};

}  // namespace venom::cli

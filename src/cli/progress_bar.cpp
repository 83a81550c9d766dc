#include "cli/progress_bar.hpp"

#include <algorithm>
#include <cmath>

#include "cli/human_format.hpp"
#include "cli/terminal.hpp"

namespace venom::cli {

namespace {

// The rate is averaged over this window: long enough to smooth chunk bursts, short enough to
// follow a real change of speed.
constexpr auto kRateWindow = std::chrono::seconds(5);

// Keeps the first `columns` code points of UTF-8 `text`, ending in "…" when cut.
std::string cut(const std::string& text, std::size_t columns) {
    std::size_t points = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (points == columns) {
            if (columns == 0) return "";
            // Drop the last code point for the ellipsis.
            std::size_t end = i - 1;
            while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
            return text.substr(0, end) + "…";
        }
        ++points;
    }
    return text;
}

}  // namespace

ProgressBar::ProgressBar(std::FILE* out) : out_(out) {}

double ProgressBar::rate() const {
    if (samples_.size() < 2) return 0;
    const auto& first = samples_.front();
    const auto& last = samples_.back();
    const double seconds = std::chrono::duration<double>(last.at - first.at).count();
    if (seconds < 0.2 || last.bytes < first.bytes) return 0;
    return static_cast<double>(last.bytes - first.bytes) / seconds;
}

std::string ProgressBar::render(const ProgressState& state, int width) const {
    const double percent = std::clamp(state.percent, 0.0, 100.0);
    char figures[128];
    std::snprintf(figures, sizeof figures, "%3.0f%%", std::floor(percent));
    std::string tail = figures;
    if (state.bytes_total > 0) {
        tail += "  " + human_bytes(static_cast<double>(state.bytes_done)) + "/" +
                human_bytes(static_cast<double>(state.bytes_total));
        const double bytes_per_second = rate();
        if (bytes_per_second > 0) {
            const double left = static_cast<double>(state.bytes_total -
                                                    std::min(state.bytes_done, state.bytes_total));
            tail += "  " + human_bytes(bytes_per_second) + "/s  ETA " +
                    human_duration(left / bytes_per_second);
        }
    }
    // The bar takes a third of a wide terminal, at most 40 and at least 10 columns.
    const int bar_width = std::clamp(width / 3, 10, 40);
    const int filled = static_cast<int>(std::lround(percent / 100.0 * bar_width));
    std::string line = "[";
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(bar_width - filled), '.');
    line += "] ";
    line += tail;
    if (!state.message.empty()) line += "  " + state.message;
    // One column short of the width: a line that fills it makes some terminals wrap.
    return cut(line, static_cast<std::size_t>(std::max(width - 1, 0)));
}

void ProgressBar::draw(const ProgressState& state) {
    const auto now = std::chrono::steady_clock::now();
    if (!samples_.empty() && state.bytes_done < samples_.back().bytes) samples_.clear();
    samples_.push_back({now, state.bytes_done});
    while (samples_.size() > 2 && now - samples_.front().at > kRateWindow) samples_.pop_front();
    const std::string line = render(state, terminal_width(out_));
    std::fprintf(out_, "\r\x1b[2K%s", line.c_str());
    std::fflush(out_);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (!drawn_) return;
    std::fputc('\n', out_);
    std::fflush(out_);
    drawn_ = false;
}

}  // namespace venom::cli

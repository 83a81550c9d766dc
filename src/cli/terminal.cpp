#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace venom::cli {

bool is_terminal(std::FILE* stream) {
    return ::isatty(::fileno(stream)) == 1;
}

int terminal_width(std::FILE* stream, int fallback) {
    winsize size{};
    if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return fallback;
}

}  // namespace venom::cli

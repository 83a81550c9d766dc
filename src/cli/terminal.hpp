#pragma once
// What venomctl asks of the terminal: whether a stream is one (bars and prompts only then) and
// how wide it is.

#include <cstdio>

namespace venom::cli {

bool is_terminal(std::FILE* stream);
// Columns of the terminal behind `stream` (ioctl TIOCGWINSZ), `fallback` when it is none or
// does not say.
int terminal_width(std::FILE* stream, int fallback = 80);

}  // namespace venom::cli

#include "cli/table_printer.hpp"

#include <algorithm>

namespace venom::cli {

namespace {

// Display width of UTF-8 text: one column per code point (model names are ASCII; a message may
// carry an ellipsis).
std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

TablePrinter::TablePrinter(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_(headers_.size(), false) {}

void TablePrinter::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

void TablePrinter::align_right(std::size_t column) {
    if (column < right_.size()) right_[column] = true;
}

void TablePrinter::print(std::FILE* out) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) {
        widths[c] = display_width(headers_[c]);
        for (const auto& row : rows_) widths[c] = std::max(widths[c], display_width(row[c]));
    }
    auto print_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(widths[c] - display_width(cells[c]), ' ');
            const bool last = c + 1 == cells.size();
            line += right_[c] ? pad + cells[c] : cells[c] + (last ? "" : pad);
            if (!last) line += "  ";
        }
        std::fprintf(out, "%s\n", line.c_str());
    };
    print_row(headers_);
    for (const auto& row : rows_) print_row(row);
}

void TablePrinter::print_or(std::FILE* out, const char* when_empty) const {
    if (empty()) {
        std::fprintf(out, "%s\n", when_empty);
    } else {
        print(out);
    }
}

}  // namespace venom::cli

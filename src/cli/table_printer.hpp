#pragma once
// Plain aligned columns, as `ollama ps` and `docker ps` print them: a header row, two spaces
// between columns, no borders and no colour, so the output greps and pipes well.

#include <cstdio>
#include <string>
#include <vector>

namespace venom::cli {

class TablePrinter {
public:
    explicit TablePrinter(std::vector<std::string> headers);
    // A row with as many cells as headers (missing cells print empty).
    void add_row(std::vector<std::string> cells);
    // Columns whose every cell is a number read better aligned right.
    void align_right(std::size_t column);
    void print(std::FILE* out) const;
    // The table, or `when_empty` on a line of its own when it has no rows.
    void print_or(std::FILE* out, const char* when_empty) const;
    bool empty() const { return rows_.empty(); }

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

}  // namespace venom::cli

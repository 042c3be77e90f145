#include "host/commands/table.hpp"

#include <algorithm>
#include <ostream>

namespace moltbot::cli {

void printTable(std::ostream &out, const std::vector<std::vector<std::string>> &rows) {
    std::vector<std::size_t> widths;
    for (const auto &row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto &row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        out << line << "\n";
    }
}

std::string commaListOrDash(const std::vector<std::string> &items) {
    if (items.empty()) return "-";
    std::string text;
    for (const auto &item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace moltbot::cli

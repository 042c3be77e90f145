// Aligned text tables for the human output of the list commands (plugins list, keys list).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace moltbot::cli {

// Rows of cells printed as columns two spaces apart; the last column is not padded.
void printTable(std::ostream &out, const std::vector<std::vector<std::string>> &rows);

// Items as one line for people, "a, b, c"; "-" when there are none.
std::string commaListOrDash(const std::vector<std::string> &items);

}  // namespace moltbot::cli

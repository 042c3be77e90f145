// The example files of docs/ run as written by the tests: read one with the addresses a test needs put in.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace moltbot::test {

// The file at `relative` under the source tree with every occurrence of each `from` replaced by its `to`, in order.
// Throws, naming the file, when a `from` is not there (the example changed under the tests).
std::string exampleWith(const std::string &relative, const std::vector<std::pair<std::string, std::string>> &changes);

}  // namespace moltbot::test

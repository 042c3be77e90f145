#include "tests/support/examples.hpp"

#include "tests/support/process.hpp"

#include <stdexcept>

namespace moltbot::test {

std::string exampleWith(const std::string &relative, const std::vector<std::pair<std::string, std::string>> &changes) {
    std::string text = readFile(sourcePath(relative));
    for (const auto &[from, to] : changes) {
        std::size_t count = 0;
        for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
            text.replace(at, from.size(), to);
            ++count;
        }
        if (count == 0) throw std::runtime_error(relative + " no longer has '" + from + "'");
    }
    return text;
}

}  // namespace moltbot::test

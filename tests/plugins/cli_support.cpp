#include "tests/plugins/cli_support.hpp"

#include "tests/plugins/fixtures.hpp"

#include <sstream>

namespace moltbot::test {

RunResult runMoltbot(const std::vector<std::string> &args, const TempDir &home, const std::string &pluginPath,
                     RunOptions options) {
    std::vector<std::string> argv{moltbotBinary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    options.env.try_emplace("HOME", home.path().string());
    options.env.try_emplace("MOLTBOT_STATE_DIR", (home.path() / "state").string());
    options.env.try_emplace("MOLTBOT_PLUGIN_PATH", pluginPath);
    return run(argv, options);
}

std::string pathOf(std::initializer_list<std::string> fixtures) {
    std::string joined;
    for (const auto &name : fixtures) joined += (joined.empty() ? "" : ":") + fixtureDir(name).string();
    return joined;
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::string lineWith(const std::string &text, const std::string &part) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (contains(line, part)) return line;
    }
    return {};
}

}  // namespace moltbot::test

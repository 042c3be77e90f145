// Every plugin the build produces exports exactly one dynamic symbol, the entry point (docs/abi.md §2).
#include "tests/support/process.hpp"

#include <moltbot/plugin.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

using namespace moltbot::test;
namespace fs = std::filesystem;

namespace {

// Every *.so under the build tree, except meson's own files and the fixture that exports a misnamed entry point on
// purpose (tests/fixtures/plugins/noentry).
std::vector<fs::path> builtPlugins() {
    std::vector<fs::path> plugins;
    fs::path root = buildPath("");
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string name = it->path().filename().string();
        if (it->is_directory() && (name == "meson-private" || name == "meson-logs" || name == "noentry" ||
                                   name.ends_with(".p"))) {
            it.disable_recursion_pending();
        } else if (it->is_regular_file() && it->path().extension() == ".so") {
            plugins.push_back(it->path());
        }
    }
    return plugins;
}

// The names of the symbols `file` defines in its dynamic symbol table.
std::vector<std::string> exportedSymbols(const fs::path &file) {
    RunResult result = run({"nm", "-D", "--defined-only", file.string()});
    REQUIRE_MESSAGE(result.exitCode == 0, result.err);
    std::vector<std::string> names;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string address, type, name;
        if (fields >> address >> type >> name) names.push_back(name);
    }
    return names;
}

}  // namespace

TEST_CASE("every built plugin exports only " MB_ENTRY_SYMBOL) {
    std::vector<fs::path> plugins = builtPlugins();
    // At least the fixtures of this suite: echo, cppecho and the broken ones built with the version script.
    CHECK(plugins.size() >= 7);
    for (const auto &plugin : plugins) {
        INFO(plugin.string());
        CHECK(exportedSymbols(plugin) == std::vector<std::string>{MB_ENTRY_SYMBOL});
    }
}

TEST_CASE("the check would notice a plugin exporting something else") {
    std::vector<std::string> names =
        exportedSymbols(buildPath("tests/fixtures/plugins/noentry/noentry.so"));
    CHECK(names == std::vector<std::string>{"moltbot_plugin_negotiate_v1"});
}

// Plugins built out of tree against the moved install only, the ways a plugin author would: a meson project finding
// moltbot-plugin.pc and moltbot-plugin-cpp.pc through PKG_CONFIG_PATH, and a CMake project finding the
// MoltbotPlugin package through CMAKE_PREFIX_PATH. Both build the C example (docs/examples/c-plugin) and a C++ plugin
// on the SDK's helpers (sdk_users/hello.cpp, which needs RapidJSON through the C++ package); each plugin must then load
// from the state dir's plugin folder of the moved binary and answer. The make + pkg-config way is in install_test.cpp.
#include "tests/install/installed_tree.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace moltbot::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// `text` with every run of white space made one space (CMake wraps its messages).
std::string squeezed(const std::string &text) {
    std::string out;
    for (char c : text) {
        bool space = c == ' ' || c == '\n' || c == '\t';
        if (!space) out += c;
        else if (!out.empty() && out.back() != ' ') out += ' ';
    }
    return out;
}

// A copy of tests/install/sdk_users plus the C example, as a plugin author's source folder.
void copySources(const fs::path &to) {
    for (const auto &entry : fs::directory_iterator(sourcePath("tests/install/sdk_users"))) {
        fs::copy_file(entry.path(), to / entry.path().filename());
    }
    fs::copy_file(sourcePath("docs/examples/c-plugin/example.c"), to / "example.c");
}

std::vector<BuiltPlugin> builtPlugins(const fs::path &folder) {
    return {
        {folder / "example.so", "org.example.greeter", "example", "Hello from a C plugin."},
        {folder / "hello.so", "org.example.hello", "hello", "Hello from C++."},
    };
}

RunResult step(const std::vector<std::string> &argv, RunOptions options, const fs::path &cwd) {
    options.cwd = cwd;
    options.timeout = std::chrono::seconds(120);
    RunResult result = run(argv, options);
    INFO(argv[0], " ", argv[1], "\n", result.out, result.err);
    REQUIRE(result.exitCode == 0);
    return result;
}

}  // namespace

TEST_CASE("a meson project builds C and C++ plugins with dependency('moltbot-plugin') and 'moltbot-plugin-cpp'") {
    const InstalledTree &tree = installedTree();
    TempDir work;
    fs::path source = work.path() / "src";
    fs::create_directories(source);
    copySources(source);
    RunOptions options = tree.pkgConfigEnv();
    options.env["HOME"] = work.path().string();

    RunResult setup = step({"meson", "setup", (work.path() / "build").string()}, options, source);
    // The plugin folder the .pc file names is the moved tree's.
    CHECK(contains(setup.out, "plugindir="));
    step({"ninja", "-j2", "-C", (work.path() / "build").string()}, options, source);
    checkLoadsFromStateDir(tree, builtPlugins(work.path() / "build"));
}

// Run as the separate meson test "install-cmake", SKIPPED where cmake is not installed (main.cpp).
TEST_CASE("a CMake project builds C and C++ plugins with find_package(MoltbotPlugin) [cmake]") {
    const InstalledTree &tree = installedTree();
    TempDir work;
    fs::path source = work.path() / "src";
    fs::create_directories(source);
    copySources(source);
    fs::path build = work.path() / "build";
    RunOptions options;
    options.env["HOME"] = work.path().string();

    step({"cmake", "-S", source.string(), "-B", build.string(), "-DCMAKE_PREFIX_PATH=" + tree.prefix.string()},
         options, work.path());
    // The package the search found is the moved tree's, and its paths point into the moved tree.
    std::string found = readFile(build / "found.txt");
    INFO(found);
    CHECK(contains(found, "dir=" + tree.cmakeDir.string() + "\n"));
    CHECK(contains(found, "abi=1.1\n"));
    CHECK(contains(found, "plugindir=" + tree.pluginDir.string() + "\n"));
    step({"cmake", "--build", build.string(), "-j", "2"}, options, work.path());
    checkLoadsFromStateDir(tree, builtPlugins(build));

    // The version file: a newer major than the install is refused. (A language is enabled, as in any plugin project:
    // CMake searches <prefix>/lib/<multiarch>/cmake only once it knows the architecture.)
    fs::path probe = work.path() / "probe";
    fs::create_directories(probe);
    std::ofstream(probe / "CMakeLists.txt") << "cmake_minimum_required(VERSION 3.13)\nproject(probe C)\n"
                                               "find_package(MoltbotPlugin 99 CONFIG REQUIRED)\n";
    options.cwd = work.path();
    RunResult refused = run({"cmake", "-S", probe.string(), "-B", (probe / "build").string(),
                             "-DCMAKE_PREFIX_PATH=" + tree.prefix.string()},
                            options);
    CHECK(refused.exitCode != 0);
    CHECK(contains(squeezed(refused.err), "compatible with requested version \"99\""));
}

// A `meson install --destdir` of the current build into a temporary folder, then moved to another folder so that
// every test runs against a relocated tree. Made once per test program.
#pragma once

#include "tests/support/process.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace moltbot::test {

struct InstalledTree {
    TempDir dir;
    std::filesystem::path root;        // the moved destdir: <root><prefix>/...
    std::filesystem::path prefix;      // <root><prefix>
    std::filesystem::path binary;      // <root><prefix>/bin/moltbot
    std::filesystem::path pluginDir;   // <root><prefix>/<libdir>/moltbot/plugins
    std::filesystem::path includeDir;  // <root><prefix>/include
    std::filesystem::path pkgConfigDir;  // <root><prefix>/<libdir>/pkgconfig
    std::filesystem::path cmakeDir;      // <root><prefix>/<libdir>/cmake/MoltbotPlugin
    std::filesystem::path docDir;        // <root><prefix>/share/doc/moltbot
    std::string systemPkgConfigPath;     // pkg-config's own search path, for what the .pc files require (RapidJSON)

    // pkg-config finds this tree's moltbot-plugin*.pc first (never a copy installed on the system), the system's
    // RapidJSON.pc after it. Nothing maps the install prefix: the .pc files are relocatable.
    RunOptions pkgConfigEnv() const;
    // A user whose HOME is `home`, with no MOLTBOT_* variables: plugins come from the state dir and the install.
    RunOptions userEnv(const std::filesystem::path &home) const;
};

// Installs on first use; REQUIREs that the install worked.
const InstalledTree &installedTree();

// Drops `plugins` into the state dir's plugin folder of a fresh HOME and checks, through the moved tree's real
// binary, that `plugins list --json` loads each from there (none skipped) and that each answers its prefix.
struct BuiltPlugin {
    std::filesystem::path file;
    std::string id;
    std::string prefix;
    std::string answer;  // what `moltbot agent --model <prefix>/anything -m hi` prints
};
void checkLoadsFromStateDir(const InstalledTree &tree, const std::vector<BuiltPlugin> &plugins);

// The path of the first `-I` flag in `flags`, or empty.
std::filesystem::path firstIncludeFlag(const std::string &flags);

}  // namespace moltbot::test

// A `meson install --destdir` of the current build into a temporary folder, then moved to another folder so that
// every test runs against a relocated tree. Made once per test program.
#pragma once

#include "tests/support/process.hpp"

#include <filesystem>

namespace moltbot::test {

struct InstalledTree {
    TempDir dir;
    std::filesystem::path root;        // the moved destdir: <root><prefix>/...
    std::filesystem::path binary;      // <root><prefix>/bin/moltbot
    std::filesystem::path pluginDir;   // <root><prefix>/<libdir>/moltbot/plugins
    std::filesystem::path includeDir;  // <root><prefix>/include
    std::filesystem::path pkgConfigDir;

    // pkg-config finds moltbot-plugin.pc of this tree (PKG_CONFIG_SYSROOT_DIR maps the install prefix into root).
    RunOptions pkgConfigEnv() const;
    // A user whose HOME is `home`, with no MOLTBOT_* variables: plugins come from the state dir and the install.
    RunOptions userEnv(const std::filesystem::path &home) const;
};

// Installs on first use; REQUIREs that the install worked.
const InstalledTree &installedTree();

}  // namespace moltbot::test

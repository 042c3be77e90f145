#include "tests/install/installed_tree.hpp"

#include <doctest/doctest.h>

#include <memory>

namespace moltbot::test {

namespace fs = std::filesystem;

namespace {

// The one file named `name` under `root` whose parent folder is called `parent`.
fs::path findUnder(const fs::path &root, const std::string &parent, const std::string &name) {
    for (const auto &entry : fs::recursive_directory_iterator(root)) {
        if (entry.path().filename() == name && entry.path().parent_path().filename() == parent) return entry.path();
    }
    FAIL("no " << parent << "/" << name << " under " << root.string());
    return {};
}

std::unique_ptr<InstalledTree> install() {
    auto tree = std::make_unique<InstalledTree>();
    fs::path staged = tree->dir.path() / "staged";
    RunOptions options;
    options.timeout = std::chrono::seconds(120);
    RunResult installed = run({"meson", "install", "-C", buildPath("").string(), "--no-rebuild", "--quiet",
                               "--destdir", staged.string()},
                              options);
    INFO(installed.out, installed.err);
    REQUIRE(installed.exitCode == 0);
    // Relocatable: nothing in the tree may depend on where it was installed.
    tree->root = tree->dir.path() / "moved";
    fs::rename(staged, tree->root);
    tree->binary = findUnder(tree->root, "bin", "moltbot");
    tree->pluginDir = findUnder(tree->root, "plugins", "openrouter.so").parent_path();
    tree->includeDir = findUnder(tree->root, "moltbot", "plugin.h").parent_path().parent_path();
    tree->pkgConfigDir = findUnder(tree->root, "pkgconfig", "moltbot-plugin.pc").parent_path();
    return tree;
}

}  // namespace

RunOptions InstalledTree::pkgConfigEnv() const {
    RunOptions options;
    options.env["PKG_CONFIG_PATH"] = pkgConfigDir.string();
    options.env["PKG_CONFIG_LIBDIR"] = pkgConfigDir.string();  // only this tree, never the system's copy
    options.env["PKG_CONFIG_SYSROOT_DIR"] = root.string();
    return options;
}

RunOptions InstalledTree::userEnv(const fs::path &home) const {
    RunOptions options;
    options.env["HOME"] = home.string();
    return options;
}

const InstalledTree &installedTree() {
    static std::unique_ptr<InstalledTree> tree = install();
    return *tree;
}

}  // namespace moltbot::test

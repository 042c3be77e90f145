#include "tests/install/installed_tree.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <memory>
#include <sstream>

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

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
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
    tree->prefix = tree->binary.parent_path().parent_path();
    tree->pluginDir = findUnder(tree->root, "plugins", "openrouter.so").parent_path();
    tree->includeDir = findUnder(tree->root, "moltbot", "plugin.h").parent_path().parent_path();
    tree->pkgConfigDir = findUnder(tree->root, "pkgconfig", "moltbot-plugin.pc").parent_path();
    tree->cmakeDir = findUnder(tree->root, "MoltbotPlugin", "MoltbotPluginConfig.cmake").parent_path();
    tree->docDir = findUnder(tree->root, "moltbot", "plugin-authoring.md").parent_path();
    RunResult pcPath = run({"pkg-config", "--variable=pc_path", "pkg-config"});
    REQUIRE(pcPath.exitCode == 0);
    tree->systemPkgConfigPath = trimmed(pcPath.out);
    return tree;
}

}  // namespace

RunOptions InstalledTree::pkgConfigEnv() const {
    RunOptions options;
    options.env["PKG_CONFIG_PATH"] = pkgConfigDir.string();
    options.env["PKG_CONFIG_LIBDIR"] = pkgConfigDir.string() + ":" + systemPkgConfigPath;
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

fs::path firstIncludeFlag(const std::string &flags) {
    std::istringstream words(flags);
    std::string word;
    while (words >> word) {
        if (word.rfind("-I", 0) == 0) return word.substr(2);
    }
    return {};
}

void checkLoadsFromStateDir(const InstalledTree &tree, const std::vector<BuiltPlugin> &plugins) {
    TempDir home;
    fs::path folder = home.path() / ".moltbot" / "plugins";
    fs::create_directories(folder);
    for (const BuiltPlugin &plugin : plugins) {
        INFO(plugin.file.string());
        // One exported symbol, the entry point (docs/abi.md §2).
        RunResult symbols = run({"nm", "-D", "--defined-only", plugin.file.string()});
        REQUIRE(symbols.exitCode == 0);
        std::istringstream lines(symbols.out);
        std::string address, kind, name, exported;
        while (lines >> address >> kind >> name) {
            if (kind == "T") exported += name + " ";
        }
        CHECK(exported == "moltbot_plugin_negotiate ");
        fs::copy_file(plugin.file, folder / plugin.file.filename());
    }
    RunOptions options = tree.userEnv(home.path());

    RunResult list = run({tree.binary.string(), "plugins", "list", "--json"}, options);
    INFO(list.out, list.err);
    REQUIRE(list.exitCode == 0);
    rapidjson::Document json;
    json.Parse(list.out.c_str());
    REQUIRE_FALSE(json.HasParseError());
    REQUIRE(json.IsObject());
    CHECK(json["skipped"].Size() == 0);
    for (const BuiltPlugin &plugin : plugins) {
        INFO(plugin.id);
        const rapidjson::Value *found = nullptr;
        for (const auto &entry : json["plugins"].GetArray()) {
            if (std::string(entry["id"].GetString()) == plugin.id) found = &entry;
        }
        REQUIRE(found != nullptr);
        CHECK(std::string((*found)["path"].GetString()) == (folder / plugin.file.filename()).string());
        CHECK(std::string((*found)["abi"].GetString()) == "1.1");
        REQUIRE((*found)["prefixes"].Size() == 1);
        CHECK(std::string((*found)["prefixes"][0].GetString()) == plugin.prefix);

        RunResult answer = run({tree.binary.string(), "agent", "--model", plugin.prefix + "/anything", "-m", "hi"},
                               options);
        INFO(answer.err);
        CHECK(answer.exitCode == 0);
        CHECK(answer.out == plugin.answer + "\n");
    }
}

}  // namespace moltbot::test

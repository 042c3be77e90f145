// The installed tree end to end: `meson install --destdir` of this build into a temporary folder, moved once (the
// tree is relocatable: the binary finds its plugins relative to itself), then a plugin in plain C built out of tree
// from docs/examples/c-plugin against the installed SDK only (pkg-config, cc from PATH) and dropped into the state
// dir's plugin folder.
#include "tests/install/installed_tree.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace moltbot::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// The first line of `text` containing `part`, or "".
std::string lineWith(const std::string &text, const std::string &part) {
    std::size_t at = text.find(part);
    if (at == std::string::npos) return "";
    std::size_t begin = text.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(begin, text.find('\n', at) - begin);
}

}  // namespace

TEST_CASE("meson install puts the binary, the plugins, the SDK headers and moltbot-plugin.pc in a relocatable tree") {
    const InstalledTree &tree = installedTree();
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "plugin.h"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "sdk" / "sse.hpp"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "sdk" / "host.hpp"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "ext" / "key_info.h"));
    CHECK(readFile(tree.includeDir / "moltbot" / "plugin.h") == readFile(sourcePath("plugins/common/include/moltbot/plugin.h")));
    CHECK(fs::is_regular_file(tree.pluginDir / "openrouter.so"));
    CHECK(fs::is_regular_file(tree.pluginDir / "openai-compatible.so"));

    // Headers only: a plugin links nothing of moltbot.
    RunResult libs = run({"pkg-config", "--libs", "moltbot-plugin"}, tree.pkgConfigEnv());
    CHECK(libs.exitCode == 0);
    CHECK(libs.out.find_first_not_of(" \n") == std::string::npos);
    RunResult cflags = run({"pkg-config", "--cflags", "moltbot-plugin"}, tree.pkgConfigEnv());
    CHECK(cflags.exitCode == 0);
    CHECK(contains(cflags.out, "-I" + tree.includeDir.string()));

    TempDir home;
    RunOptions options = tree.userEnv(home.path());
    RunResult paths = run({tree.binary.string(), "plugins", "path"}, options);
    CHECK(paths.exitCode == 0);
    CHECK(contains(lineWith(paths.out, "install"), tree.pluginDir.string()));
    CHECK(contains(lineWith(paths.out, "state dir"), (home.path() / ".moltbot" / "plugins").string()));
    CHECK_FALSE(contains(paths.out, "build tree"));

    RunResult list = run({tree.binary.string(), "plugins", "list"}, options);
    CHECK(list.exitCode == 0);
    CHECK(contains(lineWith(list.out, "ai.moltbot.openrouter"), (tree.pluginDir / "openrouter.so").string()));
    CHECK(contains(lineWith(list.out, "ai.moltbot.openai-compatible"), tree.pluginDir.string()));
}

TEST_CASE("a C plugin built out of tree against the installed SDK serves its prefix from the state dir's plugin folder") {
    const InstalledTree &tree = installedTree();
    TempDir source;
    for (const char *name : {"example.c", "Makefile"}) {
        fs::copy_file(sourcePath(std::string("docs/examples/c-plugin/") + name), source.path() / name);
    }
    RunOptions build = tree.pkgConfigEnv();
    build.cwd = source.path();
    RunResult made = run({"make", "CC=cc"}, build);
    INFO(made.out, made.err);
    REQUIRE(made.exitCode == 0);
    REQUIRE(fs::is_regular_file(source.path() / "example.so"));

    TempDir home;
    fs::path dropped = home.path() / ".moltbot" / "plugins" / "example.so";
    fs::create_directories(dropped.parent_path());
    fs::copy_file(source.path() / "example.so", dropped);
    RunOptions options = tree.userEnv(home.path());

    RunResult list = run({tree.binary.string(), "plugins", "list"}, options);
    CHECK(list.exitCode == 0);
    std::string row = lineWith(list.out, "org.example.greeter");
    CHECK(contains(row, "example"));
    CHECK(contains(row, dropped.string()));

    RunResult answer = run({tree.binary.string(), "agent", "--model", "example/anything", "-m", "hi"}, options);
    INFO(answer.err);
    CHECK(answer.exitCode == 0);
    CHECK(answer.out == "Hello from a C plugin.\n");

    // Removing the file removes the provider; nothing is rebuilt.
    fs::remove(dropped);
    RunResult gone = run({tree.binary.string(), "agent", "--model", "example/anything", "-m", "hi"}, options);
    CHECK(gone.exitCode != 0);
    CHECK(contains(gone.err, "no plugin serves the prefix 'example'"));
}

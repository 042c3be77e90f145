// The installed tree end to end: `meson install --destdir` of this build into a temporary folder, moved once (the
// tree is relocatable: the binary finds its plugins relative to itself, the .pc files and the CMake package find the
// SDK relative to themselves), then a plugin in plain C built out of tree from docs/examples/c-plugin against the
// installed SDK only (pkg-config, cc from PATH) and dropped into the state dir's plugin folder. sdk_builds_test.cpp
// builds plugins against the same tree with meson and CMake.
#include "tests/install/installed_tree.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

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

TEST_CASE("meson install puts the binary, the plugins, the SDK and its docs in a relocatable tree") {
    const InstalledTree &tree = installedTree();
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "plugin.h"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "sdk" / "sse.hpp"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "sdk" / "host.hpp"));
    CHECK(fs::is_regular_file(tree.includeDir / "moltbot" / "ext" / "key_info.h"));
    // Every header of the SDK folder, byte for byte (a header added there ships without a build change).
    fs::path sdk = sourcePath("plugins/common/include");
    for (const auto &entry : fs::recursive_directory_iterator(sdk / "moltbot")) {
        if (!entry.is_regular_file()) continue;
        fs::path relative = fs::relative(entry.path(), sdk);
        INFO(relative.string());
        REQUIRE(fs::is_regular_file(tree.includeDir / relative));
        CHECK(readFile(tree.includeDir / relative) == readFile(entry.path()));
    }
    CHECK(fs::is_regular_file(tree.pluginDir / "openrouter.so"));
    CHECK(fs::is_regular_file(tree.pluginDir / "openai-compatible.so"));

    // The docs and the examples they link to, under share/doc/moltbot.
    for (const char *doc : {"abi.md", "abi-changelog.md", "plugin-authoring.md"}) {
        CHECK(readFile(tree.docDir / doc) == readFile(sourcePath(std::string("docs/") + doc)));
    }
    for (const char *example : {"c-plugin/example.c", "c-plugin/Makefile", "rust-plugin/Cargo.toml",
                                "rust-plugin/src/lib.rs", "rust-plugin/src/abi.rs", "rust-plugin/src/abi_test.rs",
                                "rust-plugin/src/guard.rs"}) {
        CHECK(readFile(tree.docDir / "examples" / example) == readFile(sourcePath(std::string("docs/examples/") + example)));
    }

    // The shell completions, where bash-completion, zsh and fish look, as `moltbot completion SHELL` prints them.
    fs::path share = tree.prefix / "share";
    for (auto [shell, file] : {std::pair{"bash", "bash-completion/completions/moltbot"},
                               {"zsh", "zsh/site-functions/_moltbot"}, {"fish", "fish/vendor_completions.d/moltbot.fish"}}) {
        INFO(file);
        REQUIRE(fs::is_regular_file(share / file));
        CHECK(readFile(share / file) == run({tree.binary.string(), "completion", shell}).out);
    }

    // The CMake package sits beside the .pc files, in <libdir>.
    CHECK(fs::is_regular_file(tree.cmakeDir / "MoltbotPluginConfigVersion.cmake"));
    CHECK(tree.cmakeDir.parent_path().parent_path() == tree.pkgConfigDir.parent_path());
}

TEST_CASE("the .pc files are relocatable: moltbot-plugin is C only, moltbot-plugin-cpp requires RapidJSON") {
    const InstalledTree &tree = installedTree();
    CHECK(contains(readFile(tree.pkgConfigDir / "moltbot-plugin.pc"), "prefix=${pcfiledir}/"));
    CHECK(contains(readFile(tree.pkgConfigDir / "moltbot-plugin-cpp.pc"), "prefix=${pcfiledir}/"));

    // Headers only: a plugin links nothing of moltbot.
    RunResult libs = run({"pkg-config", "--libs", "moltbot-plugin"}, tree.pkgConfigEnv());
    CHECK(libs.exitCode == 0);
    CHECK(libs.out.find_first_not_of(" \n") == std::string::npos);
    RunResult cflags = run({"pkg-config", "--cflags", "moltbot-plugin"}, tree.pkgConfigEnv());
    INFO(cflags.out, cflags.err);
    REQUIRE(cflags.exitCode == 0);
    fs::path include = firstIncludeFlag(cflags.out);
    REQUIRE_FALSE(include.empty());
    CHECK(fs::equivalent(include, tree.includeDir));
    RunResult pluginDir = run({"pkg-config", "--variable=plugindir", "moltbot-plugin"}, tree.pkgConfigEnv());
    REQUIRE(pluginDir.exitCode == 0);
    CHECK(fs::equivalent(pluginDir.out.substr(0, pluginDir.out.find('\n')), tree.pluginDir));
    RunResult abi = run({"pkg-config", "--variable=abi_version", "moltbot-plugin"}, tree.pkgConfigEnv());
    CHECK(abi.out == "1.1\n");

    RunResult cRequires = run({"pkg-config", "--print-requires", "moltbot-plugin"}, tree.pkgConfigEnv());
    CHECK(cRequires.exitCode == 0);
    CHECK(cRequires.out.empty());
    RunResult cppRequires = run({"pkg-config", "--print-requires", "moltbot-plugin-cpp"}, tree.pkgConfigEnv());
    CHECK(cppRequires.exitCode == 0);
    CHECK(cppRequires.out == "moltbot-plugin\nRapidJSON\n");
    RunResult cppFlags = run({"pkg-config", "--cflags", "moltbot-plugin-cpp"}, tree.pkgConfigEnv());
    INFO(cppFlags.err);
    CHECK(cppFlags.exitCode == 0);
}

TEST_CASE("the moved binary finds the plugins installed beside it") {
    const InstalledTree &tree = installedTree();
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
    checkLoadsFromStateDir(tree, {{source.path() / "example.so", "org.example.greeter", "example",
                                   "Hello from a C plugin."}});

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

namespace {

// The values of `key=` lines in a systemd unit, in order.
std::vector<std::string> unitValues(const std::string &unit, const std::string &key) {
    std::vector<std::string> values;
    std::istringstream lines(unit);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(key + "=")) values.push_back(line.substr(key.size() + 1));
    }
    return values;
}

std::vector<std::string> words(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream stream(text);
    for (std::string word; stream >> word;) out.push_back(word);
    return out;
}

}  // namespace

TEST_CASE("the systemd unit under share/moltbot/systemd names the installed binary, passes systemd-analyze, and its "
          "command line serves, reloads on its ExecReload signal and stops on its KillSignal in time") {
    const InstalledTree &tree = installedTree();
    fs::path unitFile = tree.prefix / "share" / "moltbot" / "systemd" / "moltbot-serve.service";
    REQUIRE(fs::is_regular_file(unitFile));
    std::string unit = readFile(unitFile);
    CHECK_FALSE(contains(unit, "@"));  // every placeholder configured

    // ExecStart is the binary at the install prefix (before the tree was moved), running `serve`.
    std::vector<std::string> start = unitValues(unit, "ExecStart");
    REQUIRE(start.size() == 1);
    std::vector<std::string> command = words(start[0]);
    REQUIRE(command.size() >= 2);
    fs::path installedPrefix = fs::path("/") / fs::relative(tree.prefix, tree.root);
    CHECK(fs::path(command[0]) == installedPrefix / fs::relative(tree.binary, tree.prefix));
    CHECK(command[1] == "serve");
    // The state folder systemd makes is the one moltbot is told to use.
    std::vector<std::string> state = unitValues(unit, "StateDirectory");
    REQUIRE(state.size() == 1);
    std::vector<std::string> environment = unitValues(unit, "Environment");
    CHECK(std::find(environment.begin(), environment.end(), "MOLTBOT_STATE_DIR=/var/lib/" + state[0]) !=
          environment.end());
    CHECK(unitValues(unit, "KillSignal") == std::vector<std::string>{"SIGTERM"});
    CHECK(unitValues(unit, "ExecReload") == std::vector<std::string>{"/bin/kill -HUP $MAINPID"});
    // Longer than the drain (gateway.drainSeconds, 30 s by default) before systemd's SIGKILL.
    std::vector<std::string> stopTimeout = unitValues(unit, "TimeoutStopSec");
    REQUIRE(stopTimeout.size() == 1);
    CHECK(std::stoi(stopTimeout[0]) > 30);

    // systemd's own check of every directive, with ExecStart pointing at the moved binary (it must exist).
    TempDir units;
    std::string moved = unit;
    moved.replace(moved.find(command[0]), command[0].size(), tree.binary.string());
    fs::path copy = units.write("moltbot-serve.service", moved);
    RunResult verify = run({"systemd-analyze", "verify", copy.string()});
    INFO(verify.out, verify.err);
    CHECK(verify.exitCode == 0);

    // The command line itself, as systemd would run it: ready, reloads on SIGHUP, exits 0 on SIGTERM at once when idle.
    TempDir home;
    home.write("moltbot.json", "{ gateway: { port: 0 } }\n");
    RunOptions options = tree.userEnv(home.path());
    options.env["MOLTBOT_STATE_DIR"] = home.path().string();
    std::vector<std::string> argv = command;
    argv[0] = tree.binary.string();
    Background server(argv, options);
    REQUIRE_MESSAGE(server.waitFor("moltbot: listening on http://127.0.0.1:", std::chrono::seconds(20)), server.output());
    std::string output = server.output();
    std::size_t at = output.find("127.0.0.1:") + 10;
    std::string port = output.substr(at, output.find_first_not_of("0123456789", at) - at);
    RunResult ready = run({"curl", "-s", "-m", "5", "http://127.0.0.1:" + port + "/ready"});
    CHECK(contains(ready.out, "\"ready\""));
    server.signal(SIGHUP);
    CHECK_MESSAGE(server.waitFor("reloaded the config", std::chrono::seconds(10)), server.output());
    server.signal(SIGTERM);
    CHECK(server.wait(std::chrono::seconds(std::stoi(stopTimeout[0]))) == 0);
}

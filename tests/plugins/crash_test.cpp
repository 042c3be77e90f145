// A plugin that crashes (docs/abi.md §8): the host dies of the same signal, after one line that names the plugin
// file, its provider and the function; `moltbot plugins disable` (or $MOLTBOT_PLUGINS_DISABLE) gets the user back to
// work, and `plugins list` shows the plugin as disabled. Through the real binary.
#include "tests/plugins/cli_support.hpp"
#include "tests/plugins/fixtures.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>

#include <csignal>

using namespace moltbot::test;

namespace {

// The crashes are on purpose: no core files for them.
struct NoCoreFiles {
    NoCoreFiles() {
        rlimit none{0, 0};
        ::setrlimit(RLIMIT_CORE, &none);
    }
};

std::string report(const std::string &who, const char *signal, const std::string &function, const std::string &fix) {
    return "moltbot: plugin " + who + " crashed with " + signal + " in " + function +
           "; to go on without it: moltbot plugins disable " + fix + "\n";
}

std::string disabledLine(const std::string &fixture, const std::string &entry) {
    return "  " + fixturePlugin(fixture).string() + ": disabled by plugins.disabled ('" + entry +
           "'; 'moltbot plugins enable " + entry + "' loads it again)\n";
}

}  // namespace

TEST_CASE("a crash in negotiate names the file; disabling the file brings every command back") {
    NoCoreFiles noCores;
    TempDir home;
    std::string path = pathOf({"echo", "crashnegotiate"});
    std::string file = fixturePlugin("crashnegotiate").string();
    for (const std::vector<std::string> &args : {std::vector<std::string>{"plugins", "list"},
                                                 std::vector<std::string>{"agent", "--model", "echo/echo-1", "-m", "hi"}}) {
        RunResult crashed = runMoltbot(args, home, path);
        CHECK(crashed.exitCode == 128 + SIGSEGV);
        CHECK(crashed.out.empty());
        // No provider id yet: negotiate is what would have said it.
        CHECK(crashed.err == report(file, "SIGSEGV", "moltbot_plugin_negotiate", file));
    }

    RunResult disabled = runMoltbot({"plugins", "disable", file}, home, path);
    CHECK(disabled.exitCode == 0);
    CHECK(disabled.out == "Disabled '" + file + "': moltbot no longer loads it (plugins.disabled in " +
                              (home.path() / "state" / "moltbot.json").string() + "); 'moltbot plugins enable " + file +
                              "' undoes it\n");
    RunResult list = runMoltbot({"plugins", "list"}, home, path);
    CHECK(list.exitCode == 0);
    CHECK(list.err.empty());
    CHECK(contains(list.out, "Skipped files:\n" + disabledLine("crashnegotiate", file)));
    RunResult agent = runMoltbot({"agent", "--model", "echo/echo-1", "-m", "hi"}, home, path);
    CHECK(agent.exitCode == 0);
    CHECK(agent.out == "hi\n");
    CHECK_FALSE(contains(agent.err, "crashnegotiate"));  // the user's choice is not warned about on every run

    CHECK(runMoltbot({"plugins", "disable", file}, home, path).out ==
          "'" + file + "' is already disabled (plugins.disabled in " +
              (home.path() / "state" / "moltbot.json").string() + ")\n");
    CHECK(runMoltbot({"plugins", "enable", file}, home, path).exitCode == 0);
    CHECK(runMoltbot({"plugins", "list"}, home, path).exitCode == 128 + SIGSEGV);
}

TEST_CASE("a crash in init names the file, the provider and init; its id disables it, in the config or the environment") {
    NoCoreFiles noCores;
    TempDir home;
    std::string path = pathOf({"echo", "crashinit"});
    std::string file = fixturePlugin("crashinit").string();
    RunResult crashed = runMoltbot({"plugins", "list"}, home, path);
    CHECK(crashed.exitCode == 128 + SIGABRT);
    CHECK(crashed.err == report(file + " (ai.moltbot.fixture.crashinit)", "SIGABRT", "init",
                                "ai.moltbot.fixture.crashinit"));

    RunOptions environment;
    environment.env["MOLTBOT_PLUGINS_DISABLE"] = " nothing.so , ai.moltbot.fixture.crashinit,";
    RunResult listed = runMoltbot({"plugins", "list", "--json"}, home, path, environment);
    CHECK(listed.exitCode == 0);
    CHECK(contains(listed.out, "\"reason\": \"disabled by MOLTBOT_PLUGINS_DISABLE ('ai.moltbot.fixture.crashinit')\""));
    CHECK(contains(listed.out, "\"disabled\": true"));

    CHECK(runMoltbot({"plugins", "disable", "ai.moltbot.fixture.crashinit"}, home, path).exitCode == 0);
    RunResult list = runMoltbot({"plugins", "list"}, home, path);
    CHECK(list.exitCode == 0);
    CHECK(contains(list.out, disabledLine("crashinit", "ai.moltbot.fixture.crashinit")));
    CHECK(runMoltbot({"agent", "--model", "echo/echo-1", "-m", "back to work"}, home, path).out == "back to work\n");

    RunResult notListed = runMoltbot({"plugins", "enable", "nothing.so"}, home, path, environment);
    CHECK(notListed.exitCode == 1);
    CHECK(contains(notListed.err, "'nothing.so' is not in plugins.disabled of "));
    CHECK(contains(notListed.err, "$MOLTBOT_PLUGINS_DISABLE disables it"));
}

TEST_CASE("a crash in stream names the file, the provider and stream; the file name disables it") {
    NoCoreFiles noCores;
    TempDir home;
    std::string path = pathOf({"echo", "crashstream"});
    std::string file = fixturePlugin("crashstream").string();
    CHECK(runMoltbot({"plugins", "list"}, home, path).exitCode == 0);  // loading it is fine
    RunResult crashed = runMoltbot({"agent", "--model", "crashstream/any", "-m", "hi"}, home, path);
    CHECK(crashed.exitCode == 128 + SIGSEGV);
    CHECK(crashed.out.empty());
    CHECK(contains(crashed.err, report(file + " (ai.moltbot.fixture.crashstream)", "SIGSEGV", "stream",
                                       "ai.moltbot.fixture.crashstream")));

    CHECK(runMoltbot({"plugins", "disable", "crashstream.so"}, home, path).exitCode == 0);
    CHECK(contains(runMoltbot({"plugins", "list"}, home, path).out, disabledLine("crashstream", "crashstream.so")));
    RunResult gone = runMoltbot({"agent", "--model", "crashstream/any", "-m", "hi"}, home, path);
    CHECK(gone.exitCode == 1);  // a model no plugin serves is a usage error, refused before any request
    CHECK(contains(gone.err, "no plugin serves the prefix 'crashstream'"));
    CHECK(runMoltbot({"agent", "--model", "echo/echo-1", "-m", "hi"}, home, path).exitCode == 0);
}

TEST_CASE("plugins disable and enable take exactly one id or file") {
    TempDir home;
    RunResult none = runMoltbot({"plugins", "disable"}, home, "");
    CHECK(none.exitCode == 1);
    CHECK(contains(none.err, "'moltbot plugins disable' takes one argument: a provider id"));
    CHECK(runMoltbot({"plugins", "enable", "a", "b"}, home, "").exitCode == 1);
}

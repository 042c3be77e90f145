// Loading, validation, skipping and the prefix registry, in process, on the fixture plugins.
#include "tests/plugins/fixtures.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

using namespace moltbot;
using namespace moltbot::test;
namespace fs = std::filesystem;

namespace {

// Loads the broken fixture's folder before echo's: the broken file is skipped with one warning naming it and
// `reason`, and echo still loads and answers.
void expectSkipped(const fs::path &folder, const fs::path &file, const std::string &reason) {
    plugin::Registry registry = loadFolders({folder, fixtureDir("echo")});
    REQUIRE(registry.skipped().size() == 1);
    CHECK(registry.skipped()[0].path == file);
    CHECK(registry.skipped()[0].reason.find(reason) != std::string::npos);
    REQUIRE(registry.warnings().size() == 1);
    CHECK(registry.warnings()[0] == "moltbot: skipping plugin " + file.string() + ": " + registry.skipped()[0].reason);
    REQUIRE(registry.plugins().size() == 1);
    CHECK(streamMessage(registry, "echo", "echo-1", "still here").text == "still here");
}

void expectFixtureSkipped(const std::string &name, const std::string &reason) {
    expectSkipped(fixtureDir(name), fixturePlugin(name), reason);
}

}  // namespace

TEST_CASE("the C echo fixture loads with its descriptor copied and validated") {
    plugin::Registry registry = loadFolders({fixtureDir("echo")});
    CHECK(registry.warnings().empty());
    REQUIRE(registry.plugins().size() == 1);
    const auto &loaded = registry.plugins()[0];
    CHECK(loaded.path == fixturePlugin("echo"));
    CHECK(loaded.abiVersion == MB_ABI_CURRENT);
    REQUIRE(loaded.providers.size() == 1);
    const plugin::ProviderInfo &info = loaded.providers[0]->info;
    CHECK(info.id == "ai.moltbot.fixture.echo");
    CHECK(info.name == "Echo");
    CHECK(info.version == "1.0.0");
    CHECK(info.vendor == "moltbot tests");
    CHECK(info.url.empty());
    CHECK(info.prefixes == std::vector<std::string>{"echo"});
    CHECK(info.capabilities == (MB_CAP_STREAM | MB_CAP_LIST_MODELS));
    CHECK(registry.find("echo") == loaded.providers[0]);
    CHECK(registry.find("ech") == nullptr);
    CHECK(registry.find("openrouter") == nullptr);
}

TEST_CASE("a .so without the entry symbol is skipped") {
    expectFixtureSkipped("noentry", "it does not export moltbot_plugin_negotiate (not a moltbot plugin)");
}

TEST_CASE("a file named .so that is not an ELF object is skipped with the loader's reason") {
    TempDir dir;
    fs::path file = dir.write("notelf.so", std::string(256, '#') + " this is text, not a shared object\n");
    expectSkipped(dir.path(), file, "cannot load it: invalid ELF header");
}

TEST_CASE("a plugin answering with ABI major 2 is skipped") {
    expectFixtureSkipped("abi2", "ABI major 2 is not supported (host speaks 1.0 to 1.1)");
}

TEST_CASE("a plugin whose vtable lacks create is skipped") {
    expectFixtureSkipped("novtable", "provider ai.moltbot.fixture.novtable function table lacks create");
}

TEST_CASE("a plugin claiming a prefix that is not a plain name is skipped") {
    expectFixtureSkipped("badprefix", "provider prefix 'Bad/Prefix' has characters outside [a-z0-9._-]");
}

TEST_CASE("a plugin whose init fails is skipped with the plugin's message") {
    expectFixtureSkipped("initfail", "init failed with status -8 (auth): no licence key found");
}

TEST_CASE("a C++ plugin whose entry point throws is skipped, not fatal") {
    expectFixtureSkipped("cppthrow", "moltbot_plugin_negotiate threw an exception: cppthrow refuses to negotiate");
}

TEST_CASE("two plugins claiming one prefix: the first in search order wins, the other is reported as shadowed") {
    SUBCASE("echo first") {
        plugin::Registry registry = loadFolders({fixtureDir("echo"), fixtureDir("shadow")});
        REQUIRE(registry.plugins().size() == 2);
        CHECK(registry.find("echo")->info.id == "ai.moltbot.fixture.echo");
        CHECK(registry.find("shadow")->info.id == "ai.moltbot.fixture.shadow");  // its other prefix still works
        REQUIRE(registry.shadowed().size() == 1);
        const plugin::ShadowedPrefix &shadowed = registry.shadowed()[0];
        CHECK(shadowed.prefix == "echo");
        CHECK(shadowed.winner->path == fixturePlugin("echo"));
        CHECK(shadowed.loser->path == fixturePlugin("shadow"));
        REQUIRE(registry.warnings().size() == 1);
        CHECK(registry.warnings()[0].find(fixturePlugin("echo").string()) != std::string::npos);
        CHECK(registry.warnings()[0].find(fixturePlugin("shadow").string()) != std::string::npos);
        CHECK(streamMessage(registry, "echo", "echo-1", "from echo").text == "from echo");
        CHECK(streamMessage(registry, "shadow", "any").text == "shadow");
    }
    SUBCASE("shadow first") {
        plugin::Registry registry = loadFolders({fixtureDir("shadow"), fixtureDir("echo")});
        CHECK(registry.find("echo")->info.id == "ai.moltbot.fixture.shadow");
        REQUIRE(registry.shadowed().size() == 1);
        CHECK(registry.shadowed()[0].loser->path == fixturePlugin("echo"));
        CHECK(streamMessage(registry, "echo", "echo-1").text == "shadow");
    }
}

TEST_CASE("a pin gives a prefix to the provider it names; one naming nobody leaves the prefix unserved") {
    plugin::LoadPolicy policy;
    policy.pins = {{"echo", "ai.moltbot.fixture.shadow"}};
    std::vector<plugin::SearchFolder> folders{{fixtureDir("echo"), plugin::FolderOrigin::Environment},
                                              {fixtureDir("shadow"), plugin::FolderOrigin::Environment}};
    {  // one live registry at a time: a second one would find every file taken
        plugin::Registry pinned = plugin::Registry::load(folders, std::make_shared<CapturingServices>(), policy);
        CHECK(pinned.find("echo")->info.id == "ai.moltbot.fixture.shadow");
        CHECK(pinned.pinned("echo"));
        REQUIRE(pinned.shadowed().size() == 1);
        CHECK(pinned.shadowed()[0].loser->info.id == "ai.moltbot.fixture.echo");
        CHECK(pinned.shadowed()[0].pinned);
        CHECK(pinned.warnings().empty());
        CHECK(streamMessage(pinned, "echo", "echo-1").text == "shadow");
    }

    policy.pins = {{"echo", "com.example.gone"}};
    plugin::Registry unserved = plugin::Registry::load(folders, std::make_shared<CapturingServices>(), policy);
    CHECK(unserved.find("echo") == nullptr);
    CHECK(unserved.find("shadow") != nullptr);
    REQUIRE(unserved.pinProblems().size() == 1);
    CHECK(unserved.pinProblems()[0].message ==
          "plugins.prefixes.echo: no loaded plugin provides 'com.example.gone', so nothing serves the prefix 'echo'");
    CHECK(unserved.warnings() ==
          std::vector<std::string>{"moltbot: " + unserved.pinProblems()[0].message + " (see 'moltbot plugins list')"});
}

TEST_CASE("a pinned config-defined prefix goes to the pinned provider of its api, or to nobody") {
    plugin::LoadPolicy policy;
    std::vector<plugin::SearchFolder> folders{{buildPath("plugins/openai-compatible"), plugin::FolderOrigin::Environment},
                                              {fixtureDir("echo"), plugin::FolderOrigin::Environment}};
    {
        policy.pins = {{"local", "ai.moltbot.openai-compatible"}};
        plugin::Registry registry = plugin::Registry::load(folders, std::make_shared<CapturingServices>(), policy);
        CHECK(registry.pinProblems().empty());  // it serves config-defined prefixes: any name may be pinned to it
        CHECK(registry.find("local") == nullptr);
        auto provider = registry.findByApi("openai-completions", "local");
        REQUIRE(provider != nullptr);
        CHECK(provider->info.id == "ai.moltbot.openai-compatible");
        CHECK(registry.findByApi("anthropic-messages", "local") == nullptr);
    }
    policy.pins = {{"local", "ai.moltbot.fixture.echo"}};
    plugin::Registry registry = plugin::Registry::load(folders, std::make_shared<CapturingServices>(), policy);
    REQUIRE(registry.pinProblems().size() == 1);
    CHECK(registry.pinProblems()[0].message.find("does not serve the prefix") != std::string::npos);
    CHECK(registry.findByApi("openai-completions", "local") == nullptr);  // not the first provider of the api
    CHECK(registry.findByApi("openai-completions", "other")->info.id == "ai.moltbot.openai-compatible");
}

TEST_CASE("files of one folder load in name order, so the winner of a shared prefix is deterministic") {
    TempDir dir;
    fs::create_symlink(fixturePlugin("echo"), dir.path() / "b-echo.so");
    fs::create_symlink(fixturePlugin("shadow"), dir.path() / "a-shadow.so");
    fs::create_directory(dir.path() / "folder.so");  // not a file: ignored
    dir.write("README", "not a plugin, and not named .so: ignored");
    plugin::Registry registry = loadFolders({dir.path()});
    REQUIRE(registry.plugins().size() == 2);
    CHECK(registry.plugins()[0].path == dir.path() / "a-shadow.so");
    CHECK(registry.find("echo")->info.id == "ai.moltbot.fixture.shadow");
    CHECK(registry.skipped().empty());
}

TEST_CASE("the same file reached twice is loaded once") {
    TempDir dir;
    fs::create_symlink(fixturePlugin("echo"), dir.path() / "echo.so");
    plugin::Registry registry = loadFolders({fixtureDir("echo"), dir.path()});
    CHECK(registry.plugins().size() == 1);
    REQUIRE(registry.skipped().size() == 1);
    CHECK(registry.skipped()[0].path == dir.path() / "echo.so");
    CHECK(registry.skipped()[0].reason ==
          "it is the same file as " + fixturePlugin("echo").string() + ", already loaded");
}

TEST_CASE("a plugin folder that cannot be read is named in a warning and the others still load") {
    // Tests run as root here, where chmod 000 does not stop opendir(). A path entry that is a regular file, and a
    // symlink loop, fail in the same place (opening the folder) for every user.
    TempDir dir;
    SUBCASE("a regular file") {
        fs::path file = dir.write("plugins", "not a folder");
        plugin::Registry registry = loadFolders({file, fixtureDir("echo")});
        REQUIRE(registry.folderProblems().size() == 1);
        CHECK(registry.folderProblems()[0].path == file);
        CHECK(registry.folderProblems()[0].reason == "it is not a folder");
        CHECK(registry.warnings() ==
              std::vector<std::string>{"moltbot: cannot read plugin folder " + file.string() + ": it is not a folder"});
        CHECK(streamMessage(registry, "echo", "echo-1", "ok").text == "ok");
    }
    SUBCASE("a symlink loop") {
        fs::path loop = dir.path() / "loop";
        fs::create_symlink(loop, loop);
        plugin::Registry registry = loadFolders({loop, fixtureDir("echo")});
        REQUIRE(registry.folderProblems().size() == 1);
        CHECK(registry.folderProblems()[0].reason == "Too many levels of symbolic links");
        CHECK(registry.warnings()[0].find("cannot read plugin folder " + loop.string()) != std::string::npos);
        CHECK(registry.plugins().size() == 1);
    }
    SUBCASE("a folder without read permission, when not running as root") {
        fs::path locked = dir.path() / "locked";
        fs::create_directory(locked);
        fs::permissions(locked, fs::perms::none);
        plugin::Registry registry = loadFolders({locked, fixtureDir("echo")});
        fs::permissions(locked, fs::perms::owner_all);
        if (geteuid() != 0) {
            REQUIRE(registry.folderProblems().size() == 1);
            CHECK(registry.folderProblems()[0].reason == "Permission denied");
        } else {
            CHECK(registry.folderProblems().empty());  // root reads it anyway
        }
        CHECK(registry.plugins().size() == 1);
    }
    SUBCASE("a missing folder the user named") {
        plugin::Registry registry = loadFolders({dir.path() / "nowhere", fixtureDir("echo")});
        REQUIRE(registry.folderProblems().size() == 1);
        CHECK(registry.folderProblems()[0].reason == "it does not exist");
    }
}

TEST_CASE("missing default folders are not worth a warning") {
    TempDir dir;
    plugin::Registry registry = plugin::Registry::load(
        {{dir.path() / "state" / "plugins", plugin::FolderOrigin::StateDir},
         {dir.path() / "lib" / "moltbot" / "plugins", plugin::FolderOrigin::Install}},
        std::make_shared<CapturingServices>());
    CHECK(registry.warnings().empty());
    CHECK(registry.plugins().empty());
}

TEST_CASE("plugins log through the host services, tagged with their id and filtered by level") {
    auto verbose = std::make_shared<CapturingServices>(MB_LOG_DEBUG);
    loadFolders({fixtureDir("echo")}, verbose);
    CHECK(verbose->logged() == "moltbot: [ai.moltbot.fixture.echo] info: echo fixture ready\n");
    auto quiet = std::make_shared<CapturingServices>(MB_LOG_WARNING);
    loadFolders({fixtureDir("echo")}, quiet);
    CHECK(quiet->logged().empty());
}

TEST_CASE("a file loaded by a live registry is refused by a second one, and loads again once that one is gone") {
    {
        plugin::Registry first = loadFolders({fixtureDir("echo")});
        plugin::Registry second = loadFolders({fixtureDir("echo")});
        CHECK(first.plugins().size() == 1);
        REQUIRE(second.skipped().size() == 1);
        CHECK(second.skipped()[0].reason == "it is already loaded by another plugin registry of this process");
    }
    CHECK(loadFolders({fixtureDir("echo")}).plugins().size() == 1);
}

TEST_CASE("registries loading the same plugins on several threads at once: each file goes to exactly one of them") {
    constexpr std::size_t kThreads = 4;
    std::vector<std::optional<plugin::Registry>> registries(kThreads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            while (!go) std::this_thread::yield();  // start together, so the loads overlap
            registries[t].emplace(loadFolders({fixtureDir("echo"), fixtureDir("cppecho")}));
        });
    }
    go = true;
    for (auto &thread : threads) thread.join();
    for (const std::string prefix : {"echo", "cppecho"}) {
        CAPTURE(prefix);
        int winners = 0;
        for (const auto &registry : registries) {
            if (registry->find(prefix) != nullptr) {
                ++winners;
                CHECK(streamMessage(*registry, prefix, prefix == "echo" ? "echo-1" : "hello", "hi").result.ok());
            }
        }
        CHECK(winners == 1);
    }
    for (const auto &registry : registries) {
        CHECK(registry->plugins().size() + registry->skipped().size() == 2);
        for (const auto &skipped : registry->skipped()) {
            CHECK(skipped.reason == "it is already loaded by another plugin registry of this process");
        }
    }
    registries.clear();
    CHECK(loadFolders({fixtureDir("echo"), fixtureDir("cppecho")}).plugins().size() == 2);
}

// `moltbot plugins list` and `moltbot plugins path` through the real binary.
#include "tests/plugins/cli_support.hpp"
#include "tests/plugins/fixtures.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

using namespace moltbot::test;
namespace fs = std::filesystem;

TEST_CASE("plugins list shows loaded, shadowed and skipped plugins and exits 0") {
    TempDir home;
    RunResult result = runMoltbot({"plugins", "list"}, home, pathOf({"echo", "shadow", "abi2"}));
    CHECK(result.exitCode == 0);
    INFO(result.out);
    std::string header = lineWith(result.out, "ID");
    std::string echo = lineWith(result.out, "ai.moltbot.fixture.echo ");
    CHECK(header.rfind("ID", 0) == 0);
    CHECK(contains(echo, "Echo"));
    CHECK(contains(echo, "1.0.0"));
    CHECK(contains(echo, " 1.1 "));
    CHECK(contains(echo, fixturePlugin("echo").string()));
    // Columns line up: each row's path starts where the header's PATH does.
    CHECK(echo.find(fixturePlugin("echo").string()) == header.find("PATH"));
    // Per prefix, who serves it and who is shadowed: in the PREFIXES column and in a section of their own.
    CHECK(contains(echo, "  echo  "));
    CHECK(contains(lineWith(result.out, "ai.moltbot.fixture.shadow "), "echo (shadowed), shadow  "));
    CHECK(contains(result.out, "Shadowed prefixes"));
    CHECK(contains(result.out, "  echo: served by ai.moltbot.fixture.echo (" + fixturePlugin("echo").string() +
                                   "); shadowed: ai.moltbot.fixture.shadow (" + fixturePlugin("shadow").string() +
                                   ")\n"));
    CHECK(contains(result.out, "Skipped files:\n  " + fixturePlugin("abi2").string() +
                                   ": ABI major 2 is not supported (host speaks 1.0 to 1.1)\n"));
}

TEST_CASE("plugins list --json is machine-readable") {
    TempDir home;
    TempDir notElf;
    fs::path bogus = notElf.write("bogus.so", "not an ELF object, just text that happens to end in .so, padded" +
                                                  std::string(200, '.'));
    RunResult result = runMoltbot({"plugins", "list", "--json"}, home,
                               pathOf({"cppecho", "echo", "shadow"}) + ":" + notElf.path().string() + ":" +
                                   (home.path() / "missing").string());
    CHECK(result.exitCode == 0);
    rapidjson::Document json;
    json.Parse(result.out.c_str());
    REQUIRE_FALSE(json.HasParseError());
    const auto &plugins = json["plugins"].GetArray();
    REQUIRE(plugins.Size() >= 3);
    CHECK(std::string(plugins[0]["id"].GetString()) == "ai.moltbot.fixture.cppecho");
    CHECK(std::string(plugins[0]["version"].GetString()) == "2.1.0");
    CHECK(std::string(plugins[0]["abi"].GetString()) == "1.1");
    CHECK(std::string(plugins[0]["path"].GetString()) == fixturePlugin("cppecho").string());
    CHECK(std::string(plugins[1]["prefixes"][0].GetString()) == "echo");
    CHECK(std::string(plugins[1]["capabilities"][1].GetString()) == "list_models");
    const auto &shadowed = json["shadowed"].GetArray();
    REQUIRE(shadowed.Size() == 1);
    CHECK(std::string(shadowed[0]["prefix"].GetString()) == "echo");
    CHECK(std::string(shadowed[0]["path"].GetString()) == fixturePlugin("shadow").string());
    CHECK(std::string(shadowed[0]["winner_path"].GetString()) == fixturePlugin("echo").string());
    CHECK_FALSE(shadowed[0]["pinned"].GetBool());
    CHECK(std::string(plugins[2]["served_prefixes"][0].GetString()) == "shadow");
    CHECK(std::string(plugins[2]["shadowed_prefixes"][0].GetString()) == "echo");
    CHECK(json["pin_problems"].Size() == 0);
    // The first skipped file is ours: the folders of $MOLTBOT_PLUGIN_PATH come before the build tree's.
    const auto &skipped = json["skipped"].GetArray();
    REQUIRE(skipped.Size() >= 1);
    CHECK(std::string(skipped[0]["path"].GetString()) == bogus.string());
    CHECK(contains(skipped[0]["reason"].GetString(), "cannot load it: invalid ELF header"));
    const auto &folders = json["unreadable_folders"].GetArray();
    REQUIRE(folders.Size() == 1);
    CHECK(std::string(folders[0]["reason"].GetString()) == "it does not exist");
}

TEST_CASE("plugins alone lists its subcommands") {
    TempDir home;
    RunResult result = runMoltbot({"plugins"}, home, "");
    CHECK(result.exitCode == 1);
    CHECK(contains(result.err, "'moltbot plugins' needs a subcommand: list, path"));
}

TEST_CASE("plugins list takes no arguments") {
    TempDir home;
    RunResult result = runMoltbot({"plugins", "list", "extra"}, home, "");
    CHECK(result.exitCode == 1);
    CHECK(contains(result.err, "'moltbot plugins list' takes no arguments, got 'extra'"));
}

TEST_CASE("plugins path prints the folders in search order and whether each exists") {
    TempDir home;
    fs::create_directories(home.path() / "state" / "plugins");
    fs::path file = home.write("file", "x");
    RunResult result = runMoltbot({"plugins", "path"}, home,
                               fixtureDir("echo").string() + "::" + (home.path() / "nowhere").string() + ":" +
                                   file.string() + ":" + fixtureDir("echo").string());
    CHECK(result.exitCode == 0);
    std::istringstream lines(result.out);
    std::vector<std::string> rows;
    for (std::string line; std::getline(lines, line);) rows.push_back(line);
    REQUIRE(rows.size() >= 5);
    CHECK(rows[0].rfind(fixtureDir("echo").string() + " ", 0) == 0);  // the repeated entry is listed once
    CHECK(contains(rows[0], "MOLTBOT_PLUGIN_PATH"));
    CHECK(contains(rows[0], "exists"));
    CHECK(rows[1].rfind((home.path() / "nowhere").string(), 0) == 0);
    CHECK(contains(rows[1], "missing"));
    CHECK(contains(rows[2], "not a folder"));
    CHECK(rows[3].rfind((home.path() / "state" / "plugins").string(), 0) == 0);
    CHECK(contains(rows[3], "state dir"));
    CHECK(contains(rows[3], "exists"));
    CHECK(contains(rows[4], "moltbot/plugins"));
    CHECK(contains(rows[4], "install"));
    // The binary under test lives in the build tree, so the plugins built there come last.
    for (std::size_t i = 5; i < rows.size(); ++i) {
        CHECK(rows[i].rfind(buildPath("plugins").string(), 0) == 0);
        CHECK(contains(rows[i], "build tree"));
    }
    // Aligned: the origin column starts at the same place on every row.
    CHECK(rows[3].find("state dir") == rows[0].find("MOLTBOT_PLUGIN_PATH"));
}

TEST_CASE("an installed binary finds the plugins of its install folder and not those of the build tree") {
    TempDir home;
    TempDir prefix;
    fs::create_directories(prefix.path() / "bin");
    fs::path binary = prefix.path() / "bin" / "moltbot";
    fs::copy_file(moltbotBinary(), binary);
    RunOptions options;
    options.env["HOME"] = home.path().string();
    options.env["MOLTBOT_STATE_DIR"] = (home.path() / "state").string();
    options.env["MOLTBOT_PLUGIN_PATH"] = std::nullopt;

    RunResult paths = run({binary.string(), "plugins", "path"}, options);
    CHECK(paths.exitCode == 0);
    CHECK_FALSE(contains(paths.out, "build tree"));
    std::string installRow = lineWith(paths.out, "install");
    fs::path install = installRow.substr(0, installRow.find("  "));
    CHECK(install.string().rfind(prefix.path().string() + "/", 0) == 0);  // <prefix>/<libdir>/moltbot/plugins
    CHECK(install.filename() == "plugins");

    fs::create_directories(install);
    fs::create_symlink(fixturePlugin("echo"), install / "echo.so");
    RunResult list = run({binary.string(), "plugins", "list"}, options);
    CHECK(list.exitCode == 0);
    CHECK(contains(lineWith(list.out, "ai.moltbot.fixture.echo"), (install / "echo.so").string()));
}

TEST_CASE("plugins list shows the SHA-256 of each plugin file, as text and as JSON") {
    TempDir home;
    RunResult digest = run({"sha256sum", fixturePlugin("echo").string()});
    REQUIRE(digest.exitCode == 0);
    std::string expected = digest.out.substr(0, 64);
    RunResult text = runMoltbot({"plugins", "list"}, home, pathOf({"echo"}));
    CHECK(text.exitCode == 0);
    CHECK(lineWith(text.out, "ID").find("SHA-256") != std::string::npos);
    std::string row = lineWith(text.out, "ai.moltbot.fixture.echo");
    CHECK(contains(row, fixturePlugin("echo").string()));
    CHECK(row.substr(row.size() - 64) == expected);  // the last column
    RunResult json = runMoltbot({"plugins", "list", "--json"}, home, pathOf({"echo"}));
    rapidjson::Document document;
    document.Parse(json.out.c_str());
    REQUIRE(document.IsObject());
    REQUIRE(document["plugins"].Size() >= 1);
    CHECK(std::string(document["plugins"][0]["sha256"].GetString()) == expected);
}

TEST_CASE("a plugin file or folder other users may write is refused, saying how to fix it") {
    TempDir home;
    TempDir folder;
    fs::path copy = folder.path() / "echo.so";
    fs::copy_file(fixturePlugin("echo"), copy);
    using fs::perms;

    fs::permissions(copy, static_cast<perms>(0666));
    RunResult refused = runMoltbot({"plugins", "list"}, home, folder.path().string());
    CHECK(refused.exitCode == 0);
    CHECK(lineWith(refused.out, "ai.moltbot.fixture.echo").empty());
    CHECK(contains(refused.out, "  " + copy.string() + ": it is writable by every user (mode 0666)"));
    CHECK(contains(lineWith(refused.out, copy.string()), "fix it with: chmod go-w " + copy.string()));

    fs::permissions(copy, perms::others_write, fs::perm_options::remove);
    RunResult group = runMoltbot({"plugins", "list"}, home, folder.path().string());
    CHECK(contains(group.out, "it is writable by its group (mode 0664)"));

    fs::permissions(copy, perms::group_write, fs::perm_options::remove);
    fs::permissions(folder.path(), perms::group_write | perms::others_write, fs::perm_options::add);
    RunResult badFolder = runMoltbot({"plugins", "list"}, home, folder.path().string());
    CHECK(lineWith(badFolder.out, "ai.moltbot.fixture.echo").empty());
    CHECK(contains(badFolder.out, "refusing to load plugins from it: it is writable by every user"));
    CHECK(contains(lineWith(badFolder.out, "refusing"), "chmod go-w " + folder.path().string()));

    fs::permissions(folder.path(), perms::group_write | perms::others_write, fs::perm_options::remove);
    RunResult fixed = runMoltbot({"plugins", "list"}, home, folder.path().string());
    CHECK(contains(lineWith(fixed.out, "ai.moltbot.fixture.echo"), copy.string()));
    CHECK_FALSE(contains(fixed.out, "writable"));
}

TEST_CASE("plugins.prefixes pins a prefix to a provider id, whatever the search order") {
    TempDir home;
    home.write("state/moltbot.json", R"({plugins: {prefixes: {echo: "ai.moltbot.fixture.shadow"}}})");
    std::string path = pathOf({"echo", "shadow"});
    RunResult list = runMoltbot({"plugins", "list"}, home, path);
    CHECK(list.exitCode == 0);
    INFO(list.out);
    CHECK(contains(lineWith(list.out, "ai.moltbot.fixture.echo "), "echo (shadowed)"));
    CHECK(contains(lineWith(list.out, "ai.moltbot.fixture.shadow "), "echo (pinned), shadow  "));
    CHECK(contains(list.out, "  echo: served by ai.moltbot.fixture.shadow (" + fixturePlugin("shadow").string() +
                                 "), pinned by plugins.prefixes.echo; shadowed: ai.moltbot.fixture.echo (" +
                                 fixturePlugin("echo").string() + ")\n"));

    // The pinned provider answers, and the user's own decision is not warned about on every run.
    RunResult agent = runMoltbot({"agent", "--model", "echo/echo-1", "-m", "hi"}, home, path);
    CHECK(agent.exitCode == 0);
    CHECK(agent.out == "shadow\n");
    CHECK_FALSE(contains(agent.err, "claims prefix"));

    RunResult json = runMoltbot({"plugins", "list", "--json"}, home, path);
    rapidjson::Document document;
    document.Parse(json.out.c_str());
    REQUIRE(document.IsObject());
    const auto &shadowed = document["shadowed"];
    REQUIRE(shadowed.Size() == 1);
    CHECK(std::string(shadowed[0]["id"].GetString()) == "ai.moltbot.fixture.echo");
    CHECK(std::string(shadowed[0]["winner_id"].GetString()) == "ai.moltbot.fixture.shadow");
    CHECK(shadowed[0]["pinned"].GetBool());
}

TEST_CASE("a pin naming no loaded provider, or one that does not serve the prefix, leaves the prefix unserved") {
    TempDir home;
    home.write("state/moltbot.json",
               R"({plugins: {prefixes: {echo: "com.example.gone", shadow: "ai.moltbot.fixture.echo"}}})");
    std::string path = pathOf({"echo", "shadow"});
    RunResult list = runMoltbot({"plugins", "list"}, home, path);
    CHECK(list.exitCode == 0);
    INFO(list.out);
    CHECK(contains(list.out, "Prefix pins that cannot be honoured:\n"
                             "  plugins.prefixes.echo: no loaded plugin provides 'com.example.gone', so nothing "
                             "serves the prefix 'echo'\n"));
    CHECK(contains(list.out, "  plugins.prefixes.shadow: the provider 'ai.moltbot.fixture.echo' (" +
                                 fixturePlugin("echo").string() + ") does not serve the prefix"));
    CHECK(contains(list.out, "  echo: served by nobody, pinned by plugins.prefixes.echo; shadowed: "));

    // Not the first in search order either: a pin exists to stop a takeover, so it fails closed, naming the key.
    RunResult agent = runMoltbot({"agent", "--model", "echo/echo-1", "-m", "hi"}, home, path);
    CHECK(agent.exitCode != 0);
    CHECK(agent.out.empty());
    CHECK(contains(agent.err, "plugins.prefixes.echo: no loaded plugin provides 'com.example.gone'"));

    RunResult json = runMoltbot({"plugins", "list", "--json"}, home, path);
    rapidjson::Document document;
    document.Parse(json.out.c_str());
    REQUIRE(document.IsObject());
    REQUIRE(document["pin_problems"].Size() == 2);
    CHECK(std::string(document["pin_problems"][0]["prefix"].GetString()) == "echo");
    CHECK(std::string(document["pin_problems"][0]["id"].GetString()) == "com.example.gone");
    CHECK_FALSE(document["shadowed"][0].HasMember("winner_id"));
}

TEST_CASE("plugins.prefixes is validated: a prefix and a provider id, both plain names") {
    TempDir home;
    RunResult bad = runMoltbot({"config", "set", "plugins.prefixes.echo", "42"}, home, "");
    CHECK(bad.exitCode == 1);
    CHECK(contains(bad.err, "plugins.prefixes.echo: expected the id of a provider, such as \"ai.moltbot.openrouter\""));
    RunResult badPrefix = runMoltbot({"config", "set", "plugins.prefixes[Echo/x]", "ai.moltbot.fixture.echo"}, home, "");
    CHECK(badPrefix.exitCode == 1);
    CHECK(contains(badPrefix.err, "not a model-ref prefix"));
    RunResult good = runMoltbot({"config", "set", "plugins.prefixes.echo", "ai.moltbot.fixture.echo"}, home, "");
    CHECK(good.exitCode == 0);
    CHECK(runMoltbot({"config", "validate"}, home, "").exitCode == 0);
}

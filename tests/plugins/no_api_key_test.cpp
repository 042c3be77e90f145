// MB_CAP_NO_API_KEY (ABI 1.1) through the real binary: a provider that needs no API key is available without one in
// `models list` (Auth "none needed", --json available/keyRequired) and `models status` (effective=none needed, no
// warning, --check passes), and `agent` uses it without a key; the same provider without the bit, and a plugin that
// sets bit 0x40 while negotiating 1.0 (which does not define it: ignored), need a key as before.
#include "tests/plugins/cli_support.hpp"
#include "tests/plugins/fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/terminal.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <sstream>
#include <vector>

using namespace moltbot::test;

namespace {

// The default model is served by the key-free fixture; the other two fixtures are configured models.
const char *const kConfig = R"({
  agents: {
    defaults: {
      model: { primary: "nokey/local-1" },
      models: { "needkey/local-1": {}, "nokey10/local-1": {} },
    },
  },
})";

struct Setup {
    TempDir home;
    std::string path = pathOf({"nokey", "needkey", "nokey10"});
    Setup() { home.write("state/moltbot.json", kConfig); }
    RunResult run(const std::vector<std::string> &args, RunOptions options = {}) const {
        return runMoltbot(args, home, path, std::move(options));
    }
    // `models list` as a terminal shows it (a pipe gets bare refs), "\n" line ends.
    std::string table(std::map<std::string, std::string> env = {}) const {
        env.insert({{"HOME", home.path().string()}, {"MOLTBOT_STATE_DIR", (home.path() / "state").string()},
                    {"MOLTBOT_PLUGIN_PATH", path}, {"COLUMNS", "200"}});
        TerminalResult result = runOnTerminal({moltbotBinary().string(), "models", "list"}, env, {});
        CHECK(result.exitCode == 0);
        std::string text;
        for (char c : result.transcript) {
            if (c != '\r') text += c;
        }
        return text;
    }
};

rapidjson::Document parse(const std::string &text) {
    rapidjson::Document json;
    json.Parse(text.c_str());
    REQUIRE_FALSE(json.HasParseError());
    REQUIRE(json.IsObject());
    return json;
}

const rapidjson::Value *entryWith(const rapidjson::Value &array, const char *member, const std::string &value) {
    for (const auto &entry : array.GetArray()) {
        if (entry[member].GetString() == value) return &entry;
    }
    return nullptr;
}

// `line` with its runs of spaces folded to one.
std::string folded(const std::string &line) {
    std::string out;
    for (char c : line) {
        if (c != ' ' || out.empty() || out.back() != ' ') out += c;
    }
    return out;
}

}  // namespace

TEST_CASE("the loader keeps MB_CAP_NO_API_KEY from a 1.1 plugin and ignores bit 0x40 from a 1.0 plugin") {
    auto registry = loadFolders({fixtureDir("nokey"), fixtureDir("needkey"), fixtureDir("nokey10")});
    for (const auto &skipped : registry.skipped()) FAIL_CHECK(skipped.path.string() << ": " << skipped.reason);
    REQUIRE(registry.find("nokey") != nullptr);
    CHECK(registry.find("nokey")->abiVersion == MB_ABI_MAKE_VERSION(1, 1));
    CHECK(registry.find("nokey")->info.capabilities == (MB_CAP_STREAM | MB_CAP_LIST_MODELS | MB_CAP_NO_API_KEY));
    CHECK(registry.find("needkey")->info.capabilities == (MB_CAP_STREAM | MB_CAP_LIST_MODELS));
    CHECK(registry.find("nokey10")->abiVersion == MB_ABI_MAKE_VERSION(1, 0));
    CHECK(registry.find("nokey10")->info.capabilities == (MB_CAP_STREAM | MB_CAP_LIST_MODELS));

    Setup setup;
    RunResult listed = setup.run({"plugins", "list", "--json"});
    INFO(listed.err);
    REQUIRE(listed.exitCode == 0);
    rapidjson::Document json = parse(listed.out);
    auto capabilities = [&](const char *id) {
        std::string names;
        const rapidjson::Value *plugin = entryWith(json["plugins"], "id", id);
        REQUIRE(plugin != nullptr);
        for (const auto &name : (*plugin)["capabilities"].GetArray()) names += std::string(name.GetString()) + " ";
        return names;
    };
    CHECK(capabilities("ai.moltbot.fixture.nokey") == "stream list_models no_api_key ");
    CHECK(capabilities("ai.moltbot.fixture.needkey") == "stream list_models ");
    CHECK(capabilities("ai.moltbot.fixture.nokey10") == "stream list_models ");
}

TEST_CASE("models list: a provider that needs no key is available without one; without the bit it is not") {
    Setup setup;
    RunResult result = setup.run({"models", "list", "--json"});
    INFO(result.err);
    REQUIRE(result.exitCode == 0);
    rapidjson::Document json = parse(result.out);
    REQUIRE(json["count"].GetInt() == 3);
    const rapidjson::Value *nokey = entryWith(json["models"], "key", "nokey/local-1");
    const rapidjson::Value *needkey = entryWith(json["models"], "key", "needkey/local-1");
    const rapidjson::Value *nokey10 = entryWith(json["models"], "key", "nokey10/local-1");
    REQUIRE(nokey != nullptr);
    REQUIRE(needkey != nullptr);
    REQUIRE(nokey10 != nullptr);
    CHECK_FALSE((*nokey)["missing"].GetBool());
    CHECK((*nokey)["available"].GetBool());
    CHECK_FALSE((*nokey)["keyRequired"].GetBool());
    CHECK_FALSE((*needkey)["missing"].GetBool());
    CHECK_FALSE((*needkey)["available"].GetBool());
    CHECK((*needkey)["keyRequired"].GetBool());
    CHECK_FALSE((*nokey10)["available"].GetBool());  // 0x40 under 1.0 means nothing
    CHECK((*nokey10)["keyRequired"].GetBool());

    std::string table = setup.table();
    INFO(table);
    CHECK(folded(lineWith(table, "Model ")) == "Model Input Ctx In $/M Out $/M Local Auth Tags");
    CHECK(folded(lineWith(table, "nokey/local-1 ")) == "nokey/local-1 - 2k - - no none needed default");
    CHECK(folded(lineWith(table, "needkey/local-1 ")) == "needkey/local-1 - 2k - - no no configured");
    CHECK(folded(lineWith(table, "nokey10/local-1 ")) == "nokey10/local-1 - 2k - - no no configured");
    // The Auth column is as wide as "none needed": the tags still line up under the header.
    std::size_t tags = lineWith(table, "Model ").find("Tags");
    CHECK(lineWith(table, "nokey/local-1 ").find("default") == tags);
    CHECK(lineWith(table, "needkey/local-1 ").find("configured") == tags);

    // A key makes the other one available; the key-free one stays so (and would be handed the key).
    RunOptions keyed;
    keyed.env["NEEDKEY_API_KEY"] = "needkey-test-key";
    keyed.env["NOKEY_API_KEY"] = "nokey-test-key";
    RunResult withKeys = setup.run({"models", "list", "--json"}, keyed);
    rapidjson::Document both = parse(withKeys.out);
    CHECK((*entryWith(both["models"], "key", "needkey/local-1"))["available"].GetBool());
    CHECK((*entryWith(both["models"], "key", "nokey/local-1"))["available"].GetBool());
    std::string withKeysTable = setup.table({{"NEEDKEY_API_KEY", "needkey-test-key"}, {"NOKEY_API_KEY", "nokey-test-key"}});
    CHECK(folded(lineWith(withKeysTable, "nokey/local-1 ")) == "nokey/local-1 - 2k - - no yes default");
}

TEST_CASE("models status: no missing key for a provider that needs none, and --check passes") {
    Setup setup;
    RunResult status = setup.run({"models", "status"});
    INFO(status.out, status.err);
    CHECK(status.exitCode == 0);
    CHECK(contains(status.out, "- nokey effective=none needed | its plugin needs no API key\n"));
    CHECK(contains(status.out, "- needkey effective=missing | set NEEDKEY_API_KEY\n"));
    CHECK(contains(status.out, "- nokey10 effective=missing | set NOKEY10_API_KEY\n"));
    CHECK_FALSE(contains(status.err, "'nokey'"));
    CHECK(contains(status.err, "warning: no API key for provider 'needkey': set NEEDKEY_API_KEY\n"));
    CHECK(contains(status.err, "warning: no API key for provider 'nokey10': set NOKEY10_API_KEY\n"));

    RunResult check = setup.run({"models", "status", "--check"});
    CHECK(check.exitCode == 0);
    CHECK_FALSE(contains(check.err, "check failed"));

    RunResult json = setup.run({"models", "status", "--json"});
    REQUIRE(json.exitCode == 0);
    rapidjson::Document doc = parse(json.out);
    const rapidjson::Value *nokey = entryWith(doc["providers"], "provider", "nokey");
    const rapidjson::Value *needkey = entryWith(doc["providers"], "provider", "needkey");
    REQUIRE(nokey != nullptr);
    REQUIRE(needkey != nullptr);
    CHECK(std::string((*nokey)["source"].GetString()) == "none needed");
    CHECK_FALSE((*nokey)["keyRequired"].GetBool());
    CHECK((*nokey)["key"].IsNull());
    CHECK(std::string((*needkey)["source"].GetString()) == "missing");
    CHECK((*needkey)["keyRequired"].GetBool());

    // The same default model served without the bit: --check fails as it always did.
    TempDir home;
    home.write("state/moltbot.json", R"({agents: {defaults: {model: {primary: "needkey/local-1"}}}})");
    RunResult needs = runMoltbot({"models", "status", "--check"}, home, setup.path);
    CHECK(needs.exitCode == 1);
    CHECK(contains(needs.err, "moltbot: check failed: no API key for provider 'needkey' of the default model "
                              "needkey/local-1\n"));
}

TEST_CASE("agent uses a provider that needs no key without one") {
    Setup setup;
    RunResult answer = setup.run({"agent", "-m", "hi"});
    INFO(answer.err);
    CHECK(answer.exitCode == 0);
    CHECK(answer.out == "nokey answers; key: none\n");
}

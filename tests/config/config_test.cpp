// The Config API: loading, accessors, the env block and the API-key resolution order.
#include "core/config/config.hpp"
#include "core/config/credentials.hpp"
#include "core/config/json5.hpp"
#include "core/config/json_path.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>

using namespace moltbot::config;
using moltbot::test::TempDir;

namespace {

// Points MOLTBOT_STATE_DIR at a fresh folder and clears the OpenRouter variable for one test.
struct Sandbox {
    TempDir dir;
    Sandbox() {
        ::setenv("MOLTBOT_STATE_DIR", dir.path().c_str(), 1);
        ::unsetenv("MOLTBOT_CONFIG_PATH");
        ::unsetenv("OPENROUTER_API_KEY");
        ::unsetenv("MY_LOCAL_API_KEY");
    }
    ~Sandbox() {
        ::unsetenv("MOLTBOT_STATE_DIR");
        ::unsetenv("OPENROUTER_API_KEY");
        ::unsetenv("MY_LOCAL_API_KEY");
    }
    Config load(const std::string &text) {
        dir.write("moltbot.json", text);
        return Config::load();
    }
};

}  // namespace

TEST_CASE("a missing or blank file is an empty config") {
    Sandbox sandbox;
    Config missing = Config::load();
    CHECK_FALSE(missing.fileExists());
    CHECK(missing.path() == sandbox.dir.path() / "moltbot.json");
    CHECK(missing.primaryModel().empty());
    Config blank = sandbox.load("  \n");
    CHECK(blank.fileExists());
    CHECK(blank.document().IsObject());
}

TEST_CASE("accessors: primary, fallbacks, model options, aliases") {
    Sandbox sandbox;
    Config config = sandbox.load(R"({
      agents: { defaults: {
        model: { primary: "openrouter/anthropic/claude-sonnet-4-5", fallbacks: ["openrouter/openai/gpt-5.2", "fast"] },
        models: {
          "openrouter/anthropic/claude-sonnet-4-5": { alias: "Sonnet", params: { maxTokens: 4096 } },
          "openrouter/openai/gpt-5.2": {},
        },
      } },
      models: { providers: { local: { baseUrl: "http://127.0.0.1:8080" } } },
    })");
    CHECK(config.primaryModel() == "openrouter/anthropic/claude-sonnet-4-5");
    CHECK(config.fallbacks() == std::vector<std::string>{"openrouter/openai/gpt-5.2", "fast"});
    CHECK(config.configuredModels().size() == 2);
    CHECK(config.modelOptionsJson("openrouter/anthropic/claude-sonnet-4-5") ==
          R"({"alias":"Sonnet","params":{"maxTokens":4096}})");
    CHECK(config.modelOptionsJson("openrouter/none") == "{}");
    CHECK(config.resolveAlias("sonnet") == "openrouter/anthropic/claude-sonnet-4-5");
    CHECK(config.resolveAlias("SONNET") == "openrouter/anthropic/claude-sonnet-4-5");
    CHECK_FALSE(config.resolveAlias("opus").has_value());
    CHECK(config.getJson("agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"].params") ==
          R"({"maxTokens":4096})");
    REQUIRE(config.providerSettings("local") != nullptr);
    CHECK(config.providerSettings("other") == nullptr);
}

TEST_CASE("the flags layer overrides the file in memory only") {
    Sandbox sandbox;
    Config config = sandbox.load("{agents: {defaults: {model: 'openrouter/auto'}}}");
    config.setOverride("agents.defaults.model", "{primary: 'openrouter/x/y'}");
    CHECK(config.primaryModel() == "openrouter/x/y");
    CHECK(moltbot::test::readFile(config.path()) == "{agents: {defaults: {model: 'openrouter/auto'}}}");
}

TEST_CASE("load refuses syntax errors with file:line:column and invalid configs with every error") {
    Sandbox sandbox;
    CHECK_THROWS_WITH_AS(sandbox.load("{\n  agents: {,\n}"),
                         (sandbox.dir.path().string() + "/moltbot.json:2:12: expected a key or '}', found ','").c_str(),
                         Json5Error);
    CHECK_THROWS_WITH_AS(sandbox.load("{agents: {defaults: {model: {primary: 1, fallbacks: 2}}}}"),
                         ("invalid config " + sandbox.dir.path().string() +
                          "/moltbot.json:\n  - agents.defaults.model.primary: expected a string, found a number\n"
                          "  - agents.defaults.model.fallbacks: expected an array of strings, found a number")
                             .c_str(),
                         ConfigError);
    Config lenient = Config::load({}, /*requireValid=*/false);
    CHECK(lenient.validation().errors.size() == 2);
}

TEST_CASE("a config path that is a folder is a clear error") {
    Sandbox sandbox;
    std::filesystem::create_directory(sandbox.dir.path() / "moltbot.json");
    CHECK_THROWS_WITH_AS(Config::load(), ("cannot read " + sandbox.dir.path().string() +
                                          "/moltbot.json: it is a folder, not a file").c_str(),
                         ConfigError);
}

TEST_CASE("the env block fills only unset or empty variables") {
    Sandbox sandbox;
    ::setenv("MOLTBOT_TEST_SET", "from-process", 1);
    ::setenv("MOLTBOT_TEST_EMPTY", "", 1);
    ::unsetenv("MOLTBOT_TEST_UNSET");
    Config config = sandbox.load("{env: {MOLTBOT_TEST_SET: 'cfg', MOLTBOT_TEST_EMPTY: 'cfg-empty', "
                                 "vars: {MOLTBOT_TEST_UNSET: 'cfg-unset'}}}");
    CHECK(config.applyEnvBlock() == std::vector<std::string>{"MOLTBOT_TEST_EMPTY", "MOLTBOT_TEST_UNSET"});
    CHECK(std::string(std::getenv("MOLTBOT_TEST_SET")) == "from-process");
    CHECK(std::string(std::getenv("MOLTBOT_TEST_EMPTY")) == "cfg-empty");
    CHECK(std::string(std::getenv("MOLTBOT_TEST_UNSET")) == "cfg-unset");
    for (const char *name : {"MOLTBOT_TEST_SET", "MOLTBOT_TEST_EMPTY", "MOLTBOT_TEST_UNSET"}) ::unsetenv(name);
}

TEST_CASE("API keys: environment, then the env block, then credentials, then models.providers apiKey") {
    Sandbox sandbox;
    CHECK(apiKeyVariable("openrouter") == "OPENROUTER_API_KEY");
    CHECK(apiKeyVariable("my-local") == "MY_LOCAL_API_KEY");

    Config none = sandbox.load("{}");
    CHECK(none.resolveApiKey("openrouter").source == KeySource::None);
    CHECK(none.resolveApiKey("openrouter").key.empty());

    Config withApiKey = sandbox.load("{models: {providers: {openrouter: {apiKey: 'sk-or-config'}}}}");
    ApiKey fromConfig = withApiKey.resolveApiKey("openrouter");
    CHECK(fromConfig.key == "sk-or-config");
    CHECK(fromConfig.source == KeySource::ConfigApiKey);
    CHECK(fromConfig.where == "models.providers.openrouter.apiKey");

    storeApiKey("openrouter", "sk-or-stored");
    ApiKey stored = withApiKey.resolveApiKey("openrouter");
    CHECK(stored.key == "sk-or-stored");
    CHECK(stored.source == KeySource::Credentials);

    Config withEnvBlock = sandbox.load("{env: {OPENROUTER_API_KEY: 'sk-or-envblock'}}");
    CHECK(withEnvBlock.resolveApiKey("openrouter").source == KeySource::ConfigEnv);
    withEnvBlock.applyEnvBlock();
    ApiKey applied = withEnvBlock.resolveApiKey("openrouter");
    CHECK(applied.key == "sk-or-envblock");
    CHECK(applied.source == KeySource::ConfigEnv);
    CHECK(applied.where == "OPENROUTER_API_KEY");

    ::setenv("OPENROUTER_API_KEY", "sk-or-process", 1);
    Config fresh = sandbox.load("{env: {OPENROUTER_API_KEY: 'sk-or-envblock'}}");
    fresh.applyEnvBlock();
    ApiKey fromProcess = fresh.resolveApiKey("openrouter");
    CHECK(fromProcess.key == "sk-or-process");
    CHECK(fromProcess.source == KeySource::Environment);

    ::setenv("MY_LOCAL_API_KEY", "local-key", 1);
    CHECK(fresh.resolveApiKey("my-local").key == "local-key");
}

TEST_CASE("the credentials file: 0600 in a 0700 folder, other providers kept, a broken file refused") {
    Sandbox sandbox;
    std::filesystem::path file = sandbox.dir.path() / "state" / "credentials.json";
    storeApiKey("openrouter", "sk-or-one", file);
    storeApiKey("other", "two", file);
    storeApiKey("openrouter", "sk-or-three", file);
    CHECK(storedApiKey("openrouter", file) == "sk-or-three");
    CHECK(storedApiKey("other", file) == "two");
    CHECK_FALSE(storedApiKey("third", file).has_value());
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat(file.parent_path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    std::string backup = moltbot::test::readFile(file.string() + ".bak");  // the file before the last store
    CHECK(backup.find("sk-or-one") != std::string::npos);
    CHECK(backup.find("sk-or-three") == std::string::npos);

    sandbox.dir.write("state/credentials.json", "{providers: {openrouter: 'sk-or-bare'}}");
    CHECK_THROWS_WITH_AS(storedApiKey("openrouter", file),
                         ("credentials file " + file.string() +
                          ": the entry of provider 'openrouter' is not {\"apiKey\": \"...\"} (fix or remove the file, "
                          "then run 'moltbot onboard' again)")
                             .c_str(),
                         ConfigError);
    CHECK_THROWS_AS(storeApiKey("openrouter", "sk-or-new", file), ConfigError);
    CHECK(moltbot::test::readFile(file) == "{providers: {openrouter: 'sk-or-bare'}}");
}

TEST_CASE("provider and model keys are looked up by their whole length, a NUL in them included") {
    // Found by fuzzing: the lookups read a string_view up to a NUL, past its end or short of a NUL inside it.
    Sandbox sandbox;
    Config config = sandbox.load(R"({
      agents: { defaults: { models: { "openrouter/x": { alias: "x" }, "openrouter/x\u0000y": { alias: "nul" } } } },
      models: { providers: { openrouter: { apiKey: "sk-or-config" }, "local\u0000evil": { apiKey: "evil" } } },
    })");
    constexpr std::string_view padded = "openrouterXYZ";
    REQUIRE(config.providerSettings(padded.substr(0, 10)) != nullptr);
    CHECK(config.providerSettings(std::string_view("openrouter\0x", 12)) == nullptr);
    CHECK(config.providerSettings("local") == nullptr);
    CHECK(config.providerSettings(std::string_view()) == nullptr);
    REQUIRE(config.providerSettings(std::string_view("local\0evil", 10)) != nullptr);
    CHECK(config.resolveApiKey(std::string_view("openrouter\0x", 12)).source == KeySource::None);
    CHECK(config.modelOptionsJson(std::string_view("openrouter/x\0y", 14)) == R"({"alias":"nul"})");
    CHECK(config.modelOptionsJson(std::string_view("openrouter/xy").substr(0, 12)) == R"({"alias":"x"})");

    std::filesystem::path file = sandbox.dir.path() / "credentials.json";
    storeApiKey("openrouter", "sk-or-one", file);
    storeApiKey(std::string_view("openrouter\0evil", 15), "evil", file);  // a second entry, not a replacement
    CHECK(storedApiKey("openrouter", file) == "sk-or-one");
    CHECK(storedApiKey(std::string_view("openrouter\0evil", 15), file) == "evil");
    CHECK(storedApiKey(padded.substr(0, 10), file) == "sk-or-one");
    CHECK_FALSE(storedApiKey(std::string_view("openrouter\0x", 12), file).has_value());
}

TEST_CASE("ConfigEditor writes a valid change with a backup, refuses a new error, tolerates an old one") {
    Sandbox sandbox;
    const std::string original = "// comment\n{agents: {defaults: {model: {primary: 'openrouter/auto'}}}}";
    sandbox.dir.write("moltbot.json", original);
    ConfigEditor editor;
    rapidjson::Value ttl("1h");
    setPath(editor.document(), parsePath("agents.defaults.models[openrouter/x].params.cacheControlTtl"), ttl);
    ConfigEditor::Saved saved = editor.save();
    CHECK(saved.newWarnings.empty());
    CHECK(moltbot::test::readFile(backupPath(editor.path())) == original);
    CHECK(Config::load().getJson("agents.defaults.models[\"openrouter/x\"].params") == R"({"cacheControlTtl":"1h"})");

    std::string written = moltbot::test::readFile(editor.path());
    rapidjson::Value bad(5);
    setPath(editor.document(), parsePath("agents.defaults.model.primary"), bad);
    CHECK_THROWS_WITH_AS(editor.save(),
                         ("not changing " + editor.path().string() +
                          ": the result would be invalid:\n  - agents.defaults.model.primary: expected a string, found a "
                          "number").c_str(),
                         ConfigError);
    CHECK(moltbot::test::readFile(editor.path()) == written);

    sandbox.dir.write("moltbot.json", "{agents: {defaults: {model: {primary: 5}}}}");
    ConfigEditor broken;
    rapidjson::Value extra("x");
    setPath(broken.document(), parsePath("channels.mode"), extra);
    ConfigEditor::Saved kept = broken.save();
    REQUIRE(kept.remainingErrors.size() == 1);
    REQUIRE(kept.newWarnings.size() == 1);
    CHECK(kept.newWarnings[0].text() == "channels: unknown key (ignored)");
}

// Issue 14, "config mistakes are caught where they are made", through the built moltbot and the simulator: unknown
// keys anywhere in the config, in params and in provider routing are named, with the nearest known key, by every
// command that reads the config (agent included); unknown params still reach the provider; --quiet silences the
// warnings and --json carries them.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

using namespace moltbot::seed;
using moltbot::test::RunResult;

namespace {

const std::string kMistakes = R"({
  agent: {},
  agents: {
    defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4.5" },
      models: {
        "openrouter/anthropic/claude-sonnet-4.5": {
          params: { temprature: 0.3, cacheControlTTL: "1h", maxTokens: 100 },
          provider: { allow_fallback: false },
        },
      },
    },
  },
})";

const std::string kAt = "agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4.5\"].";
const std::vector<std::string> kWarnings = {
    "warning: agent: unknown key (ignored); did you mean 'agents'?\n",
    "warning: " + kAt + "params.temprature: not a parameter moltbot knows; sent to the provider as written; did you "
                        "mean 'temperature'?\n",
    "warning: " + kAt + "params.cacheControlTTL: not a parameter moltbot knows; sent to the provider as written; did "
                        "you mean 'cacheControlTtl'?\n",
    "warning: " + kAt + "provider.allow_fallback: not an OpenRouter provider-routing key; sent as written; did you "
                        "mean 'allow_fallbacks'?\n",
};

void checkWarned(const RunResult &result) {
    for (const auto &warning : kWarnings) {
        CAPTURE(warning);
        CHECK(count(result.err, warning) == 1);
    }
}

void checkSilent(const RunResult &result) {
    CHECK_FALSE(contains(result.err, "did you mean"));
    CHECK_FALSE(contains(result.err, "warning: agent:"));
}

// The "warnings" of a --json document hold each of kWarnings as {path, message}.
void checkJsonWarnings(const rapidjson::Value &warnings) {
    REQUIRE(warnings.IsArray());
    std::string all;
    for (const auto &warning : warnings.GetArray()) {
        if (warning.IsString()) {
            all += "warning: " + std::string(warning.GetString()) + "\n";
        } else {
            all += "warning: " + std::string(warning["path"].GetString()) + ": " + warning["message"].GetString() + "\n";
        }
    }
    for (const auto &warning : kWarnings) {
        CAPTURE(warning);
        CHECK(contains(all, warning));
    }
}

}  // namespace

TEST_CASE("agent names unknown keys, params and routing keys, and still sends the unknown params") {
    Seed seed;
    seed.config(kMistakes);
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK_FALSE(result.out.empty());
    checkWarned(result);
    rapidjson::Document body = seed.lastChatBody();
    REQUIRE(body.HasMember("temprature"));
    CHECK(body["temprature"].GetDouble() == 0.3);
    CHECK(body["max_tokens"].GetInt() == 100);

    RunResult quiet = seed.moltbotWithKey({"agent", "--quiet", "-m", "hi"});
    CHECK(quiet.exitCode == 0);
    checkSilent(quiet);

    RunResult json = seed.moltbotWithKey({"agent", "--json", "-m", "hi"});
    CHECK(json.exitCode == 0);
    checkWarned(json);
    auto doc = moltbot::sim::test::parseJson(json.out);
    checkJsonWarnings(doc["warnings"]);

    RunResult jsonQuiet = seed.moltbotWithKey({"agent", "--json", "--quiet", "-m", "hi"});
    checkSilent(jsonQuiet);
    auto quietDoc = moltbot::sim::test::parseJson(jsonQuiet.out);
    checkJsonWarnings(quietDoc["warnings"]);
}

TEST_CASE("every command that reads the config names the same mistakes") {
    Seed seed;
    seed.config(kMistakes);
    for (std::vector<std::string> args : {std::vector<std::string>{"config", "validate"},
                                          {"config", "get", "agents.defaults.model.primary"},
                                          {"models", "status"},
                                          {"models", "list"},
                                          {"plugins", "list"},
                                          {"logs"}}) {
        CAPTURE(args[0] + " " + args[1 % args.size()]);
        RunResult result = seed.moltbotWithKey(args);
        CHECK(result.exitCode == 0);
        checkWarned(result);
    }

    RunResult status = seed.moltbotWithKey({"models", "status", "--json"});
    checkWarned(status);
    checkJsonWarnings(moltbot::sim::test::parseJson(status.out)["warnings"]);
    RunResult list = seed.moltbotWithKey({"models", "list", "--json"});
    checkWarned(list);
    checkJsonWarnings(moltbot::sim::test::parseJson(list.out)["warnings"]);
    RunResult validate = seed.moltbotWithKey({"config", "validate", "--json"});
    checkJsonWarnings(moltbot::sim::test::parseJson(validate.out)["warnings"]);
}

TEST_CASE("config set of an unknown key warns the same, and sets it") {
    Seed seed;
    seed.config("{agents: {defaults: {model: {primary: 'openrouter/anthropic/claude-sonnet-4.5'}}}}");
    const std::string path = "agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4.5\"].params.temprature";
    RunResult set = seed.moltbot({"config", "set", path, "0.2"});
    CHECK(set.exitCode == 0);
    CHECK(contains(set.err, "warning: " + kAt + "params.temprature: not a parameter moltbot knows; sent to the "
                                                "provider as written; did you mean 'temperature'?\n"));
    CHECK(seed.moltbot({"config", "get", path}).out == "0.2\n");

    RunResult json = seed.moltbot({"config", "set", "--json", "agents.defaults.modle", "x"});
    CHECK(json.exitCode == 0);
    auto doc = moltbot::sim::test::parseJson(json.out);
    REQUIRE(doc["warnings"].Size() == 1);
    CHECK(std::string(doc["warnings"][0]["message"].GetString()) == "unknown key (ignored); did you mean 'model'?");
}

TEST_CASE("a missing API key is a configuration error: exit 1, saying where the key is looked for") {
    Seed seed;
    seed.config("{agents: {defaults: {model: {primary: 'openrouter/anthropic/claude-sonnet-4.5'}}}}");
    const std::string state = (seed.home.path() / ".moltbot").string();
    const std::string where = "moltbot: no API key for provider 'openrouter' (a configuration error); moltbot looks for "
                              "it in $OPENROUTER_API_KEY (which the config's env block may set), then " + state +
                              "/credentials.json (where 'moltbot onboard' stores it), then "
                              "models.providers.openrouter.apiKey in " + state + "/moltbot.json\n";
    RunResult result = seed.moltbot({"agent", "-m", "hi"});
    CHECK(result.exitCode == 1);
    CHECK(result.out.empty());
    CHECK(contains(result.err, where));
    RunResult json = seed.moltbot({"agent", "--json", "-m", "hi"});
    CHECK(json.exitCode == 1);
    CHECK(contains(json.err, where));
    CHECK(seed.chatRequests().Empty());

    // With the key the same command answers.
    CHECK(seed.moltbotWithKey({"agent", "-m", "hi"}).exitCode == 0);
}

TEST_CASE("a $<NAME>_BASE_URL that is not a URL is named, before anything is sent") {
    Seed seed;
    seed.config("{agents: {defaults: {model: {primary: 'openrouter/anthropic/claude-sonnet-4.5'}}}}");
    moltbot::test::RunOptions bad;
    bad.env["OPENROUTER_BASE_URL"] = "not-a-url";
    const std::string problem = "OPENROUTER_BASE_URL is 'not-a-url', not an http:// or https:// URL (it replaces "
                                "models.providers.openrouter.baseUrl; unset it to use the default)";
    RunResult agent = seed.moltbotWithKey({"agent", "-m", "hi"}, bad);
    CHECK(agent.exitCode == 1);
    CHECK(agent.err == "moltbot: " + problem + "\n");
    CHECK(seed.requests()["data"].Empty());

    RunResult status = seed.moltbotWithKey({"models", "status"}, bad);
    CHECK(contains(status.err, "warning: " + problem + "\n"));
    RunResult list = seed.moltbotWithKey({"models", "list"}, bad);
    CHECK(contains(list.err, problem));
}

TEST_CASE("models status shows the key a request would use, wherever it comes from") {
    Seed seed;  // no config at all: only the exported variable
    RunResult status = seed.moltbotWithKey({"models", "status"});
    CHECK(status.exitCode == 0);
    CHECK_FALSE(contains(status.out, "no provider in use"));
    CHECK(contains(status.out, "- openrouter effective=environment | key=sk-or-v1...") );
    CHECK(contains(status.out, "| source=OPENROUTER_API_KEY\n"));
    RunResult json = seed.moltbotWithKey({"models", "status", "--json"});
    auto doc = moltbot::sim::test::parseJson(json.out);
    REQUIRE(doc["providers"].Size() == 1);
    CHECK(std::string(doc["providers"][0]["source"].GetString()) == "environment");

    RunResult keyless = seed.moltbot({"models", "status"});
    CHECK(contains(keyless.out, "- no provider in use\n"));
}

TEST_CASE("models status --check fails when the default model or a fallback does not exist") {
    Seed seed;
    seed.config(R"({agents: {defaults: {model: {
      primary: "openrouter/anthropic/claude-sonnet-4.5",
      fallbacks: ["openrouter/openai/gpt-5.2x", "openrouter/openai/gpt-5.2"] }}}})");
    RunResult plain = seed.moltbotWithKey({"models", "status"});
    CHECK(plain.exitCode == 0);
    CHECK_FALSE(contains(plain.err, "unknown model"));

    RunResult checked = seed.moltbotWithKey({"models", "status", "--check"});
    CHECK(checked.exitCode == 1);
    CHECK(contains(checked.err, "warning: agents.defaults.model.fallbacks: unknown model 'openrouter/openai/gpt-5.2x'"));
    CHECK(contains(checked.err, "did you mean 'openrouter/openai/gpt-5.2'"));
    CHECK(contains(checked.err, "moltbot: check failed: the default model or a fallback names a model that does not "
                                "exist\n"));
    CHECK(count(checked.err, "unknown model") == 1);

    seed.config(R"({agents: {defaults: {model: {primary: "openrouter/anthropic/claude-sonet-4.5"}}}})");
    RunResult primary = seed.moltbotWithKey({"models", "status", "--check", "--json"});
    CHECK(primary.exitCode == 1);
    auto doc = moltbot::sim::test::parseJson(primary.out);
    bool named = false;
    for (const auto &warning : doc["warnings"].GetArray()) {
        named = named || contains(warning.GetString(), "agents.defaults.model.primary: unknown model "
                                                       "'openrouter/anthropic/claude-sonet-4.5'");
    }
    CHECK(named);

    seed.config(R"({agents: {defaults: {model: {primary: "openrouter/anthropic/claude-sonnet-4-5",
                                                fallbacks: ["openrouter/openai/gpt-5.2"]}}}})");
    CHECK(seed.moltbotWithKey({"models", "status", "--check"}).exitCode == 0);
}

TEST_CASE("provider slugs are checked against the plugin's provider list by config validate and models status") {
    Seed seed;
    seed.config(R"({agents: {defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4.5" },
      models: { "openrouter/anthropic/claude-sonnet-4.5": {
        provider: { order: ["aws-bedrock", "anthropic"], ignore: ["azure"] } } } }}})");
    const std::string warning = "warning: " + kAt + "provider.order: \"aws-bedrock\" is not a known OpenRouter provider "
                                "slug; did you mean \"amazon-bedrock\"? (sent as is)\n";
    RunResult validate = seed.moltbot({"config", "validate"});
    CHECK(validate.exitCode == 0);
    CHECK(validate.err == warning);
    RunResult json = seed.moltbot({"config", "validate", "--json"});
    auto doc = moltbot::sim::test::parseJson(json.out);
    CHECK(doc["valid"].GetBool());
    REQUIRE(doc["warnings"].Size() == 1);
    CHECK(std::string(doc["warnings"][0]["path"].GetString()) == kAt + "provider.order");

    RunResult status = seed.moltbotWithKey({"models", "status"});
    CHECK(status.exitCode == 0);
    CHECK(count(status.err, warning) == 1);

    // The known slugs are silent.
    seed.config(R"({agents: {defaults: {
      model: { primary: "openrouter/anthropic/claude-sonnet-4.5" },
      models: { "openrouter/anthropic/claude-sonnet-4.5": { provider: { order: ["amazon-bedrock"] } } } }}})");
    RunResult fixed = seed.moltbot({"config", "validate"});
    CHECK(fixed.exitCode == 0);
    CHECK(fixed.err.empty());
}

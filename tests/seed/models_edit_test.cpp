// Issue 14, "the commands users reach for": moltbot models set, models fallbacks list|add|remove|clear and models
// aliases list|set|remove through the built moltbot and the simulator's catalog. Each edit lands in the config file
// as `config set` writes it; a model that does not exist is refused with the same suggestions as `agent --model`.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace moltbot::seed;
using moltbot::test::RunResult;

namespace {

const std::string kSonnet = "openrouter/anthropic/claude-sonnet-4.5";
const std::string kGpt = "openrouter/openai/gpt-5.2";
const std::string kChain = R"({ agents: { defaults: {
  model: { primary: "openrouter/anthropic/claude-sonnet-4.5", fallbacks: ["openrouter/openai/gpt-5.2"] },
  models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet", params: { maxTokens: 100 } } } } } })";

std::filesystem::path configFile(const Seed &seed) { return seed.home.path() / ".moltbot/moltbot.json"; }

std::string configText(const Seed &seed) { return moltbot::test::readFile(configFile(seed)); }

// The config value at PATH as `config get --json` prints it, compacted by parsing.
rapidjson::Document get(const Seed &seed, const std::string &path) {
    RunResult result = seed.moltbot({"config", "get", "--json", path});
    REQUIRE_MESSAGE(result.exitCode == 0, result.err);
    return moltbot::sim::test::parseJson(result.out);
}

std::vector<std::string> strings(const rapidjson::Value &list) {
    std::vector<std::string> out;
    for (const auto &item : list.GetArray()) out.emplace_back(item.GetString());
    return out;
}

}  // namespace

TEST_SUITE("models set, fallbacks, aliases") {

TEST_CASE("models set writes agents.defaults.model.primary, keeps the fallbacks, and agent then uses it") {
    Seed seed;
    seed.config(kChain);
    RunResult set = seed.moltbot({"models", "set", kGpt});
    CHECK_MESSAGE(set.exitCode == 0, set.err);
    CHECK(set.out == "Updated agents.defaults.model.primary in " + configFile(seed).string() + "\nDefault model: " +
                         kGpt + "\n");
    CHECK(std::string(get(seed, "agents.defaults.model.primary").GetString()) == kGpt);
    CHECK(strings(get(seed, "agents.defaults.model.fallbacks")) == std::vector<std::string>{kGpt});
    CHECK(get(seed, "agents.defaults.models[\"" + kSonnet + "\"].params.maxTokens").GetInt() == 100);
    CHECK(std::filesystem::exists(configFile(seed).string() + ".bak"));

    RunResult answer = seed.moltbotWithKey({"agent", "--no-fallbacks", "-m", "hi"});
    CHECK_MESSAGE(answer.exitCode == 0, answer.err);
    CHECK(seed.chatModels() == std::vector<std::string>{"openai/gpt-5.2"});

    RunResult again = seed.moltbot({"models", "set", kGpt});
    CHECK(again.exitCode == 0);
    CHECK(contains(again.out, "already " + kGpt + "; nothing changed"));
}

TEST_CASE("models set takes an alias, and turns a string agents.defaults.model into {primary}") {
    Seed seed;
    seed.config(R"({ agents: { defaults: { model: "openrouter/openai/gpt-5.2",
      models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet" } } } } })");
    RunResult set = seed.moltbot({"models", "set", "Sonnet"});
    CHECK_MESSAGE(set.exitCode == 0, set.err);
    CHECK(std::string(get(seed, "agents.defaults.model.primary").GetString()) == "Sonnet");
    RunResult status = seed.moltbot({"models", "status", "--json"});
    CHECK(contains(status.out, "\"resolvedDefault\": \"" + kSonnet + "\""));
}

TEST_CASE("a model that does not exist is refused like agent --model refuses it; --force writes it") {
    Seed seed;
    seed.config(kChain);
    std::string before = configText(seed);

    RunResult typo = seed.moltbot({"models", "set", "openrouter/anthropic/claude-sonet-4.5"});
    CHECK(typo.exitCode == 1);
    CHECK(typo.out.empty());
    CHECK(contains(typo.err, "moltbot: unknown model 'openrouter/anthropic/claude-sonet-4.5': "
                             "'anthropic/claude-sonet-4.5' is not in the openrouter catalog; did you mean "
                             "'openrouter/anthropic/claude-sonnet-4.5'"));
    CHECK(contains(typo.err, "--force"));

    RunResult noPrefix = seed.moltbot({"models", "fallbacks", "add", "anthropic/claude-sonnet-4.5"});
    CHECK(noPrefix.exitCode == 1);
    CHECK(contains(noPrefix.err, "did you mean 'openrouter/anthropic/claude-sonnet-4.5'"));

    RunResult alias = seed.moltbot({"models", "aliases", "set", "gpt", "foo/bar"});
    CHECK(alias.exitCode == 1);
    CHECK(contains(alias.err, "no plugin serves the prefix 'foo'"));

    RunResult unknownAlias = seed.moltbot({"models", "set", "sonet"});
    CHECK(unknownAlias.exitCode == 1);
    CHECK(contains(unknownAlias.err, "did you mean 'sonnet'"));
    CHECK(configText(seed) == before);  // nothing was written

    RunResult forced = seed.moltbot({"models", "set", "--force", "local/my-model"});
    CHECK_MESSAGE(forced.exitCode == 0, forced.err);
    CHECK(std::string(get(seed, "agents.defaults.model.primary").GetString()) == "local/my-model");

    RunResult bad = seed.moltbot({"models", "set", "--force", "no-slash"});
    CHECK(bad.exitCode == 1);  // neither a ref nor an alias: no force makes it one
    CHECK(contains(bad.err, "'no-slash'"));
}

TEST_CASE("fallbacks list, add, remove, clear") {
    Seed seed;
    seed.config(kChain);
    RunResult list = seed.moltbot({"models", "fallbacks", "list"});
    CHECK(list.exitCode == 0);
    CHECK(list.out == kGpt + "\n");

    RunResult add = seed.moltbot({"models", "fallbacks", "add", "openrouter/auto"});
    CHECK_MESSAGE(add.exitCode == 0, add.err);
    CHECK(contains(add.out, "Updated agents.defaults.model.fallbacks in "));
    CHECK(contains(add.out, "Fallbacks: " + kGpt + ", openrouter/auto\n"));
    CHECK(strings(get(seed, "agents.defaults.model.fallbacks")) == std::vector<std::string>{kGpt, "openrouter/auto"});

    RunResult twice = seed.moltbot({"models", "fallbacks", "add", "openrouter/auto"});
    CHECK(twice.exitCode == 0);
    CHECK(contains(twice.out, "already a fallback; nothing changed"));

    RunResult byAlias = seed.moltbot({"models", "fallbacks", "add", "sonnet"});
    CHECK(byAlias.exitCode == 0);
    RunResult json = seed.moltbot({"models", "fallbacks", "list", "--json"});
    CHECK(json.exitCode == 0);
    auto doc = moltbot::sim::test::parseJson(json.out);
    CHECK(strings(doc["fallbacks"]) == std::vector<std::string>{kGpt, "openrouter/auto", "sonnet"});

    // An entry written as an alias goes when its ref is named, and the other way round.
    RunResult removeByRef = seed.moltbot({"models", "fallbacks", "remove", kSonnet});
    CHECK_MESSAGE(removeByRef.exitCode == 0, removeByRef.err);
    CHECK(strings(get(seed, "agents.defaults.model.fallbacks")) == std::vector<std::string>{kGpt, "openrouter/auto"});

    RunResult missing = seed.moltbot({"models", "fallbacks", "remove", "openrouter/openai/gpt-5.3"});
    CHECK(missing.exitCode == 1);
    CHECK(contains(missing.err, "'openrouter/openai/gpt-5.3' is not in agents.defaults.model.fallbacks"));
    CHECK(contains(missing.err, "did you mean '" + kGpt + "'"));

    RunResult clear = seed.moltbot({"models", "fallbacks", "clear"});
    CHECK(clear.exitCode == 0);
    CHECK(contains(clear.out, "Removed agents.defaults.model.fallbacks from "));
    RunResult empty = seed.moltbot({"models", "fallbacks", "list"});
    CHECK(empty.exitCode == 0);
    CHECK(empty.out.empty());
    CHECK(contains(empty.err, "no fallbacks configured"));
    CHECK(std::string(get(seed, "agents.defaults.model.primary").GetString()) == kSonnet);

    RunResult clearAgain = seed.moltbot({"models", "fallbacks", "clear"});
    CHECK(clearAgain.exitCode == 0);
    CHECK(contains(clearAgain.out, "nothing changed"));
}

TEST_CASE("aliases list, set, remove") {
    Seed seed;
    seed.config(kChain);
    RunResult list = seed.moltbot({"models", "aliases", "list"});
    CHECK(list.exitCode == 0);
    CHECK(list.out == "sonnet -> " + kSonnet + "\n");

    RunResult set = seed.moltbot({"models", "aliases", "set", "gpt", kGpt});
    CHECK_MESSAGE(set.exitCode == 0, set.err);
    CHECK(contains(set.out, "Alias: gpt -> " + kGpt + "\n"));
    RunResult answer = seed.moltbotWithKey({"agent", "--model", "GPT", "--no-fallbacks", "-m", "hi"});
    CHECK_MESSAGE(answer.exitCode == 0, answer.err);
    CHECK(seed.chatModels() == std::vector<std::string>{"openai/gpt-5.2"});

    // An alias moves when given to another model; the old entry, with nothing else in it, goes.
    RunResult move = seed.moltbot({"models", "aliases", "set", "gpt", "openrouter/auto"});
    CHECK_MESSAGE(move.exitCode == 0, move.err);
    CHECK(contains(move.out, "(was " + kGpt + ")"));
    RunResult json = seed.moltbot({"models", "aliases", "list", "--json"});
    auto doc = moltbot::sim::test::parseJson(json.out);
    CHECK(doc["aliases"].MemberCount() == 2);
    CHECK(std::string(doc["aliases"]["gpt"].GetString()) == "openrouter/auto");
    CHECK(std::string(doc["aliases"]["sonnet"].GetString()) == kSonnet);
    CHECK(seed.moltbot({"config", "get", "agents.defaults.models[\"" + kGpt + "\"]"}).exitCode == 1);

    RunResult remove = seed.moltbot({"models", "aliases", "remove", "sonnet"});
    CHECK_MESSAGE(remove.exitCode == 0, remove.err);
    CHECK(contains(remove.out, "Removed the alias sonnet of " + kSonnet));
    // The model's other options stay.
    CHECK(get(seed, "agents.defaults.models[\"" + kSonnet + "\"].params.maxTokens").GetInt() == 100);

    RunResult unknown = seed.moltbot({"models", "aliases", "remove", "gtp"});
    CHECK(unknown.exitCode == 1);
    CHECK(contains(unknown.err, "no alias 'gtp'; did you mean 'gpt'?"));

    RunResult badName = seed.moltbot({"models", "aliases", "set", "a/b", kGpt});
    CHECK(badName.exitCode == 1);
    CHECK(contains(badName.err, "invalid alias 'a/b'"));
}

TEST_CASE("an edit that would make the config invalid, or a broken config, writes nothing") {
    Seed seed;
    seed.config("{ agents: { defaults: { model: { primary: 5 } } }");  // unclosed
    std::string before = configText(seed);
    RunResult syntax = seed.moltbot({"models", "fallbacks", "add", "--force", kGpt});
    CHECK(syntax.exitCode == 1);
    CHECK(contains(syntax.err, "moltbot.json:"));
    CHECK(configText(seed) == before);

    seed.config(R"({ agents: { defaults: { model: { fallbacks: "openrouter/auto" } } } })");
    RunResult notList = seed.moltbot({"models", "fallbacks", "add", kGpt});
    CHECK(notList.exitCode == 1);
    CHECK(contains(notList.err, "agents.defaults.model.fallbacks in "));
    CHECK(contains(notList.err, "is not a list"));
}

TEST_CASE("help and typos of the new groups") {
    Seed seed;
    RunResult models = seed.moltbot({"models", "--help"});
    CHECK(models.exitCode == 0);
    CHECK(contains(models.out, "subcommands: status list set fallbacks aliases"));
    RunResult fallbacks = seed.moltbot({"models", "fallbacks"});
    CHECK(fallbacks.exitCode == 1);
    CHECK(contains(fallbacks.err, "'moltbot models fallbacks' needs a subcommand: list, add, remove, clear"));
    RunResult typo = seed.moltbot({"models", "aliases", "lst"});
    CHECK(typo.exitCode == 1);
    CHECK(contains(typo.err, "unknown subcommand 'lst' for 'moltbot models aliases' (did you mean 'list'?)"));
    RunResult help = seed.moltbot({"help", "models", "set"});
    CHECK(help.exitCode == 0);
    CHECK(help.out == seed.moltbot({"models", "set", "--help"}).out);
    CHECK(contains(help.out, "--force"));
}

}  // TEST_SUITE

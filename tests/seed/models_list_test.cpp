// `moltbot models list` end to end against the simulator's catalog: the table, the tags, --all, --provider,
// --json, --plain, and the catalog cache.
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace moltbot::seed;
using moltbot::test::RunResult;

namespace {

const std::string kTagged = R"({
  agents: {
    defaults: {
      model: {
        primary: "openrouter/anthropic/claude-sonnet-4-5",
        fallbacks: ["openrouter/openai/gpt-5.2", "openrouter/x-ai/grok-4"],
      },
      models: {
        "openrouter/anthropic/claude-sonnet-4-5": { alias: "sonnet" },
        "openrouter/openai/gpt-4o-mini": { alias: "mini" },
        "openrouter/nobody/no-such-model": {},
      },
    },
  },
})";

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The table row of `key`, with its runs of spaces folded to one, or "" when there is none.
std::string row(const std::string &table, const std::string &key) {
    for (const auto &line : lines(table)) {
        if (!line.starts_with(key + " ")) continue;
        std::string folded;
        for (char c : line) {
            if (c != ' ' || folded.empty() || folded.back() != ' ') folded += c;
        }
        return folded;
    }
    return "";
}

std::size_t catalogFetches(Seed &seed) {
    std::size_t fetches = 0;
    rapidjson::Document log = seed.requests();
    for (const auto &request : log["data"].GetArray()) {
        if (std::string(request["path"].GetString()) == "/api/v1/models") ++fetches;
    }
    return fetches;
}

}  // namespace

TEST_CASE("the table: columns, and the tags default, fallback#N, configured, alias: and missing") {
    Seed seed;
    seed.config(kTagged);
    RunResult result = seed.moltbotWithKey({"models", "list"});
    CHECK(result.exitCode == 0);
    auto table = lines(result.out);
    REQUIRE(table.size() == 6);
    CHECK(row(result.out, "Model") == "Model Input Ctx Local Auth Tags");
    CHECK(row(result.out, "openrouter/anthropic/claude-sonnet-4-5") ==
          "openrouter/anthropic/claude-sonnet-4-5 text+image 1000k yes yes default,configured,alias:sonnet");
    CHECK(row(result.out, "openrouter/openai/gpt-5.2") == "openrouter/openai/gpt-5.2 text+image 400k yes yes fallback#1");
    CHECK(row(result.out, "openrouter/x-ai/grok-4") == "openrouter/x-ai/grok-4 text+image 256k yes yes fallback#2");
    CHECK(row(result.out, "openrouter/openai/gpt-4o-mini") ==
          "openrouter/openai/gpt-4o-mini text+image 128k yes yes configured,alias:mini");
    CHECK(row(result.out, "openrouter/nobody/no-such-model") ==
          "openrouter/nobody/no-such-model - - - - configured,missing");
    // Columns line up under the header.
    std::size_t tags = table[0].find("Tags");
    CHECK(table[1].find("default") == tags);

    // Without a key the Auth column says so.
    RunResult keyless = seed.moltbot({"models", "list"});
    CHECK(row(keyless.out, "openrouter/openai/gpt-5.2") == "openrouter/openai/gpt-5.2 text+image 400k yes no fallback#1");
}

TEST_CASE("--all lists the whole catalog; --provider narrows it") {
    Seed seed;
    RunResult all = seed.moltbotWithKey({"models", "list", "--all"});
    CHECK(all.exitCode == 0);
    std::size_t openrouter = 0;
    for (const auto &line : lines(all.out)) openrouter += line.starts_with("openrouter/") ? 1 : 0;
    CHECK(openrouter >= 400);
    CHECK(contains(all.out, "openrouter/anthropic/claude-sonnet-4.5 "));
    CHECK(contains(all.out, "openrouter/openrouter/auto "));

    RunResult only = seed.moltbotWithKey({"models", "list", "--all", "--provider", "openrouter", "--plain"});
    CHECK(only.exitCode == 0);
    auto keys = lines(only.out);
    CHECK(keys.size() == openrouter);
    for (const auto &key : keys) CHECK(key.starts_with("openrouter/"));

    RunResult none = seed.moltbotWithKey({"models", "list", "--all", "--provider", "nosuchprefix"});
    CHECK(none.exitCode == 0);
    CHECK(none.out == "No models found.\n");
}

TEST_CASE("--json: count and one object per model; --plain: one key per line; not both") {
    Seed seed;
    seed.config(kTagged);
    RunResult result = seed.moltbotWithKey({"models", "list", "--json"});
    CHECK(result.exitCode == 0);
    auto json = moltbot::sim::test::parseJson(result.out);
    REQUIRE(json["count"].GetInt() == 5);
    REQUIRE(json["models"].Size() == 5);
    const auto &sonnet = json["models"][0];
    CHECK(std::string(sonnet["key"].GetString()) == "openrouter/anthropic/claude-sonnet-4-5");
    CHECK(std::string(sonnet["name"].GetString()) == "Anthropic: Claude Sonnet 4.5");
    CHECK(std::string(sonnet["input"].GetString()) == "text+image");
    CHECK(sonnet["contextWindow"].GetInt64() == 1000000);
    CHECK(sonnet["local"].GetBool());
    CHECK(sonnet["available"].GetBool());
    CHECK_FALSE(sonnet["missing"].GetBool());
    REQUIRE(sonnet["tags"].Size() == 3);
    CHECK(std::string(sonnet["tags"][2].GetString()) == "alias:sonnet");
    const auto &missing = json["models"][4];
    CHECK(std::string(missing["key"].GetString()) == "openrouter/nobody/no-such-model");
    CHECK(missing["missing"].GetBool());
    CHECK(missing["name"].IsNull());
    CHECK(missing["contextWindow"].IsNull());

    RunResult plain = seed.moltbotWithKey({"models", "list", "--plain"});
    CHECK(plain.exitCode == 0);
    CHECK(plain.out == "openrouter/anthropic/claude-sonnet-4-5\nopenrouter/openai/gpt-5.2\nopenrouter/x-ai/grok-4\n"
                       "openrouter/openai/gpt-4o-mini\nopenrouter/nobody/no-such-model\n");

    RunResult both = seed.moltbotWithKey({"models", "list", "--json", "--plain"});
    CHECK(both.exitCode == 1);
    CHECK(both.out.empty());
    CHECK(contains(both.err, "choose either --json or --plain, not both"));
}

TEST_CASE("the catalog is cached: no refetch, offline still works, --refresh fetches again") {
    Seed seed;
    seed.config(kTagged);
    RunResult first = seed.moltbotWithKey({"models", "list", "--all", "--plain"});
    CHECK(first.exitCode == 0);
    CHECK(catalogFetches(seed) == 1);
    RunResult cached = seed.moltbotWithKey({"models", "list", "--all", "--plain"});
    CHECK(cached.out == first.out);
    CHECK(catalogFetches(seed) == 1);

    RunResult refreshed = seed.moltbotWithKey({"models", "list", "--all", "--plain", "--refresh"});
    CHECK(refreshed.exitCode == 0);
    CHECK(refreshed.out == first.out);
    CHECK(catalogFetches(seed) == 2);

    seed.sim.simulator.stop();
    RunResult offline = seed.moltbotWithKey({"models", "list", "--all", "--plain"});
    CHECK(offline.exitCode == 0);
    CHECK(offline.out == first.out);
    RunResult table = seed.moltbotWithKey({"models", "list"});
    CHECK(table.exitCode == 0);
    CHECK(row(table.out, "openrouter/openai/gpt-5.2") == "openrouter/openai/gpt-5.2 text+image 400k yes yes fallback#1");
}

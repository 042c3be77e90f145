// `moltbot models list` end to end against the simulator's catalog: the table on a terminal (refs never cut, prices,
// wrapped tags), whole refs on a pipe, the tags, --all, search terms, --free, --provider, --json, --plain, and the
// catalog cache.
#include "tests/seed/seed_support.hpp"
#include "tests/support/terminal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
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

// `models list ARGS` on a terminal `columns` wide, as a user sees it (stdout and stderr together, "\n" line ends).
std::string onTerminal(const Seed &seed, std::vector<std::string> args, int columns = 200, bool withKey = true) {
    args.insert(args.begin(), {moltbot::test::moltbotBinary().string(), "models", "list"});
    std::map<std::string, std::string> env{{"HOME", seed.home.path().string()},
                                           {"OPENROUTER_BASE_URL", seed.baseUrl},
                                           {"COLUMNS", std::to_string(columns)}};
    if (withKey) env["OPENROUTER_API_KEY"] = kKey;
    moltbot::test::TerminalResult result = moltbot::test::runOnTerminal(args, env, {});
    CHECK(result.exitCode == 0);
    CHECK_FALSE(result.timedOut);
    std::string text;
    for (char c : result.transcript) {
        if (c != '\r') text += c;
    }
    CHECK_FALSE(contains(text, kKey));
    return text;
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

TEST_CASE("the table on a terminal: columns with prices, and the tags default, fallback#N, configured, alias:, missing") {
    Seed seed;
    seed.config(kTagged);
    std::string out = onTerminal(seed, {});
    auto table = lines(out);
    REQUIRE(table.size() == 6);
    CHECK(row(out, "Model") == "Model Input Ctx In $/M Out $/M Local Auth Tags");
    CHECK(row(out, "openrouter/anthropic/claude-sonnet-4-5") ==
          "openrouter/anthropic/claude-sonnet-4-5 text+image 1000k 3.00 15.00 yes yes default,configured,alias:sonnet");
    CHECK(row(out, "openrouter/openai/gpt-5.2") == "openrouter/openai/gpt-5.2 text+image 400k 1.75 14.00 yes yes fallback#1");
    CHECK(row(out, "openrouter/x-ai/grok-4") == "openrouter/x-ai/grok-4 text+image 256k 3.00 15.00 yes yes fallback#2");
    CHECK(row(out, "openrouter/openai/gpt-4o-mini").starts_with("openrouter/openai/gpt-4o-mini text+image 128k "));
    CHECK(row(out, "openrouter/openai/gpt-4o-mini").ends_with(" yes yes configured,alias:mini"));
    CHECK(row(out, "openrouter/nobody/no-such-model") == "openrouter/nobody/no-such-model - - - - - - configured,missing");
    // Columns line up under the header.
    std::size_t tags = table[0].find("Tags");
    CHECK(table[1].find("default") == tags);

    // Without a key the Auth column says so.
    std::string keyless = onTerminal(seed, {}, 200, false);
    CHECK(row(keyless, "openrouter/openai/gpt-5.2") ==
          "openrouter/openai/gpt-5.2 text+image 400k 1.75 14.00 yes no fallback#1");
}

TEST_CASE("a narrow terminal never cuts a ref: the tags wrap under their column") {
    Seed seed;
    seed.config(kTagged);
    std::string out = onTerminal(seed, {}, 110);
    auto table = lines(out);
    std::size_t tags = table[0].find("Tags");
    REQUIRE(tags != std::string::npos);
    REQUIRE(tags > 80);  // the sonnet row's tags (31 characters) cannot fit in what is left of 110 columns
    for (const auto &line : table) CHECK(line.size() <= 110);
    // The sonnet row's tags go on, indented to their column, on the lines after it.
    std::size_t at = 0;
    while (at < table.size() && !table[at].starts_with("openrouter/anthropic/claude-sonnet-4-5 ")) ++at;
    REQUIRE(at < table.size());
    std::string allTags = table[at].substr(tags);
    std::size_t next = at + 1;
    for (; next < table.size() && table[next].starts_with(" "); ++next) {
        CHECK(table[next].find_first_not_of(' ') == tags);
        allTags += table[next].substr(tags);
    }
    CHECK(next > at + 1);
    CHECK(allTags == "default,configured,alias:sonnet");

    // Narrower than a ref: the ref stays whole and the line runs over.
    std::string tiny = onTerminal(seed, {}, 30);
    CHECK(contains(tiny, "\nopenrouter/anthropic/claude-sonnet-4-5 "));
    CHECK(contains(tiny, "\nopenrouter/nobody/no-such-model "));
}

TEST_CASE("on a pipe, whole refs one per line, as with --plain") {
    Seed seed;
    seed.config(kTagged);
    RunResult piped = seed.moltbotWithKey({"models", "list"});
    CHECK(piped.exitCode == 0);
    CHECK(piped.out == seed.moltbotWithKey({"models", "list", "--plain"}).out);
    CHECK(piped.out == "openrouter/anthropic/claude-sonnet-4-5\nopenrouter/openai/gpt-5.2\nopenrouter/x-ai/grok-4\n"
                       "openrouter/openai/gpt-4o-mini\nopenrouter/nobody/no-such-model\n");
    // A long ref is never cut on a pipe either.
    RunResult all = seed.moltbotWithKey({"models", "list", "--all"});
    std::size_t longest = 0;
    for (const auto &ref : lines(all.out)) {
        CHECK(ref.starts_with("openrouter/"));
        CHECK(ref.find(' ') == std::string::npos);
        CHECK_FALSE(ref.ends_with("..."));
        longest = std::max(longest, ref.size());
    }
    CHECK(longest > 42);  // the old table cut refs at 42 characters
}

TEST_CASE("search terms and --free narrow the list; --json has prices and the free flag") {
    Seed seed;
    RunResult claude = seed.moltbotWithKey({"models", "list", "--all", "claude"});
    CHECK(claude.exitCode == 0);
    auto refs = lines(claude.out);
    REQUIRE(refs.size() >= 3);
    for (const auto &ref : refs) CHECK(contains(ref, "claude"));
    CHECK(contains(claude.out, "openrouter/anthropic/claude-sonnet-4.5\n"));

    // Every term must match, ignoring case; the model's name counts too.
    RunResult two = seed.moltbotWithKey({"models", "list", "--all", "CLAUDE", "sonnet"});
    for (const auto &ref : lines(two.out)) CHECK(contains(ref, "sonnet"));
    CHECK(lines(two.out).size() < refs.size());
    RunResult byName = seed.moltbotWithKey({"models", "list", "--all", "Anthropic: Claude Sonnet 4.5"});
    CHECK(contains(byName.out, "openrouter/anthropic/claude-sonnet-4.5\n"));

    RunResult none = seed.moltbotWithKey({"models", "list", "--all", "no-model-is-called-this"});
    CHECK(none.exitCode == 0);
    CHECK(none.out.empty());
    CHECK(contains(none.err, "No models found."));

    RunResult freeOnly = seed.moltbotWithKey({"models", "list", "--all", "--free", "--json"});
    CHECK(freeOnly.exitCode == 0);
    auto json = moltbot::sim::test::parseJson(freeOnly.out);
    REQUIRE(json["count"].GetInt() > 0);
    for (const auto &model : json["models"].GetArray()) {
        CAPTURE(model["key"].GetString());
        CHECK(model["free"].GetBool());
        CHECK(model["inputPerMillion"].GetDouble() == 0);
        CHECK(model["outputPerMillion"].GetDouble() == 0);
    }
    RunResult freeClaude = seed.moltbotWithKey({"models", "list", "--all", "--free", "claude"});
    CHECK(freeClaude.out.empty());

    RunResult sonnet = seed.moltbotWithKey({"models", "list", "--all", "--json", "claude-sonnet-4.5"});
    auto doc = moltbot::sim::test::parseJson(sonnet.out);
    bool found = false;
    for (const auto &model : doc["models"].GetArray()) {
        if (std::string(model["key"].GetString()) != "openrouter/anthropic/claude-sonnet-4.5") continue;
        found = true;
        CHECK(model["inputPerMillion"].GetDouble() == doctest::Approx(3.0));
        CHECK(model["outputPerMillion"].GetDouble() == doctest::Approx(15.0));
        CHECK_FALSE(model["free"].GetBool());
        CHECK(model["contextWindow"].GetInt64() == 1000000);
    }
    CHECK(found);
}

TEST_CASE("--all lists the whole catalog; --provider narrows it") {
    Seed seed;
    RunResult all = seed.moltbotWithKey({"models", "list", "--all"});
    CHECK(all.exitCode == 0);
    std::size_t openrouter = 0;
    for (const auto &line : lines(all.out)) openrouter += line.starts_with("openrouter/") ? 1 : 0;
    CHECK(openrouter >= 400);
    CHECK(contains(all.out, "\nopenrouter/anthropic/claude-sonnet-4.5\n"));
    CHECK(contains(all.out, "\nopenrouter/openrouter/auto\n"));

    RunResult only = seed.moltbotWithKey({"models", "list", "--all", "--provider", "openrouter", "--plain"});
    CHECK(only.exitCode == 0);
    auto keys = lines(only.out);
    CHECK(keys.size() == openrouter);
    for (const auto &key : keys) CHECK(key.starts_with("openrouter/"));

    RunResult none = seed.moltbotWithKey({"models", "list", "--all", "--provider", "nosuchprefix"});
    CHECK(none.exitCode == 0);
    CHECK(none.out.empty());
    CHECK(none.err == "No models found.\n");
    CHECK(onTerminal(seed, {"--all", "--provider", "nosuchprefix"}) == "No models found.\n");
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
    CHECK(sonnet["inputPerMillion"].GetDouble() == doctest::Approx(3.0));
    CHECK(sonnet["outputPerMillion"].GetDouble() == doctest::Approx(15.0));
    CHECK_FALSE(sonnet["free"].GetBool());
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
    CHECK(missing["inputPerMillion"].IsNull());
    CHECK_FALSE(missing["free"].GetBool());

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
    CHECK(row(onTerminal(seed, {}), "openrouter/openai/gpt-5.2") ==
          "openrouter/openai/gpt-5.2 text+image 400k 1.75 14.00 yes yes fallback#1");
}

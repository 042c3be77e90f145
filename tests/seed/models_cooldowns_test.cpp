// Issue 14: moltbot models cooldowns [--json] and models cooldowns clear [REF], with cooldowns the pipeline really
// recorded (a 429 from the simulator) and with a table written by hand (an ended entry, several at once).
#include "tests/seed/seed_support.hpp"

#include <moltbot/sdk/http.hpp>
#include <doctest/doctest.h>

using namespace moltbot::seed;
using moltbot::sdk::nowMs;
using moltbot::test::RunResult;

namespace {

const std::string kChain = R"({ agents: { defaults: {
  model: { primary: "openrouter/anthropic/claude-sonnet-4.5", fallbacks: ["openrouter/openai/gpt-5.2"] },
  models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet" } } } } })";

std::string cooldownsFile(const Seed &seed) { return (seed.home.path() / ".moltbot/cooldowns.json").string(); }

}  // namespace

TEST_SUITE("models cooldowns") {

TEST_CASE("a model the pipeline put in cooldown is listed, skipped, and tried again once cleared") {
    Seed seed;
    seed.config(kChain);
    RunResult none = seed.moltbot({"models", "cooldowns"});
    CHECK(none.exitCode == 0);
    CHECK(none.out.empty());
    CHECK(contains(none.err, "no model is in cooldown"));

    seed.faults(R"([{"kind":"http","status":429,"retry_after":600,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    int64_t before = nowMs();
    RunResult first = seed.moltbotWithKey({"agent", "-m", "hi"});
    REQUIRE_MESSAGE(first.exitCode == 0, first.err);
    seed.faults("[]");

    RunResult text = seed.moltbot({"models", "cooldowns"});
    CHECK(text.exitCode == 0);
    CHECK(text.out.rfind("openrouter/anthropic/claude-sonnet-4.5 until ", 0) == 0);
    CHECK(contains(text.out, "(in 10m; rate_limited, 1 failure)\n"));
    CHECK(count(text.out, "\n") == 1);

    RunResult json = seed.moltbot({"models", "cooldowns", "--json"});
    CHECK(json.exitCode == 0);
    auto doc = moltbot::sim::test::parseJson(json.out);
    REQUIRE(doc["cooldowns"].Size() == 1);
    const auto &entry = doc["cooldowns"][0];
    CHECK(std::string(entry["model"].GetString()) == "openrouter/anthropic/claude-sonnet-4.5");
    CHECK(std::string(entry["reason"].GetString()) == "rate_limited");
    CHECK(entry["failures"].GetInt() == 1);
    CHECK(entry["untilMs"].GetInt64() >= before + 600'000);
    CHECK(std::string(entry["until"].GetString()).ends_with("Z"));

    // In cooldown: the fallback answers without asking the primary.
    std::size_t asked = seed.chatModels().size();
    RunResult skipped = seed.moltbotWithKey({"agent", "-m", "hi"});
    REQUIRE(skipped.exitCode == 0);
    std::vector<std::string> models = seed.chatModels();
    REQUIRE(models.size() == asked + 1);
    CHECK(models.back() == "openai/gpt-5.2");

    RunResult typo = seed.moltbot({"models", "cooldowns", "clear", "openrouter/anthropic/claude-sonet-4.5"});
    CHECK(typo.exitCode == 1);
    CHECK(contains(typo.err, "'openrouter/anthropic/claude-sonet-4.5' has no cooldown; did you mean "
                             "'openrouter/anthropic/claude-sonnet-4.5'?"));

    RunResult clear = seed.moltbot({"models", "cooldowns", "clear", "sonnet"});  // by its alias
    CHECK_MESSAGE(clear.exitCode == 0, clear.err);
    CHECK(clear.out == "Cleared the cooldown of openrouter/anthropic/claude-sonnet-4.5\n");
    CHECK(moltbot::sim::test::parseJson(seed.moltbot({"models", "cooldowns", "--json"}).out)["cooldowns"].Empty());

    RunResult again = seed.moltbotWithKey({"agent", "-m", "hi"});
    REQUIRE(again.exitCode == 0);
    CHECK(seed.chatModels().back() == "anthropic/claude-sonnet-4.5");
}

TEST_CASE("soonest first, ended cooldowns left out of the list; clear without REF forgets them all") {
    Seed seed;
    int64_t now = nowMs();
    seed.home.write(".moltbot/cooldowns.json",
                    R"({"models": {"openrouter/a/late": {"until": )" + std::to_string(now + 3'600'000) +
                        R"(, "failures": 4, "reason": "unavailable"},
                        "openrouter/b/soon": {"until": )" + std::to_string(now + 90'000) +
                        R"(, "failures": 2, "reason": "rate_limited"},
                        "openrouter/c/ended": {"until": )" + std::to_string(now - 60'000) +
                        R"(, "failures": 1, "reason": "rate_limited"}}})");
    RunResult list = seed.moltbot({"models", "cooldowns"});
    CHECK(list.exitCode == 0);
    CHECK(list.out.find("openrouter/b/soon until ") == 0);
    CHECK(contains(list.out, "(in 2m; rate_limited, 2 failures)\nopenrouter/a/late until "));
    CHECK(contains(list.out, "; unavailable, 4 failures)\n"));
    CHECK_FALSE(contains(list.out, "ended"));

    RunResult clear = seed.moltbot({"models", "cooldowns", "clear"});
    CHECK(clear.exitCode == 0);
    CHECK(clear.out == "Cleared the cooldowns of 3 models\n");
    CHECK_FALSE(contains(moltbot::test::readFile(cooldownsFile(seed)), "openrouter/"));
    RunResult nothing = seed.moltbot({"models", "cooldowns", "clear"});
    CHECK(nothing.exitCode == 0);
    CHECK(nothing.out == "No cooldowns to clear\n");

    RunResult typo = seed.moltbot({"models", "cooldowns", "clr"});
    CHECK(typo.exitCode == 1);
    CHECK(contains(typo.err, "unknown subcommand 'clr' for 'moltbot models cooldowns' (did you mean 'clear'?)"));
    RunResult help = seed.moltbot({"help", "models", "cooldowns", "clear"});
    CHECK(help.exitCode == 0);
    CHECK(contains(help.out, "[REF]"));
}

}  // TEST_SUITE

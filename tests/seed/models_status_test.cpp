// `moltbot models status`: --probe asks the plugin's key-info extension about the key; cooldowns the pipeline
// recorded show with their end, in text and --json.
#include "tests/seed/seed_support.hpp"
#include "tests/support/openrouter_page.hpp"

#include <moltbot/sdk/http.hpp>
#include <doctest/doctest.h>

#include <chrono>

using namespace moltbot::seed;
using moltbot::test::RunResult;
using moltbot::test::page::kModelNaming;

namespace {

std::size_t keyRequests(Seed &seed) {
    std::size_t n = 0;
    rapidjson::Document log = seed.requests();
    for (const auto &request : log["data"].GetArray()) n += std::string(request["path"].GetString()) == "/api/v1/key";
    return n;
}

using moltbot::sdk::nowMs;

}  // namespace

TEST_CASE("--probe: a valid key with its label, limit, usage and free-tier flag") {
    Seed seed;
    seed.config(kModelNaming);
    auto reply = seed.sim.post("/_sim/keys",
                               R"({"key":")" + kKey + R"(","label":"laptop","limit":100,"usage":25.5,)"
                                                      R"("limit_reset":"monthly","is_free_tier":true})",
                               false);
    REQUIRE(reply.status == 200);

    RunResult plain = seed.moltbotWithKey({"models", "status"});
    CHECK(plain.exitCode == 0);
    CHECK_FALSE(contains(plain.out, "Key check"));
    CHECK(keyRequests(seed) == 0);

    RunResult result = seed.moltbotWithKey({"models", "status", "--probe", "--check"});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "\nKey check (--probe)\n- openrouter valid | label=laptop | limit=$100.00 ($74.50 left, "
                               "resets monthly) | usage=$25.50 | free tier=yes\n"));
    CHECK(keyRequests(seed) == 1);

    RunResult json = seed.moltbotWithKey({"models", "status", "--probe", "--json"});
    CHECK(json.exitCode == 0);
    auto doc = moltbot::sim::test::parseJson(json.out);
    REQUIRE(doc["probe"].Size() == 1);
    CHECK(std::string(doc["probe"][0]["provider"].GetString()) == "openrouter");
    CHECK(std::string(doc["probe"][0]["result"].GetString()) == "valid");
    CHECK(doc["probe"][0]["valid"].GetBool());
    CHECK(doc["probe"][0]["key"]["limit"].GetDouble() == 100);
    CHECK(doc["probe"][0]["key"]["is_free_tier"].GetBool());
}

TEST_CASE("--probe: a rejected key says so plainly; --check makes it an error") {
    Seed seed;
    seed.config(kModelNaming);
    const std::string badKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    moltbot::test::RunOptions options;
    options.env["OPENROUTER_API_KEY"] = badKey;
    RunResult result = seed.moltbot({"models", "status", "--probe"}, options);
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "- openrouter REJECTED: the key is not valid (OpenRouter HTTP 401: User not found.)\n"));
    CHECK_FALSE(contains(result.out + result.err, badKey));

    RunResult checked = seed.moltbot({"models", "status", "--probe", "--check"}, options);
    CHECK(checked.exitCode == 1);
    CHECK(contains(checked.err, "moltbot: check failed: a provider rejected its API key"));

    RunResult json = seed.moltbot({"models", "status", "--probe", "--json"}, options);
    auto doc = moltbot::sim::test::parseJson(json.out);
    CHECK(std::string(doc["probe"][0]["result"].GetString()) == "rejected");
    CHECK_FALSE(doc["probe"][0]["valid"].GetBool());
    CHECK_FALSE(contains(json.out, badKey));
}

TEST_CASE("models in cooldown show until when, in text and --json") {
    Seed seed;
    seed.config(kModelNaming);
    RunResult none = seed.moltbotWithKey({"models", "status"});
    CHECK(contains(none.out, "\nCooldowns (0): -\n"));

    seed.faults(R"([{"kind":"http","status":429,"retry_after":120,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    int64_t before = nowMs();
    RunResult agent = seed.moltbotWithKey({"agent", "-m", "hi"});
    REQUIRE(agent.exitCode == 0);

    RunResult text = seed.moltbotWithKey({"models", "status"});
    CHECK(contains(text.out, "\nCooldowns (1)\n- openrouter/anthropic/claude-sonnet-4-5 until "));
    CHECK(contains(text.out, "(in 2m; rate_limited, 1 failure)\n"));

    RunResult json = seed.moltbotWithKey({"models", "status", "--json"});
    auto doc = moltbot::sim::test::parseJson(json.out);
    REQUIRE(doc["cooldowns"].Size() == 1);
    const auto &entry = doc["cooldowns"][0];
    CHECK(std::string(entry["model"].GetString()) == "openrouter/anthropic/claude-sonnet-4-5");
    CHECK(std::string(entry["reason"].GetString()) == "rate_limited");
    CHECK(entry["failures"].GetInt() == 1);
    CHECK(entry["untilMs"].GetInt64() >= before + 120'000);
    CHECK(entry["untilMs"].GetInt64() <= nowMs() + 121'000);
    CHECK(std::string(entry["until"].GetString()).ends_with("Z"));
}

TEST_CASE("--probe with OpenRouter unreachable: not checked, and not a rejected key") {
    Seed seed;
    seed.config(kModelNaming);
    seed.sim.simulator.stop();
    RunResult result = seed.moltbotWithKey({"models", "status", "--probe", "--check"});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "- openrouter not checked: OpenRouter request failed: cannot connect to "));
}

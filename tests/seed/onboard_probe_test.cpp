// `moltbot onboard` checks the key it stores with OpenRouter's key endpoint (docs/cli.md "onboard"): accepted,
// rejected (nothing changed, exit 1), could not check (stored with a warning), and --no-probe (not asked).
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include "tests/support/process.hpp"

#include <string>

using namespace moltbot::seed;
using moltbot::test::RunResult;
using moltbot::test::RunOptions;

namespace {

// A well-formed key the simulator does not know.
const std::string kUnknownKey = "sk-or-v1-0000000000000000000000000000000000000000000000000000000000001234";

RunResult onboard(Seed &seed, const std::string &key, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"onboard", "--non-interactive", "--mode", "local", "--auth-choice",
                                     "openrouter-api-key", "--openrouter-api-key", key};
    args.insert(args.end(), extra.begin(), extra.end());
    return seed.moltbot(args);
}

// How many GET /key (or /auth/key) requests the simulator has seen.
int keyRequests(Seed &seed) {
    rapidjson::Document log = seed.requests();
    int count = 0;
    for (const auto &request : log["data"].GetArray()) {
        std::string path = request["path"].GetString();
        if (path.ends_with("/key")) ++count;
    }
    return count;
}

std::string credentials(const Seed &seed) {
    auto path = seed.home.path() / ".moltbot/credentials.json";
    return std::filesystem::exists(path) ? moltbot::test::readFile(path) : "(none)";
}

}  // namespace

TEST_CASE("onboard asks OpenRouter about the key and says it is accepted, the key masked") {
    Seed seed;
    RunResult result = onboard(seed, kKey);
    CHECK(result.exitCode == 0);
    CHECK(result.err.empty());
    CHECK(contains(result.out, "Stored the OpenRouter API key sk-or-v1...cafe (from flag)"));
    CHECK(contains(result.out, "\nOpenRouter accepts the key sk-or-v1...cafe\n"));
    CHECK(keyRequests(seed) == 1);
    CHECK(contains(credentials(seed), kKey));

    // The stored key is checked too when it is kept; --json says how the check went.
    RunResult kept = seed.moltbot({"onboard", "--non-interactive", "--json"});
    CHECK(kept.exitCode == 0);
    CHECK(contains(kept.out, "\"keySource\": \"stored\""));
    CHECK(contains(kept.out, "\"keyCheck\": \"accepted\""));
    CHECK(contains(kept.out, "OpenRouter accepts the stored key sk-or-v1...cafe"));
    CHECK(keyRequests(seed) == 2);
}

TEST_CASE("a key OpenRouter rejects is not stored: exit 1, the config and the stored key unchanged") {
    Seed seed;
    const std::string config = "// mine\n{ agents: { defaults: { model: { primary: 'openrouter/openai/gpt-5.2' } } } }\n";
    seed.config(config);
    REQUIRE(onboard(seed, kKey).exitCode == 0);
    std::string storedBefore = credentials(seed);
    std::string configBefore = moltbot::test::readFile(seed.home.path() / ".moltbot/moltbot.json");

    RunResult result = onboard(seed, kUnknownKey);
    CHECK(result.exitCode == 1);
    CHECK(result.out.empty());
    CHECK(contains(result.err, "moltbot: OpenRouter rejected the key sk-or-v1...1234 ("));
    CHECK(contains(result.err, "nothing was changed. Check the key at openrouter.ai/keys, or pass --no-probe to "
                               "store it unchecked"));
    CHECK_FALSE(contains(result.err, kUnknownKey));
    CHECK(credentials(seed) == storedBefore);
    CHECK(moltbot::test::readFile(seed.home.path() / ".moltbot/moltbot.json") == configBefore);
    CHECK(keyRequests(seed) == 2);

    // A fresh home: nothing at all is written.
    Seed fresh;
    RunResult first = onboard(fresh, kUnknownKey);
    CHECK(first.exitCode == 1);
    CHECK_FALSE(std::filesystem::exists(fresh.home.path() / ".moltbot/credentials.json"));
    CHECK_FALSE(std::filesystem::exists(fresh.home.path() / ".moltbot/moltbot.json"));
}

TEST_CASE("OpenRouter out of reach: the key is stored with a warning that it could not be checked") {
    Seed seed;
    seed.sim.simulator.stop();
    RunResult result = onboard(seed, kKey);
    CHECK(result.exitCode == 0);
    CHECK(contains(result.err, "warning: could not check the key sk-or-v1...cafe with OpenRouter ("));
    CHECK(contains(result.err, "); stored it unchecked\n"));
    CHECK(contains(result.out, "Stored the OpenRouter API key sk-or-v1...cafe"));
    CHECK_FALSE(contains(result.out, "accepts"));
    CHECK(contains(credentials(seed), kKey));
}

TEST_CASE("--no-probe stores the key without asking OpenRouter") {
    Seed seed;
    RunResult result = onboard(seed, kUnknownKey, {"--no-probe", "--json"});
    CHECK(result.exitCode == 0);
    CHECK(contains(result.out, "\"keyCheck\": \"skipped\""));
    CHECK(contains(credentials(seed), kUnknownKey));
    CHECK(keyRequests(seed) == 0);
}

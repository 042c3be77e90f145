// Issue 14, "never answer with something the user did not ask for", through the built moltbot and the simulator: a
// model that does not exist is an error before anything is sent; an answer from another model than the first says
// so on stderr (or in --json); the catalog's notice for a normalised id shows once, remembered in the state folder.
#include "tests/seed/seed_support.hpp"
#include "tests/support/openrouter_page.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

using namespace moltbot::seed;
using moltbot::test::RunResult;
using namespace moltbot::test::page;

namespace {

const std::string kSonnet = "openrouter/anthropic/claude-sonnet-4.5";
const std::string kGpt = "openrouter/openai/gpt-5.2";
// The primary with an alias, and the fallback.
const std::string kChain = R"({ agents: { defaults: {
  model: { primary: "openrouter/anthropic/claude-sonnet-4.5", fallbacks: ["openrouter/openai/gpt-5.2"] },
  models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet" } } } } })";
const std::string kNotice = R"(model id "anthropic/claude-sonnet-4-5" is not in the OpenRouter catalog; using "anthropic/claude-sonnet-4.5")";
// The primary fails with a wait beyond the 30 s cap: the fallback answers at once and the primary cools down.
const std::string kPrimaryLimited =
    R"([{"kind":"http","status":429,"retry_after":600,"match":{"model":"anthropic/claude-sonnet-4.5"}}])";

unsigned mode(const std::filesystem::path &path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

// An unknown model: exit 1 naming it, no answer, no chat request upstream.
void checkRefused(Seed &seed, const RunResult &result, const std::string &model) {
    CHECK(result.exitCode == 1);
    CHECK(result.out.empty());
    CHECK(contains(result.err, "'" + model + "'"));
    CHECK(seed.chatRequests().Empty());
}

}  // namespace

TEST_SUITE("models that do not exist") {

TEST_CASE("a typo in the id: exit 1 with the closest catalog refs, nothing sent") {
    Seed seed;
    seed.config(kChain);
    RunResult result = seed.moltbotWithKey({"agent", "--model", "openrouter/anthropic/claude-sonet-4.5", "-m", "hi"});
    checkRefused(seed, result, "openrouter/anthropic/claude-sonet-4.5");
    CHECK(contains(result.err, "moltbot: unknown model 'openrouter/anthropic/claude-sonet-4.5': "
                               "'anthropic/claude-sonet-4.5' is not in the openrouter catalog; did you mean "
                               "'openrouter/anthropic/claude-sonnet-4.5'"));
    CHECK_FALSE(contains(result.err, "gpt-5.2"));  // the fallback did not answer
}

TEST_CASE("the prefix left out: exit 1, the ref with openrouter/ suggested, nothing sent") {
    Seed seed;
    seed.config(kChain);
    RunResult result = seed.moltbotWithKey({"agent", "--model", "anthropic/claude-sonnet-4.5", "-m", "hi"});
    checkRefused(seed, result, "anthropic/claude-sonnet-4.5");
    CHECK(contains(result.err, "no plugin serves the prefix 'anthropic'"));
    CHECK(contains(result.err, "did you mean 'openrouter/anthropic/claude-sonnet-4.5'"));
}

TEST_CASE("an unknown prefix: exit 1 naming the prefixes served, nothing sent") {
    Seed seed;
    seed.config(kChain);
    RunResult result = seed.moltbotWithKey({"agent", "--model", "foo/bar", "-m", "hi"});
    checkRefused(seed, result, "foo/bar");
    CHECK(contains(result.err, "moltbot: unknown model 'foo/bar': no plugin serves the prefix 'foo' (served: "));
    CHECK(contains(result.err, "openrouter"));
}

TEST_CASE("an unknown alias: exit 1 with the closest alias, nothing sent") {
    Seed seed;
    seed.config(kChain);
    RunResult result = seed.moltbotWithKey({"agent", "--model", "sonet", "-m", "hi"});
    checkRefused(seed, result, "sonet");
    CHECK(contains(result.err, "did you mean 'sonnet'?"));
    // The alias itself works, case-insensitively.
    RunResult byAlias = seed.moltbotWithKey({"agent", "--model", "Sonnet", "-m", "hi"});
    CHECK(byAlias.exitCode == 0);
    CHECK(byAlias.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
}

TEST_CASE("a configured primary that does not exist is an error naming the setting") {
    Seed seed;
    seed.config(R"({ agents: { defaults: { model: { primary: "openrouter/openai/gpt-5.3",
                   fallbacks: ["openrouter/openai/gpt-5.2"] } } } })");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    checkRefused(seed, result, "openrouter/openai/gpt-5.3");
    CHECK(contains(result.err, "moltbot: agents.defaults.model.primary: unknown model 'openrouter/openai/gpt-5.3'"));
    CHECK(contains(result.err, "; did you mean "));
    CHECK(contains(result.err, "'openrouter/openai/gpt-5.2'"));
}

TEST_CASE("a configured fallback that does not exist is skipped with a warning") {
    Seed seed;
    seed.config(R"({ agents: { defaults: { model: { primary: "openrouter/anthropic/claude-sonnet-4.5",
                   fallbacks: ["openrouter/openai/gpt-5.3", "openrouter/openai/gpt-5.2"] } } } })");
    seed.faults(kPrimaryLimited);
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "[gpt-5.2 via OpenAI] You said: hi\n");
    CHECK(contains(result.err, "moltbot: warning: skipping an entry of agents.defaults.model.fallbacks: unknown model "
                               "'openrouter/openai/gpt-5.3'"));
    CHECK(seed.chatModels() == std::vector<std::string>{"anthropic/claude-sonnet-4.5", "openai/gpt-5.2"});
}

}  // TEST_SUITE

TEST_SUITE("answers from another model say so") {

TEST_CASE("a failed primary, then one in cooldown: one notice line each; --quiet silences it; --json holds it") {
    Seed seed;
    seed.config(kChain);
    seed.faults(kPrimaryLimited);
    RunResult failed = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(failed.exitCode == 0);
    CHECK(failed.out == "[gpt-5.2 via OpenAI] You said: hi\n");
    CHECK(contains(failed.err, "moltbot: " + kSonnet + " failed (rate_limited, HTTP 429"));
    CHECK(count(failed.err, "; answered by " + kGpt + "\n") == 1);

    // The primary cools down: the next run skips it, and says so.
    RunResult skipped = seed.moltbotWithKey({"agent", "-m", "again"});
    CHECK(skipped.exitCode == 0);
    CHECK(contains(skipped.err, "moltbot: " + kSonnet + " skipped (cooling down until "));
    CHECK(contains(skipped.err, "after rate_limited); answered by " + kGpt + "\n"));
    CHECK(seed.chatModels() == std::vector<std::string>{"anthropic/claude-sonnet-4.5", "openai/gpt-5.2", "openai/gpt-5.2"});

    RunResult quiet = seed.moltbotWithKey({"agent", "-m", "quiet", "--quiet"});
    CHECK(quiet.exitCode == 0);
    CHECK(quiet.out == "[gpt-5.2 via OpenAI] You said: quiet\n");
    CHECK_FALSE(contains(quiet.err, "answered by"));
    CHECK(contains(quiet.err, "[" + kGpt + " via OpenAI"));  // the usage line stays

    RunResult json = seed.moltbotWithKey({"agent", "-m", "json", "--json"});
    CHECK(json.exitCode == 0);
    CHECK_FALSE(contains(json.err, "answered by"));
    rapidjson::Document object = moltbot::sim::test::parseJson(json.out);
    REQUIRE(object["notices"].IsArray());
    REQUIRE(object["notices"].Size() == 1);
    std::string notice = object["notices"][0].GetString();
    CHECK(notice.rfind(kSonnet + " skipped (cooling down until ", 0) == 0);
    CHECK(contains(notice, "; answered by " + kGpt));
}

TEST_CASE("the first model answering: no notice, and --json has an empty notices array") {
    Seed seed;
    seed.config(kChain);
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi", "--json"});
    CHECK(result.exitCode == 0);
    rapidjson::Document object = moltbot::sim::test::parseJson(result.out);
    REQUIRE(object["notices"].IsArray());
    CHECK(object["notices"].Empty());
    CHECK_FALSE(contains(result.err, "answered by"));
}

}  // TEST_SUITE

TEST_SUITE("the normalised-id notice shows once") {

TEST_CASE("shown on the first run only, remembered in a 0600 file of the 0700 state folder") {
    Seed seed;
    seed.config(kDefaultModel);  // the page's dashed "claude-sonnet-4-5"
    // A state folder moltbot creates itself, to see its mode; the config stays where the page puts it.
    std::filesystem::path state = seed.home.path() / "state";
    moltbot::test::RunOptions options;
    options.env["MOLTBOT_STATE_DIR"] = state.string();
    options.env["MOLTBOT_CONFIG_PATH"] = (seed.home.path() / ".moltbot/moltbot.json").string();
    // --quiet neither shows it nor remembers it.
    RunResult quiet = seed.moltbotWithKey({"agent", "-m", "hi", "--quiet"}, options);
    CHECK(quiet.exitCode == 0);
    CHECK_FALSE(contains(quiet.err, kNotice));

    RunResult first = seed.moltbotWithKey({"agent", "-m", "hi"}, options);
    CHECK(first.exitCode == 0);
    CHECK(count(first.err, kNotice) == 1);
    std::filesystem::path file = state / "notices-shown.json";
    REQUIRE(std::filesystem::exists(file));
    CHECK(mode(file) == 0600);
    CHECK(mode(file.parent_path()) == 0700);
    CHECK(contains(moltbot::test::readFile(file), "claude-sonnet-4-5"));

    RunResult second = seed.moltbotWithKey({"agent", "-m", "hi"}, options);
    CHECK(second.exitCode == 0);
    CHECK(second.out == "[claude-sonnet-4.5 via Anthropic] You said: hi\n");
    CHECK_FALSE(contains(second.err, kNotice));
    CHECK(seed.chatModels() == std::vector<std::string>(3, "anthropic/claude-sonnet-4.5"));
}

}  // TEST_SUITE

TEST_SUITE("models that do not exist") {

TEST_CASE("the default onboard sets, openrouter/auto, exists: the catalog lists it as openrouter/auto") {
    Seed seed;
    seed.config(R"({ agents: { defaults: { model: { primary: "openrouter/auto" } } } })");
    RunResult result = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(result.exitCode == 0);
    CHECK(seed.chatModels() == std::vector<std::string>{"openrouter/auto"});
}

}  // TEST_SUITE

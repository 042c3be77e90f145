// Issue 14, conventions: every command's --json prints one JSON document in one style, the one docs/cli.md names (a
// 2-space indent, a final newline): exactly what config::toPrettyJson prints for the same value. Each command runs
// for real against the simulator, with data in its output (a key, a log row, a cooldown, a model list).
#include "core/config/files.hpp"
#include "tests/seed/seed_support.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

using namespace moltbot::seed;
using moltbot::test::RunResult;

namespace {

const std::string kChain = R"({ agents: { defaults: {
  model: { primary: "openrouter/anthropic/claude-sonnet-4.5", fallbacks: ["openrouter/openai/gpt-5.2"] },
  models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet" } } } } })";

// The output of a --json command is one document in the house style.
void checkStyle(const std::vector<std::string> &args, const RunResult &result) {
    std::string command;
    for (const auto &arg : args) command += arg + " ";
    INFO("moltbot " << command << "\n" << result.out << result.err);
    REQUIRE(result.exitCode == 0);
    rapidjson::Document parsed;
    parsed.Parse(result.out.c_str(), result.out.size());
    REQUIRE_FALSE(parsed.HasParseError());
    CHECK(result.out == moltbot::config::toPrettyJson(parsed));
}

}  // namespace

TEST_CASE("every --json output is one document with a 2-space indent, as docs/cli.md says") {
    Seed seed;
    seed.config(kChain);
    // Some data first: an answer (a log row), a cooldown (a 429), a gateway key.
    seed.faults(R"([{"kind":"http","status":429,"retry_after":600,"match":{"model":"anthropic/claude-sonnet-4.5"}}])");
    REQUIRE(seed.moltbotWithKey({"agent", "-m", "hi"}).exitCode == 0);
    seed.faults("[]");
    REQUIRE(seed.moltbot({"keys", "create", "--name", "ci", "--budget", "5"}).exitCode == 0);

    std::vector<std::vector<std::string>> commands = {
        {"agent", "-m", "hello", "--json"},
        {"config", "get", "agents.defaults.model", "--json"},
        {"config", "set", "gateway.logContent", "true", "--json"},
        {"config", "unset", "gateway.logContent", "--json"},
        {"config", "path", "--json"},
        {"config", "validate", "--json"},
        {"models", "status", "--json"},
        {"models", "list", "--json"},
        {"models", "list", "--all", "claude", "--json"},
        {"models", "fallbacks", "list", "--json"},
        {"models", "aliases", "list", "--json"},
        {"models", "cooldowns", "--json"},
        {"plugins", "list", "--json"},
        {"keys", "list", "--json"},
        {"keys", "show", "ci", "--json"},
        {"keys", "create", "--name", "second", "--json"},
        {"logs", "--json"},
        {"usage", "--json"},
        {"onboard", "--non-interactive", "--auth-choice", "openrouter-api-key", "--openrouter-api-key", kKey, "--json"},
    };
    for (const auto &args : commands) checkStyle(args, seed.moltbotWithKey(args));
}

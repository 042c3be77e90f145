// Colours (docs/cli.md "Colours"): errors, warnings and model names in colour on a terminal, through the pty harness;
// none with NO_COLOR set (any non-empty value), none with TERM=dumb, none on a pipe; --color=always|never overrides
// them.
#include "tests/seed/seed_support.hpp"
#include "tests/support/terminal.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using namespace moltbot::seed;
using moltbot::test::RunOptions;
using moltbot::test::RunResult;
using moltbot::test::TerminalResult;

namespace {

const std::string kRef = "openrouter/openai/gpt-5.2";
const std::string kModel = "\033[36m" + kRef + "\033[0m";                    // cyan
const std::string kErrorStart = "\033[1;31mmoltbot: unknown model 'openrouter/openai/gpt-5.22'";  // bold red
const std::string kWarning = "\033[33mwarning:\033[0m ";                         // yellow
const char *kUnknownKeyConfig = "{ agents: { defaults: { model: { primary: 'openrouter/openai/gpt-5.2' } } }, "
                                "gateway: { prot: 4000 } }";

// The colour codes this CLI writes (the spinner's line erasing is not one of them).
bool coloured(const std::string &text) {
    return text.find("\033[36m") != std::string::npos || text.find("\033[33m") != std::string::npos ||
           text.find("\033[1;31m") != std::string::npos || text.find("\033[0m") != std::string::npos;
}

struct Runs {
    std::string answer;   // a one-shot answer: the model name in the usage line, a config warning
    std::string error;    // an unknown model: the error line
};

Runs onTerminal(Seed &seed, const std::map<std::string, std::string> &extraEnv, std::vector<std::string> flags = {}) {
    std::map<std::string, std::string> env = {{"HOME", seed.home.path().string()},
                                               {"OPENROUTER_BASE_URL", seed.baseUrl},
                                               {"OPENROUTER_API_KEY", kKey},
                                               {"TERM", "xterm-256color"}};  // the harness's default is "dumb"
    for (const auto &[name, value] : extraEnv) env[name] = value;
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), moltbot::test::moltbotBinary().string());
        args.insert(args.end(), flags.begin(), flags.end());
        TerminalResult result = moltbot::test::runOnTerminal(args, env, {});
        CHECK_FALSE(result.timedOut);
        return result;
    };
    Runs runs;
    TerminalResult answered = run({"agent", "-m", "hi"});
    CHECK(answered.exitCode == 0);
    runs.answer = answered.transcript;
    TerminalResult failed = run({"agent", "--model", "openrouter/openai/gpt-5.22", "-m", "hi"});
    CHECK(failed.exitCode == 1);
    runs.error = failed.transcript;
    return runs;
}

}  // namespace

TEST_CASE("on a terminal: the model name, warnings and errors in colour") {
    Seed seed;
    seed.config(kUnknownKeyConfig);
    Runs runs = onTerminal(seed, {});
    CHECK(contains(runs.answer, "You said: hi"));
    CHECK(contains(runs.answer, "[" + kModel + " via OpenAI"));
    CHECK(contains(runs.answer, kWarning + "gateway.prot:"));
    CHECK(contains(runs.error, kErrorStart));
    CHECK(contains(runs.error, "\033[0m\r\n"));  // the colour ends with the line

    // NO_COLOR set to an empty string does not count (no-color.org).
    Runs empty = onTerminal(seed, {{"NO_COLOR", ""}});
    CHECK(contains(empty.answer, "[" + kModel));
    CHECK(contains(empty.error, kErrorStart));
}

TEST_CASE("on a terminal with NO_COLOR, TERM=dumb or --color=never: no colour") {
    Seed seed;
    seed.config(kUnknownKeyConfig);
    for (const auto &[env, flags] :
         std::vector<std::pair<std::map<std::string, std::string>, std::vector<std::string>>>{
             {{{"NO_COLOR", "1"}}, {}}, {{{"NO_COLOR", "yes please"}}, {}}, {{{"TERM", "dumb"}}, {}},
             {{}, {"--color=never"}}}) {
        CAPTURE(env.size());
        CAPTURE(flags.size());
        Runs runs = onTerminal(seed, env, flags);
        CHECK(contains(runs.answer, "[" + kRef + " via OpenAI"));
        CHECK(contains(runs.answer, "warning: gateway.prot:"));
        CHECK(contains(runs.error, "moltbot: unknown model 'openrouter/openai/gpt-5.22'"));
        CHECK_FALSE(coloured(runs.answer));
        CHECK_FALSE(coloured(runs.error));
    }
    // --color=always wins over NO_COLOR, as no-color.org asks of command-line flags.
    Runs forced = onTerminal(seed, {{"NO_COLOR", "1"}}, {"--color", "always"});
    CHECK(contains(forced.answer, "[" + kModel));
}

TEST_CASE("on a pipe: no colour, unless --color=always; a bad --color value is a usage error") {
    Seed seed;
    seed.config(kUnknownKeyConfig);
    RunResult answered = seed.moltbotWithKey({"agent", "-m", "hi"});
    CHECK(answered.exitCode == 0);
    CHECK(contains(answered.err, "[" + kRef + " via OpenAI"));
    CHECK(contains(answered.err, "warning: gateway.prot:"));
    CHECK_FALSE(coloured(answered.out + answered.err));
    RunResult failed = seed.moltbotWithKey({"agent", "--model", "openrouter/openai/gpt-5.22", "-m", "hi"});
    CHECK(failed.exitCode == 1);
    CHECK(contains(failed.err, "\nmoltbot: unknown model 'openrouter/openai/gpt-5.22'"));
    CHECK_FALSE(coloured(failed.err));

    RunResult forced = seed.moltbotWithKey({"agent", "-m", "hi", "--color=always"});
    CHECK(contains(forced.err, "[" + kModel));
    CHECK(contains(forced.err, kWarning + "gateway.prot:"));
    CHECK_FALSE(coloured(forced.out));  // the answer itself is never painted

    RunResult bad = seed.moltbotWithKey({"agent", "-m", "hi", "--color=sometimes"});
    CHECK(bad.exitCode == 1);
    CHECK(bad.err == "moltbot: --color takes auto, always or never, not 'sometimes'\n");
    CHECK(seed.chatRequests().Size() == 2);
}

// moltbot onboard through the real binary: the commands of the OpenRouter page, merging, and every refusal.
#include "tests/setup/home.hpp"
#include "tests/support/terminal.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>

using namespace moltbot::test;

namespace {

const std::vector<std::string> kPageCommand = {"onboard", "--non-interactive", "--mode", "local", "--auth-choice",
                                               "openrouter-api-key", "--openrouter-api-key", kOpenRouterKey};

}  // namespace

TEST_CASE("the non-interactive command of the page stores the key and sets openrouter/auto") {
    Home home;
    RunResult result = home.run(kPageCommand);
    CHECK(result.exitCode == 0);
    // OpenRouter is out of reach here (Home::run): the key is stored, with a warning that it was not checked. The
    // check itself is tested against the simulator (tests/seed/onboard_probe_test.cpp).
    CHECK(result.err.starts_with("warning: could not check the key sk-or-v1...abcd with OpenRouter ("));
    CHECK(result.err.ends_with("); stored it unchecked\n"));
    CHECK(result.out == "Stored the OpenRouter API key sk-or-v1...abcd (from flag) in " + home.credentials().string() +
                            "\nSet the default model to openrouter/auto in " + home.config().string() + "\n");
    CHECK_FALSE(leaksKey(result.out + result.err));
    CHECK(readFile(home.config()) == "{\n  \"agents\": {\n    \"defaults\": {\n      \"model\": {\n        \"primary\": "
                                     "\"openrouter/auto\"\n      }\n    }\n  }\n}\n");
    CHECK_FALSE(leaksKey(readFile(home.config())));
    CHECK(readFile(home.credentials()).find(kOpenRouterKey) != std::string::npos);
    CHECK(modeOf(home.credentials()) == 0600);
    CHECK(modeOf(home.config()) == 0600);
    CHECK(modeOf(home.state()) == 0700);

    RunResult status = home.run({"models", "status", "--check"});
    CHECK(status.exitCode == 0);
    CHECK(status.out.find("- openrouter effective=credentials file | key=sk-or-v1...abcd") != std::string::npos);
}

TEST_CASE("the key may come from OPENROUTER_API_KEY; the flags also take --flag=value") {
    Home home;
    RunResult result = home.run({"onboard", "--non-interactive", "--mode=local", "--auth-choice=openrouter-api-key"},
                                {{"OPENROUTER_API_KEY", kOpenRouterKey}});
    CHECK(result.exitCode == 0);
    CHECK(result.out.find("(from environment)") != std::string::npos);
    CHECK(readFile(home.credentials()).find(kOpenRouterKey) != std::string::npos);
}

TEST_CASE("onboarding merges into an existing config: other settings stay, a set model is kept, a backup is made") {
    Home home;
    const std::string original = "// my settings\n{\n  env: {OTHER_VAR: 'x'},\n  agents: {defaults: {models: "
                                 "{'openrouter/openai/gpt-5.2': {alias: 'gpt'}}}},\n}\n";
    home.writeConfig(original);
    RunResult first = home.run(kPageCommand);
    REQUIRE(first.exitCode == 0);
    std::string merged = readFile(home.config());
    // Only the new key is written: the user's comment and JSON5 spellings stay.
    CHECK(merged == "// my settings\n{\n  env: {OTHER_VAR: 'x'},\n  agents: {defaults: {models: "
                    "{'openrouter/openai/gpt-5.2': {alias: 'gpt'}}, \"model\": {\"primary\":\"openrouter/auto\"}}},\n}\n");
    CHECK(home.run({"config", "get", "agents.defaults.model.primary"}).out == "openrouter/auto\n");
    CHECK(readFile(home.config().string() + ".bak") == original);

    home.run({"config", "set", "agents.defaults.model.primary", "openrouter/anthropic/claude-sonnet-4-5"});
    std::string before = readFile(home.config());
    RunResult second = home.run(kPageCommand);
    CHECK(second.exitCode == 0);
    CHECK(second.out.find("Default model unchanged: openrouter/anthropic/claude-sonnet-4-5") != std::string::npos);
    CHECK(readFile(home.config()) == before);
}

TEST_CASE("--json prints what was done, with the key masked") {
    Home home;
    std::vector<std::string> args = kPageCommand;
    args.push_back("--json");
    RunResult result = home.run(args);
    CHECK(result.exitCode == 0);
    CHECK(result.out.find("\"mode\": \"local\"") != std::string::npos);
    CHECK(result.out.find("\"authChoice\": \"openrouter-api-key\"") != std::string::npos);
    CHECK(result.out.find("\"apiKey\": \"sk-or-v1...abcd\"") != std::string::npos);
    CHECK(result.out.find("\"keySource\": \"flag\"") != std::string::npos);
    CHECK(result.out.find("\"defaultModel\": \"openrouter/auto\"") != std::string::npos);
    CHECK_FALSE(leaksKey(result.out));
}

TEST_CASE("a key that does not look like OpenRouter's is stored with a warning") {
    Home home;
    RunResult result =
        home.run({"onboard", "--non-interactive", "--no-probe", "--openrouter-api-key", "abc-0123456789abcdef-xyz"});
    CHECK(result.exitCode == 0);
    CHECK(result.err == "warning: the key abc-01...xyz does not start with 'sk-or-' as OpenRouter keys do; stored anyway\n");
    RunResult status = home.run({"models", "status"});
    CHECK(status.err.find("does not start with 'sk-or-'") != std::string::npos);
}

TEST_CASE("refusals: a clear message, exit 1, and nothing on disk changed") {
    Home home;
    home.writeConfig("{agents: {defaults: {workspace: '~/w'}}}\n");
    std::map<std::string, std::string> before = home.snapshot();

    struct Case {
        std::vector<std::string> args;
        std::map<std::string, std::optional<std::string>> env;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"onboard", "--non-interactive", "--openrouter-api-key", ""}, {},
         "moltbot: --openrouter-api-key is empty (is OPENROUTER_API_KEY set in this shell?); nothing was changed\n"},
        {{"onboard", "--non-interactive", "--openrouter-api-key", "   "}, {},
         "moltbot: --openrouter-api-key is empty (is OPENROUTER_API_KEY set in this shell?); nothing was changed\n"},
        {{"onboard", "--non-interactive"}, {{"OPENROUTER_API_KEY", ""}},
         "moltbot: no OpenRouter API key: pass --openrouter-api-key KEY or set OPENROUTER_API_KEY; nothing was changed\n"},
        {{"onboard", "--non-interactive", "--openrouter-api-key", "sk-or-with space"}, {},
         "moltbot: the API key contains spaces or control characters; nothing was changed\n"},
        {{"onboard", "--auth-choice", "openrouter-api-key"}, {},
         "moltbot: onboard asks for the API key on a terminal, but standard input is not one; run 'moltbot onboard "
         "--non-interactive --mode local --auth-choice openrouter-api-key --openrouter-api-key KEY' (or set "
         "OPENROUTER_API_KEY and leave out --openrouter-api-key)\n"},
        {{"onboard", "--non-interactive", "--mode", "remote", "--openrouter-api-key", kOpenRouterKey}, {},
         "moltbot: --mode remote is not supported yet; use --mode local\n"},
        {{"onboard", "--non-interactive", "--mode", "lokal", "--openrouter-api-key", kOpenRouterKey}, {},
         "moltbot: invalid --mode \"lokal\" (use local)\n"},
        {{"onboard", "--non-interactive", "--auth-choice", "openrouter-apikey", "--openrouter-api-key", kOpenRouterKey},
         {},
         "moltbot: invalid --auth-choice \"openrouter-apikey\" (did you mean openrouter-api-key?); choices: "
         "openrouter-api-key, skip\n"},
        {{"onboard", "--non-interactive", "--openrouter-key", kOpenRouterKey}, {},
         "moltbot: unknown option --openrouter-key for 'moltbot onboard' (did you mean --openrouter-api-key?); see "
         "'moltbot onboard --help'\n"},
        {{"onboard", "--non-interactive", "--mode"}, {},
         "moltbot: Missing option argument: mode requires MODE for 'moltbot onboard'\n"},
        {{"onbaord"}, {}, "moltbot: unknown command 'onbaord' (did you mean 'onboard'?); see 'moltbot --help'\n"},
    };
    for (const auto &test : cases) {
        RunResult result = home.run(test.args, test.env);
        INFO("args: " << test.args.size() << " first flag: " << (test.args.size() > 1 ? test.args[1] : ""));
        CHECK(result.exitCode == 1);
        CHECK(result.err == test.message);
        CHECK(result.out.empty());
        CHECK_FALSE(leaksKey(result.out + result.err));
        CHECK(home.snapshot() == before);
    }
}

TEST_CASE("a broken config stops onboarding before anything is written") {
    Home home;
    home.writeConfig("{\n  agents: {\n    defaults: { model: 'x' }\n  \n");
    std::map<std::string, std::string> before = home.snapshot();
    RunResult result = home.run(kPageCommand);
    CHECK(result.exitCode == 1);
    CHECK(result.err == "moltbot: " + home.config().string() + ":5:1: expected ',' or '}' after an object member, "
                                                               "found end of input\n");
    CHECK(home.snapshot() == before);
    CHECK_FALSE(std::filesystem::exists(home.credentials()));
}

TEST_CASE("a config the default model cannot go into stops onboarding before the key is stored") {
    Home home;
    home.writeConfig("{agents: {defaults: {model: 5}}}");
    std::map<std::string, std::string> before = home.snapshot();
    RunResult result = home.run(kPageCommand);
    CHECK(result.exitCode == 1);
    CHECK(result.err == "moltbot: cannot set agents.defaults.model.primary: agents.defaults.model is a number, not an "
                        "object\n");
    CHECK(home.snapshot() == before);
}

TEST_CASE("a state folder that cannot be written (a file in its place) fails cleanly") {
    // Tests run as root, for whom permissions do not stop writes; a file where the folder should be does.
    Home home;
    std::filesystem::path blocker = home.path() / "state-file";
    {
        std::ofstream(blocker) << "not a folder";
    }
    std::map<std::string, std::string> before = home.snapshot();
    RunResult result = home.run(kPageCommand, {{"MOLTBOT_STATE_DIR", blocker.string()}});
    CHECK(result.exitCode == 1);
    CHECK(result.err == "moltbot: cannot read " + blocker.string() + "/moltbot.json: Not a directory\n");
    CHECK(home.snapshot() == before);

    // With the config elsewhere the credentials write is what fails.
    RunResult credentials = home.run(kPageCommand, {{"MOLTBOT_STATE_DIR", blocker.string()},
                                                    {"MOLTBOT_CONFIG_PATH", (home.path() / "cfg.json").string()}});
    CHECK(credentials.exitCode == 1);
    CHECK(credentials.err == "moltbot: cannot read " + blocker.string() + "/credentials.json: Not a directory\n");
    CHECK(home.snapshot() == before);
}

TEST_CASE("interactive: the key is asked for without echo, and an existing OPENROUTER_API_KEY is offered masked") {
    Home home;
    std::map<std::string, std::string> env{{"HOME", home.path().string()}};
    TerminalResult typed = runOnTerminal({moltbotBinary().string(), "onboard", "--auth-choice", "openrouter-api-key"},
                                         env, {{"OpenRouter API key (input hidden", kOpenRouterKey + "\n"}});
    CHECK(typed.exitCode == 0);
    CHECK(typed.echoAtEnd);
    CHECK(typed.transcript.find("Set the default model to openrouter/auto") != std::string::npos);
    CHECK(typed.transcript.find("(from prompt)") != std::string::npos);
    CHECK_FALSE(leaksKey(typed.transcript));  // not echoed
    CHECK(readFile(home.credentials()).find(kOpenRouterKey) != std::string::npos);

    const std::string otherKey = "sk-or-v1-ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9999";
    env["OPENROUTER_API_KEY"] = otherKey;
    TerminalResult offered = runOnTerminal({moltbotBinary().string(), "onboard"}, env,
                                           {{"Use OPENROUTER_API_KEY from the environment (sk-or-v1...9999)? [Y/n] ", "y\n"}});
    CHECK(offered.exitCode == 0);
    CHECK(offered.transcript.find("(from environment)") != std::string::npos);
    CHECK(offered.transcript.find("Default model unchanged: openrouter/auto") != std::string::npos);
    CHECK_FALSE(leaksKey(offered.transcript, otherKey));
    CHECK(readFile(home.credentials()).find(otherKey) != std::string::npos);

    // Declining both the variable and the stored key leads to the prompt; an empty answer is refused.
    std::map<std::string, std::string> before = home.snapshot();
    TerminalResult empty = runOnTerminal({moltbotBinary().string(), "onboard"}, env,
                                         {{"[Y/n] ", "n\n"}, {"Keep the stored OpenRouter API key (sk-or-v1...9999)? [Y/n] ", "n\n"},
                                          {"input hidden", "\n"}});
    CHECK(empty.exitCode == 1);
    CHECK(empty.transcript.find("moltbot: the API key is empty; nothing was changed") != std::string::npos);
    CHECK(home.snapshot() == before);
}

TEST_CASE("Ctrl-C at the hidden prompt turns the echo back on and changes nothing") {
    Home home;
    std::map<std::string, std::string> env{{"HOME", home.path().string()}};
    TerminalResult interrupted = runOnTerminal({moltbotBinary().string(), "onboard"}, env,
                                               {{"input hidden", "sk-or-partial\x03"}});
    CHECK(interrupted.exitCode == 128 + SIGINT);
    CHECK(interrupted.echoAtEnd);
    CHECK_FALSE(std::filesystem::exists(home.state()));
}

TEST_CASE("Ctrl-D at the hidden prompt is refused as no key") {
    Home home;
    std::map<std::string, std::string> env{{"HOME", home.path().string()}};
    TerminalResult ended = runOnTerminal({moltbotBinary().string(), "onboard"}, env, {{"input hidden", "\x04"}});
    CHECK(ended.exitCode == 1);
    CHECK(ended.transcript.find("moltbot: no API key entered (end of input); nothing was changed") != std::string::npos);
    CHECK(ended.echoAtEnd);
    CHECK_FALSE(std::filesystem::exists(home.state()));
}

TEST_CASE("--auth-choice skip sets only the default model and needs no terminal") {
    Home home;
    RunResult result = home.run({"onboard", "--auth-choice", "skip"});
    CHECK(result.exitCode == 0);
    CHECK(result.out == "Set the default model to openrouter/auto in " + home.config().string() + "\n");
    CHECK_FALSE(std::filesystem::exists(home.credentials()));
}

TEST_CASE("a stored key is kept when no new one is given; a broken credentials file is named, its key never shown") {
    Home home;
    REQUIRE(home.run(kPageCommand).exitCode == 0);
    RunResult kept = home.run({"onboard", "--non-interactive"});
    CHECK(kept.exitCode == 0);
    CHECK(kept.out == "Kept the stored OpenRouter API key sk-or-v1...abcd\nDefault model unchanged: openrouter/auto\n");

    {
        std::ofstream(home.credentials(), std::ios::trunc) << "{providers: {openrouter: {apiKey: " << kOpenRouterKey << "}}}";
    }
    std::map<std::string, std::string> before = home.snapshot();
    for (const std::vector<std::string> &args : {std::vector<std::string>{"models", "status"}, {"onboard", "--non-interactive"}}) {
        RunResult result = home.run(args);
        CHECK(result.exitCode == 1);
        CHECK(result.err == "moltbot: " + home.credentials().string() +
                                ":1:35: expected a value, found unquoted text (strings need quotes)\n");
        CHECK_FALSE(leaksKey(result.out + result.err));
        CHECK(home.snapshot() == before);
    }
}

TEST_CASE("commands that take no arguments say so") {
    Home home;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"onboard", "extra"}, "moltbot: 'moltbot onboard' takes no arguments (got 'extra')\n"},
        {{"config", "path", "x"}, "moltbot: 'moltbot config path' takes no arguments\n"},
        {{"config", "validate", "x"}, "moltbot: 'moltbot config validate' takes no arguments\n"},
        {{"models", "status", "x"}, "moltbot: 'moltbot models status' takes no arguments\n"},
        {{"config", "get"},
         "moltbot: 'moltbot config get' takes one argument, PATH (got 0); see 'moltbot config get --help'\n"},
    };
    for (const auto &[args, message] : cases) {
        RunResult result = home.run(args);
        CHECK(result.exitCode == 1);
        CHECK(result.err == message);
    }
    CHECK(home.snapshot().empty());
}

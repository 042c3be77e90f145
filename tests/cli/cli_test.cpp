// The command framework through the real binary: version, help, unknown commands and flags.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace moltbot::test;

TEST_CASE("--version names the program and the plugin ABI") {
    RunResult result = run({moltbotBinary().string(), "--version"});
    CHECK(result.exitCode == 0);
    CHECK(result.out.rfind("moltbot ", 0) == 0);
    CHECK(result.out.find("plugin ABI 1.1") != std::string::npos);
}

TEST_CASE("no command prints the help and fails; --help succeeds") {
    RunResult bare = run({moltbotBinary().string()});
    CHECK(bare.exitCode == 1);
    CHECK(bare.out.find("usage: moltbot") != std::string::npos);
    RunResult help = run({moltbotBinary().string(), "--help"});
    CHECK(help.exitCode == 0);
    CHECK(help.out.find("commands:") != std::string::npos);
}

TEST_CASE("an unknown command is named, with a non-zero exit") {
    RunResult result = run({moltbotBinary().string(), "frobnicate"});
    CHECK(result.exitCode == 1);
    CHECK(result.err.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(result.out.empty());
}

TEST_CASE("help COMMAND prints what COMMAND --help prints") {
    for (std::vector<std::string> words : {std::vector<std::string>{"agent"}, {"models", "list"}, {"config"},
                                           {"config", "set"}, {"keys", "create"}, {"help"}}) {
        std::vector<std::string> help{moltbotBinary().string(), "help"};
        help.insert(help.end(), words.begin(), words.end());
        std::vector<std::string> flag{moltbotBinary().string()};
        flag.insert(flag.end(), words.begin(), words.end());
        flag.push_back("--help");
        RunResult byHelp = run(help);
        RunResult byFlag = run(flag);
        CAPTURE(words.back());
        CHECK(byHelp.exitCode == 0);
        CHECK(byFlag.exitCode == 0);
        CHECK_FALSE(byHelp.out.empty());
        CHECK(byHelp.out == byFlag.out);
        CHECK(byHelp.err.empty());
    }
    RunResult bare = run({moltbotBinary().string(), "help"});
    CHECK(bare.exitCode == 0);
    CHECK(bare.out == run({moltbotBinary().string(), "--help"}).out);
    CHECK(bare.out.find("\n  help ") != std::string::npos);
}

TEST_CASE("help with an unknown command or subcommand suggests the nearest") {
    RunResult command = run({moltbotBinary().string(), "help", "modles"});
    CHECK(command.exitCode == 1);
    CHECK(command.err == "moltbot: unknown command 'modles' (did you mean 'models'?); see 'moltbot --help'\n");
    CHECK(command.out.empty());

    RunResult nothingClose = run({moltbotBinary().string(), "help", "nosuch"});
    CHECK(nothingClose.exitCode == 1);
    CHECK(nothingClose.err.find("moltbot: unknown command 'nosuch'") == 0);

    RunResult sub = run({moltbotBinary().string(), "help", "models", "lst"});
    CHECK(sub.exitCode == 1);
    CHECK(sub.err.find("moltbot: unknown subcommand 'lst' for 'moltbot models' (did you mean 'list'?)") == 0);

    RunResult leaf = run({moltbotBinary().string(), "help", "agent", "now"});
    CHECK(leaf.exitCode == 1);
    CHECK(leaf.err == "moltbot: 'moltbot agent' has no subcommand 'now'\n");
}

TEST_CASE("agent --help shows the per-call options") {
    RunResult help = run({moltbotBinary().string(), "agent", "--help"});
    CHECK(help.exitCode == 0);
    for (const char *flag : {"--option=KEY VALUE", "--temperature", "--max-tokens", "--system-file", "[PROMPT]"}) {
        CAPTURE(flag);
        CHECK(help.out.find(flag) != std::string::npos);
    }
}

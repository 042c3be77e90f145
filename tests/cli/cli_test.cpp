// The command framework through the real binary: version, help, unknown commands and flags.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

using namespace moltbot::test;

TEST_CASE("--version names the program and the plugin ABI") {
    RunResult result = run({moltbotBinary().string(), "--version"});
    CHECK(result.exitCode == 0);
    CHECK(result.out.rfind("moltbot ", 0) == 0);
    CHECK(result.out.find("plugin ABI 1.0") != std::string::npos);
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

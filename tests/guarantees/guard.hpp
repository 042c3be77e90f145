// Shared by the guarantee tests: a temporary HOME, the built moltbot run in it against an in-process simulator that
// knows a canary key, and a walk of everything the tool left under HOME.
#pragma once

#include "tests/simulator/sim_client.hpp"
#include "tests/support/process.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace moltbot::guard {

// Easy to spot anywhere: a leak of either shows up as this exact text.
inline const std::string kCanary = "sk-or-v1-CANARY0000c0ffee0000c0ffee0000c0ffee0000c0ffee0000c0ffee0001";
inline const std::string kRejected = "sk-or-v1-CANARY0000dead0000dead0000dead0000dead0000dead0000dead00000002";

struct Guard {
    Guard();

    // Runs moltbot with HOME and OPENROUTER_BASE_URL set, and nothing else of the test's environment.
    test::RunResult moltbot(std::vector<std::string> args, test::RunOptions options = {}) const;
    std::filesystem::path state() const { return home.path() / ".moltbot"; }
    void config(const std::string &json5) const { home.write(".moltbot/moltbot.json", json5); }

    sim::test::Fixture sim;
    std::string baseUrl;
    test::TempDir home;
};

// Every regular file under `root` (symlinks not followed), as paths.
std::vector<std::filesystem::path> filesUnder(const std::filesystem::path &root);

}  // namespace moltbot::guard

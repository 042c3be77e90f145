// Shared by the seed tests: an in-process OpenRouter simulator, a temporary HOME, and the built moltbot run against
// them the way docs/providers/openrouter.md tells a user to.
#pragma once

#include "tests/simulator/sim_client.hpp"
#include "tests/support/process.hpp"

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace moltbot::seed {

inline const std::string kKey = sim::kDefaultKey;

// A page snippet with the simulator's key in place of the page's "sk-or-..." placeholder.
std::string withSimKey(std::string snippet);

struct Seed {
    explicit Seed(sim::Options options = {});

    // Writes <HOME>/.moltbot/moltbot.json.
    void config(const std::string &json5) const;
    // Runs moltbot with HOME and OPENROUTER_BASE_URL set (and no OPENROUTER_API_KEY unless `options` sets it).
    // Fails the test when the full simulator key shows up in its output.
    test::RunResult moltbot(std::vector<std::string> args, test::RunOptions options = {}) const;
    // The same with OPENROUTER_API_KEY exported (the page's option C).
    test::RunResult moltbotWithKey(std::vector<std::string> args, test::RunOptions options = {}) const;
    // Runs a page command line through sh, with the built moltbot first in PATH.
    test::RunResult shell(const std::string &commandLine, test::RunOptions options = {}) const;

    // The simulator's request log ({"data": [...]}), and its chat requests alone (an array).
    rapidjson::Document requests();
    rapidjson::Document chatRequests();
    std::vector<std::string> chatModels();  // the "model" of each chat request, in order
    rapidjson::Document lastChatBody();
    void faults(const std::string &json) { sim.faults(json); }

    sim::test::Fixture sim;
    std::string baseUrl;  // kept: a stopped simulator forgets its port
    test::TempDir home;
};

bool contains(const std::string &text, const std::string &part);
// How often `part` occurs in `text`.
std::size_t count(const std::string &text, const std::string &part);

}  // namespace moltbot::seed

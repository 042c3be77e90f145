// Running the real moltbot binary on fixture plugins: a fresh HOME and state folder, MOLTBOT_PLUGIN_PATH set.
#pragma once

#include "tests/support/process.hpp"

#include <initializer_list>
#include <string>
#include <vector>

namespace moltbot::test {

// Runs moltbot with `args`, HOME = `home`, MOLTBOT_STATE_DIR = `home`/state and MOLTBOT_PLUGIN_PATH =
// `pluginPath`; `options` adds variables (or a timeout, standard input).
RunResult runMoltbot(const std::vector<std::string> &args, const TempDir &home, const std::string &pluginPath,
                     RunOptions options = {});

// MOLTBOT_PLUGIN_PATH for the build folders of these fixtures, in order.
std::string pathOf(std::initializer_list<std::string> fixtures);

bool contains(const std::string &text, const std::string &part);

// The first line of `text` that holds `part`, or "".
std::string lineWith(const std::string &text, const std::string &part);

}  // namespace moltbot::test

// The user's say over plugin loading, for the registry: plugins.prefixes and plugins.disabled of the config
// (docs/configuration.md), and $MOLTBOT_PLUGINS_DISABLE, which disables more for one run.
#pragma once

#include "core/config/config.hpp"
#include "core/plugin/load_policy.hpp"

#include <string>
#include <vector>

namespace moltbot::runtime {

inline constexpr const char *kDisableVariable = "MOLTBOT_PLUGINS_DISABLE";

// The policy of `config` and the environment. Values of the wrong type are left out: the config's validation
// reports them.
plugin::LoadPolicy pluginPolicy(const config::Config &config);

// The entries of $MOLTBOT_PLUGINS_DISABLE: comma-separated, blanks around them and empty ones ignored.
std::vector<std::string> disabledByEnvironment();

}  // namespace moltbot::runtime

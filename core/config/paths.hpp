// Where moltbot keeps its files (docs/configuration.md, "Files"; docs/architecture.md, "Files in the state folder").
#pragma once

#include <filesystem>

namespace moltbot::config {

// $MOLTBOT_STATE_DIR, else $HOME/.moltbot ("~" at the start of the variable is expanded).
std::filesystem::path stateDir();
// $MOLTBOT_CONFIG_PATH, else <stateDir>/moltbot.json.
std::filesystem::path configPath();
// <stateDir>/credentials.json: API keys stored by `moltbot onboard` (0600), never in the config file.
std::filesystem::path credentialsPath();
// <stateDir>/cooldowns.json: the models `agent` and `serve` put in cooldown (core/pipeline/cooldown_store.hpp).
std::filesystem::path cooldownsPath();
// Replaces a leading "~" or "~/" with $HOME.
std::filesystem::path expandHome(const std::string &path);

}  // namespace moltbot::config

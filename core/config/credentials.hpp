// The credentials file, <stateDir>/credentials.json (0600, folder 0700), where `moltbot onboard` keeps API keys so
// that the config file holds none:
//   { "version": 1, "providers": { "openrouter": { "apiKey": "sk-or-..." } } }
#pragma once

#include "core/config/paths.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::config {

// The stored key of `provider`, or std::nullopt. Throws ConfigError naming the file when it cannot be read or is not
// a credentials file (the key itself never appears in a message).
std::optional<std::string> storedApiKey(std::string_view provider, const std::filesystem::path &file = credentialsPath());

// Stores (replaces) the key of `provider`, keeping the other providers' keys: an atomic 0600 write with a backup.
void storeApiKey(std::string_view provider, std::string_view key, const std::filesystem::path &file = credentialsPath());

}  // namespace moltbot::config

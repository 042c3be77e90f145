#include "core/runtime/plugin_policy.hpp"

#include <cstdlib>
#include <sstream>

namespace moltbot::runtime {

std::vector<std::string> disabledByEnvironment() {
    std::vector<std::string> entries;
    const char *value = std::getenv(kDisableVariable);
    std::istringstream list(value != nullptr ? value : "");
    for (std::string entry; std::getline(list, entry, ',');) {
        std::size_t first = entry.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        entries.push_back(entry.substr(first, entry.find_last_not_of(" \t") - first + 1));
    }
    return entries;
}

plugin::LoadPolicy pluginPolicy(const config::Config &config) {
    plugin::LoadPolicy policy;
    if (const rapidjson::Value *pins = config.get("plugins.prefixes"); pins != nullptr && pins->IsObject()) {
        for (const auto &pin : pins->GetObject()) {
            if (!pin.value.IsString()) continue;
            policy.pins.emplace(std::string(pin.name.GetString(), pin.name.GetStringLength()),
                                std::string(pin.value.GetString(), pin.value.GetStringLength()));
        }
    }
    if (const rapidjson::Value *disabled = config.get("plugins.disabled"); disabled != nullptr && disabled->IsArray()) {
        for (const auto &entry : disabled->GetArray()) {
            if (!entry.IsString() || entry.GetStringLength() == 0) continue;
            policy.disabled.push_back({std::string(entry.GetString(), entry.GetStringLength()), "plugins.disabled"});
        }
    }
    for (auto &entry : disabledByEnvironment()) policy.disabled.push_back({std::move(entry), kDisableVariable});
    return policy;
}

}  // namespace moltbot::runtime

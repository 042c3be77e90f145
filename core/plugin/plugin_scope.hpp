// What one plugin may see through the host services (docs/abi.md §6): the secrets and the config sections of the
// instances the host created through it, and the rest of the config without secrets. Another provider's key is out
// of reach whichever way it is asked for: secret_get by its name, config_get of its section, of models, of env.
#pragma once

#include "core/config/json_path.hpp"

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace moltbot::plugin {

class PluginScope {
public:
    // The host creates an instance named `name` (its prefix) through this plugin: that name's secret and
    // models.providers.<name> are the plugin's from now on. Thread-safe, like every function here.
    void grant(std::string_view name);
    // Whether secret_get(name) may answer.
    bool ownsSecret(std::string_view name) const;
    // Whether config_get(path) may answer at all: no key on the path names a secret and the path does not lead into
    // another provider's section of models.providers.
    bool mayRead(const config::PathSegments &path) const;
    // The part of `json`, the value found at `path`, the plugin may see: every member mayRead refuses is removed,
    // at any depth (config_get("models") shows no other provider, config_get("env") no API key variable).
    std::string visible(const config::PathSegments &path, std::string_view json) const;

private:
    bool owns(std::string_view name) const;  // with mutex_ held
    bool allowed(const config::PathSegments &path) const;  // with mutex_ held

    mutable std::mutex mutex_;
    std::set<std::string, std::less<>> names_;
};

}  // namespace moltbot::plugin

// What the user decided about plugins, applied while loading (core/runtime/plugin_policy.hpp reads it from the config
// and the environment): which provider serves a prefix several claim, and which plugins are not loaded at all.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::plugin {

// One plugins.disabled (or $MOLTBOT_PLUGINS_DISABLE) entry: a provider id, a plugin file name ("crash.so") or a
// path to a plugin file.
struct DisabledEntry {
    std::string entry;
    std::string origin;  // "plugins.disabled" or "MOLTBOT_PLUGINS_DISABLE", for the skip reason
};

struct LoadPolicy {
    // plugins.prefixes: a prefix -> the id of the provider that serves it, whatever the search order.
    std::map<std::string, std::string, std::less<>> pins;
    std::vector<DisabledEntry> disabled;

    // Why `file` (whose identity is `id`) is not loaded, checked before it is opened (a plugin may crash as soon as
    // it is loaded): an entry names its file name or the same file; nullopt when none does.
    std::optional<std::string> disabledFile(const std::filesystem::path &file, std::pair<dev_t, ino_t> id) const;
    // The same for a plugin whose providers have `ids`, checked before its init runs.
    std::optional<std::string> disabledProvider(const std::vector<std::string> &ids) const;
};

// Whether a plugins.disabled entry is a path (it has a '/') rather than an id or a file name.
bool isPathEntry(const std::string &entry);

}  // namespace moltbot::plugin

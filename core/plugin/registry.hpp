// Loading plugins and the prefix registry (docs/abi.md §10). Every problem with a file skips that file with
// a reason; the host keeps working with the rest.
#pragma once

#include "core/plugin/crash_report.hpp"
#include "core/plugin/discovery.hpp"
#include "core/plugin/host_services.hpp"
#include "core/plugin/load_policy.hpp"

#include <moltbot/plugin.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::plugin {

class PluginHandle;  // a loaded plugin file (core/plugin/plugin_handle.hpp)
class PrefixTable;   // which provider serves each prefix (core/plugin/prefix_table.hpp)

// What a provider descriptor said, copied out of the plugin and validated.
struct ProviderInfo {
    std::string id;
    std::string name;
    std::string version;
    std::string vendor;       // "" when the plugin gave none
    std::string url;          // "" when the plugin gave none
    std::string description;  // "" when the plugin gave none
    uint32_t capabilities = 0;
    std::vector<std::string> prefixes;
    std::vector<std::string> apis;
};

// One provider of a loaded plugin. Holding it keeps the plugin loaded; use ProviderInstance to call it.
struct Provider {
    ProviderInfo info;
    std::filesystem::path path;          // the plugin file
    uint32_t abiVersion = 0;             // the version negotiated with the plugin
    mb_provider_vtable vtable{};         // zero-filled copy: NULL means unsupported
    std::shared_ptr<PluginHandle> plugin;
    CrashSubject crash;  // names this provider in a crash report
};

struct LoadedPlugin {
    std::filesystem::path path;
    uint32_t abiVersion = 0;
    std::vector<std::shared_ptr<const Provider>> providers;
};

struct SkippedPlugin {
    std::filesystem::path path;
    std::string reason;
    bool disabled = false;  // the user's choice (plugins.disabled), not a problem: no warning
};

// A prefix claimed by two providers: `winner` came first in search order, or plugins.prefixes pinned the prefix
// to it, and serves it; `loser` does not. `winner` is nullptr when the pin names no provider that can serve it.
struct ShadowedPrefix {
    std::string prefix;
    std::shared_ptr<const Provider> winner;
    std::shared_ptr<const Provider> loser;
    bool pinned = false;
};

// A pin of plugins.prefixes that cannot be honoured: the prefix is then served by nobody, not by whoever came first.
struct PinProblem {
    std::string prefix;
    std::string providerId;  // what the pin names
    std::string message;     // "plugins.prefixes.<prefix>: ..."
};

struct FolderProblem {
    std::filesystem::path path;
    std::string reason;
};

class Registry {
public:
    // Loads the plugins of `folders`, in order, as `policy` says. `services` backs the mb_host_api of every
    // plugin. A file already loaded by another live Registry of this process is skipped (its init must run once).
    static Registry load(const std::vector<SearchFolder> &folders, std::shared_ptr<HostServices> services,
                         const LoadPolicy &policy = {});

    // The provider serving a model-ref prefix, or nullptr.
    std::shared_ptr<const Provider> find(std::string_view prefix) const;
    // The provider serving the config-defined prefix `prefix` (models.providers.<prefix>.api is `api`): the one
    // plugins.prefixes pins it to, else the first in search order that declares `api`; nullptr when none does.
    std::shared_ptr<const Provider> findByApi(std::string_view api, std::string_view prefix) const;

    const std::vector<LoadedPlugin> &plugins() const { return plugins_; }
    const std::vector<SkippedPlugin> &skipped() const { return skipped_; }
    const std::vector<ShadowedPrefix> &shadowed() const;
    const std::vector<PinProblem> &pinProblems() const;
    // Whether plugins.prefixes pins `prefix`.
    bool pinned(std::string_view prefix) const;
    const std::vector<FolderProblem> &folderProblems() const { return folderProblems_; }

    // One "moltbot: ..." line per folder problem and skipped file, in the order they happened, then one per pin
    // problem and shadowed claim.
    const std::vector<std::string> &warnings() const { return warnings_; }

private:
    Registry() = default;  // only load() makes one

    std::vector<LoadedPlugin> plugins_;
    std::vector<SkippedPlugin> skipped_;
    std::vector<FolderProblem> folderProblems_;
    std::vector<std::string> warnings_;
    std::shared_ptr<PrefixTable> prefixes_;
};

// "1.0" for an MB_ABI_MAKE_VERSION value.
std::string versionString(uint32_t version);

}  // namespace moltbot::plugin

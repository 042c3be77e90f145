// Internal to core/plugin: loading one plugin file, negotiating with it and validating what it hands over
// (docs/abi.md §2, §7, §10). Every problem is a LoadError: the registry skips the file with its reason.
#pragma once

#include "core/plugin/plugin_handle.hpp"
#include "core/plugin/registry.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace moltbot::plugin {

struct LoadError {
    std::string reason;
    bool disabled = false;  // the user disabled it (LoadPolicy): a skip, not a problem
};

// A provider descriptor and its function table, copied out of the plugin and validated, its capabilities cut to the
// bits `abiVersion` (the version the plugin negotiated) defines. Throws LoadError.
ProviderInfo readDescriptor(const mb_provider_descriptor *source, mb_provider_vtable &vtable, uint32_t abiVersion);

// Loads, negotiates, validates and initialises one file whose identity is `id`, unless `policy` disables one of its
// providers. Throws LoadError.
LoadedPlugin loadPlugin(const std::filesystem::path &path, const FileId &id, std::shared_ptr<HostServices> services,
                        const LoadPolicy &policy);

}  // namespace moltbot::plugin

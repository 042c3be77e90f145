// The built openrouter.so, loaded the way the host loads it (dlopen + the entry symbol + negotiation).
#pragma once

#include <moltbot/plugin.h>
#include <tests/support/process.hpp>

#include <dlfcn.h>

#include <string>

namespace moltbot::openrouter::test {

inline std::string pluginPath() { return moltbot::test::buildPath("plugins/openrouter/openrouter.so").string(); }

inline mb_host_info hostInfo(uint32_t min, uint32_t max) {
    mb_host_info info{};
    info.struct_size = sizeof info;
    info.abi_min = min;
    info.abi_max = max;
    info.host_name = "test";
    info.host_version = "0";
    return info;
}

class LoadedPlugin {
public:
    LoadedPlugin() : handle_(dlopen(pluginPath().c_str(), RTLD_NOW | RTLD_LOCAL)) {
        if (handle_ != nullptr) negotiate = reinterpret_cast<mb_negotiate_fn>(dlsym(handle_, MB_ENTRY_SYMBOL));
    }
    ~LoadedPlugin() {
        if (handle_ != nullptr) dlclose(handle_);
    }
    LoadedPlugin(const LoadedPlugin &) = delete;
    LoadedPlugin &operator=(const LoadedPlugin &) = delete;

    bool loaded() const { return handle_ != nullptr && negotiate != nullptr; }

    // Negotiates ABI 1.x; the entry, or nullptr.
    const mb_plugin_entry *entry() const {
        const mb_plugin_entry *out = nullptr;
        mb_host_info info = hostInfo(MB_ABI_MAKE_VERSION(1, 0), MB_ABI_MAKE_VERSION(1, 0xFFFF));
        return negotiate(&info, &out) == MB_OK ? out : nullptr;
    }

    mb_negotiate_fn negotiate = nullptr;

private:
    void *handle_;
};

}  // namespace moltbot::openrouter::test

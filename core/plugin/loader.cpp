#include "core/plugin/loader.hpp"

#include "core/plugin/abi_structs.hpp"
#include "core/plugin/host_table.hpp"

#include <moltbot/plugin_helpers.h>
#include <dlfcn.h>

#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

namespace fs = std::filesystem;

namespace moltbot::plugin {

namespace {

constexpr uint32_t kHostAbiMin = MB_ABI_MAKE_VERSION(1, 0);
constexpr std::size_t kMaxProviders = 64;

// Runs `what` of the plugin of `handle`: marked for the crash report, and an exception (which the ABI forbids)
// becomes a LoadError.
template <class F>
auto guarded(const PluginHandle &handle, std::string_view what, F &&call) {
    PluginCallMark mark(handle.crash, what);
    try {
        return call();
    } catch (const std::exception &error) {
        throw LoadError{std::string(what) + " threw an exception: " + error.what()};
    } catch (...) {
        throw LoadError{std::string(what) + " threw an exception"};
    }
}

std::string statusText(int32_t status, const std::string &message) {
    std::string text = "status " + std::to_string(status) + " (" + mb_status_name(status) + ")";
    return message.empty() ? text : text + ": " + message;
}

// dlerror() text without the leading "<path>: ", which the warning already names.
std::string loadFailure(const fs::path &path, const std::error_code &ec) {
    const char *detail = dlerror();
    if (detail == nullptr) return "cannot load it: " + ec.message();
    std::string text = detail;
    std::string prefix = path.string() + ": ";
    if (text.rfind(prefix, 0) == 0) text.erase(0, prefix.size());
    return "cannot load it: " + text;
}

const mb_plugin_entry &negotiate(PluginHandle &handle) {
    if (!handle.library.has(MB_ENTRY_SYMBOL)) {
        throw LoadError{"it does not export " MB_ENTRY_SYMBOL " (not a moltbot plugin)"};
    }
    auto &negotiateFn = handle.library.get<std::remove_pointer_t<mb_negotiate_fn>>(MB_ENTRY_SYMBOL);
    mb_host_info info{};
    info.struct_size = sizeof info;
    info.abi_min = kHostAbiMin;
    info.abi_max = MB_ABI_CURRENT;
    info.host_name = "moltbot";
    info.host_version = MOLTBOT_VERSION;
    const mb_plugin_entry *entry = nullptr;
    int32_t status = guarded(handle, MB_ENTRY_SYMBOL, [&] { return negotiateFn(&info, &entry); });
    std::string range = kHostAbiMin == MB_ABI_CURRENT
                            ? versionString(MB_ABI_CURRENT)
                            : versionString(kHostAbiMin) + " to " + versionString(MB_ABI_CURRENT);
    if (status == MB_ERR_INCOMPATIBLE) {
        throw LoadError{"it speaks none of the ABI versions the host offers (" + range + ")"};
    }
    if (status != MB_OK) throw LoadError{MB_ENTRY_SYMBOL " failed with " + statusText(status, "")};
    if (entry == nullptr) throw LoadError{MB_ENTRY_SYMBOL " returned no entry"};
    // The version field is read before the 1.0 size check, so that a plugin of another major is named as such.
    if (!abi::readStruct(entry, abi::kEntryVersionSize)) {
        throw LoadError{"entry struct_size " + std::to_string(entry->struct_size) + " is too small"};
    }
    uint32_t version = entry->abi_version;
    if (MB_ABI_VERSION_MAJOR(version) != MB_ABI_CURRENT_MAJOR) {
        throw LoadError{"ABI major " + std::to_string(MB_ABI_VERSION_MAJOR(version)) +
                        " is not supported (host speaks " + range + ")"};
    }
    if (version < kHostAbiMin || version > MB_ABI_CURRENT) {
        throw LoadError{"it chose ABI " + versionString(version) + ", outside the host's range (" + range + ")"};
    }
    std::optional<mb_plugin_entry> copy = abi::readStruct(entry, abi::kPluginEntrySize_1_0);
    if (!copy) throw LoadError{abi::smallerThan1_0("entry", entry->struct_size, abi::kPluginEntrySize_1_0)};
    handle.entry = *copy;
    return handle.entry;
}

}  // namespace

LoadedPlugin loadPlugin(const fs::path &path, const FileId &id, std::shared_ptr<HostServices> services,
                        const LoadPolicy &policy) {
    auto handle = std::make_shared<PluginHandle>(path, std::move(services));
    if (!claimFile(id)) throw LoadError{"it is already loaded by another plugin registry of this process"};
    handle->claimed = id;
    std::error_code ec;
    {
        // Loading runs the plugin's static constructors.
        PluginCallMark mark(handle->crash, "loading (its static constructors)");
        handle->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    }
    if (ec) throw LoadError{loadFailure(path, ec)};

    const mb_plugin_entry &entry = negotiate(*handle);
    if (entry.provider_count == 0) throw LoadError{"it declares no providers"};
    if (entry.provider_count > kMaxProviders) {
        throw LoadError{"it declares " + std::to_string(entry.provider_count) + " providers (at most " +
                        std::to_string(kMaxProviders) + ")"};
    }
    if (entry.providers == nullptr) throw LoadError{"its provider list is NULL"};
    if (entry.init == nullptr) throw LoadError{"its entry has no init function"};

    LoadedPlugin loaded{path, entry.abi_version, {}};
    std::vector<std::shared_ptr<Provider>> providers;
    for (uint32_t i = 0; i < entry.provider_count; ++i) {
        auto provider = std::make_shared<Provider>();
        provider->info = readDescriptor(entry.providers[i], provider->vtable, entry.abi_version);
        provider->path = path;
        provider->abiVersion = entry.abi_version;
        provider->plugin = handle;
        provider->crash = crashSubject(path, provider->info.id);
        providers.push_back(std::move(provider));
    }
    std::vector<std::string> ids;
    for (const auto &provider : providers) ids.push_back(provider->info.id);
    if (auto disabled = policy.disabledProvider(ids)) throw LoadError{*disabled, true};

    handle->label = providers.front()->info.id;
    handle->crash = providers.front()->crash;
    handle->host = hostTable(*handle, entry.abi_version);

    ErrorBuffer error;
    int32_t status = guarded(*handle, "init", [&] { return entry.init(&handle->host, error.get()); });
    if (status != MB_OK) throw LoadError{"init failed with " + statusText(status, error.message())};
    handle->initialized = true;

    for (auto &provider : providers) loaded.providers.push_back(std::move(provider));
    return loaded;
}

}  // namespace moltbot::plugin

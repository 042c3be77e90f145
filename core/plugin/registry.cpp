#include "core/plugin/registry.hpp"

#include "core/pipeline/policy.hpp"
#include "core/plugin/plugin_handle.hpp"

#include <moltbot/sdk/guard.hpp>

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

namespace fs = std::filesystem;

namespace moltbot::plugin {

namespace {

constexpr uint32_t kHostAbiMin = MB_ABI_MAKE_VERSION(1, 0);
constexpr std::size_t kMaxProviders = 64;
constexpr std::size_t kMaxPrefixes = 64;
constexpr std::size_t kMaxStringBytes = 1024;
constexpr std::size_t kMaxLogBytes = 64 * 1024;

// Why a file is skipped; caught by Registry::load.
struct LoadError {
    std::string reason;
};

// Copies a plugin-owned struct of `size` bytes into a zeroed T, so fields a smaller struct lacks read as zero.
template <class T>
T zeroFilledCopy(const T *source, uint32_t size) {
    T copy{};
    std::memcpy(&copy, source, std::min<std::size_t>(size, sizeof(T)));
    copy.struct_size = size;
    return copy;
}

// Runs a call into plugin code: an exception (which the ABI forbids) becomes a LoadError.
template <class F>
auto guarded(std::string_view what, F &&call) {
    try {
        return call();
    } catch (const std::exception &error) {
        throw LoadError{std::string(what) + " threw an exception: " + error.what()};
    } catch (...) {
        throw LoadError{std::string(what) + " threw an exception"};
    }
}

std::string statusText(int32_t status, const std::string &message) {
    std::string text = "status " + std::to_string(status) + " (" + pipeline::statusName(status) + ")";
    return message.empty() ? text : text + ": " + message;
}

// A descriptor string: NULL is allowed only when `optional`; otherwise non-empty, bounded, no control characters.
std::string descriptorString(const char *value, std::string_view field, bool optional) {
    if (value == nullptr) {
        if (optional) return {};
        throw LoadError{"provider descriptor has no " + std::string(field)};
    }
    std::size_t length = strnlen(value, kMaxStringBytes + 1);
    if (length > kMaxStringBytes) {
        throw LoadError{"provider " + std::string(field) + " is longer than " + std::to_string(kMaxStringBytes) +
                        " bytes"};
    }
    std::string text(value, length);
    if (text.empty() && !optional) throw LoadError{"provider " + std::string(field) + " is empty"};
    if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        throw LoadError{"provider " + std::string(field) + " contains control characters"};
    }
    return text;
}

// Prefixes and api kinds appear in model refs and config keys: lowercase letters, digits, '.', '_', '-'.
std::string nameToken(const char *value, std::string_view field) {
    std::string text = descriptorString(value, field, false);
    for (char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
            throw LoadError{"provider " + std::string(field) + " '" + text +
                            "' has characters outside [a-z0-9._-]"};
        }
    }
    return text;
}

// A NULL-terminated string list of the descriptor.
std::vector<std::string> nameList(const char *const *list, std::string_view field) {
    std::vector<std::string> names;
    for (std::size_t i = 0; list[i] != nullptr; ++i) {
        if (i == kMaxPrefixes) {
            throw LoadError{"provider " + std::string(field) + " list has more than " + std::to_string(kMaxPrefixes) +
                            " entries (missing NULL terminator?)"};
        }
        std::string name = nameToken(list[i], field);
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    }
    return names;
}

ProviderInfo readDescriptor(const mb_provider_descriptor *source, mb_provider_vtable &vtable) {
    if (source == nullptr) throw LoadError{"a provider descriptor pointer is NULL"};
    if (source->struct_size < sizeof(mb_provider_descriptor)) {
        throw LoadError{"provider descriptor struct_size " + std::to_string(source->struct_size) +
                        " is smaller than the 1.0 size " + std::to_string(sizeof(mb_provider_descriptor))};
    }
    mb_provider_descriptor d = zeroFilledCopy(source, source->struct_size);
    ProviderInfo info;
    info.id = descriptorString(d.id, "id", false);
    for (char c : info.id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
            throw LoadError{"provider id '" + info.id + "' is not a reverse-DNS name"};
        }
    }
    info.name = descriptorString(d.name, "name", false);
    info.version = descriptorString(d.version, "version", false);
    info.vendor = descriptorString(d.vendor, "vendor", true);
    info.url = descriptorString(d.url, "url", true);
    info.description = descriptorString(d.description, "description", true);
    info.capabilities = d.capabilities;
    if (d.prefixes == nullptr) throw LoadError{"provider " + info.id + " has no prefix list"};
    info.prefixes = nameList(d.prefixes, "prefix");
    if (info.prefixes.empty()) throw LoadError{"provider " + info.id + " serves no prefix"};
    if (d.apis != nullptr) info.apis = nameList(d.apis, "api");

    if (d.vtable == nullptr) throw LoadError{"provider " + info.id + " has no function table"};
    if (d.vtable->struct_size < offsetof(mb_provider_vtable, create)) {
        throw LoadError{"provider " + info.id + " function table struct_size " +
                        std::to_string(d.vtable->struct_size) + " is too small"};
    }
    vtable = zeroFilledCopy(d.vtable, d.vtable->struct_size);
    auto lacks = [&](const char *function) {
        return LoadError{"provider " + info.id + " function table lacks " + function};
    };
    if (vtable.create == nullptr) throw lacks("create");
    if (vtable.destroy == nullptr) throw lacks("destroy");
    if (vtable.stream == nullptr && vtable.complete == nullptr) throw lacks("both stream and complete");
    if ((info.capabilities & MB_CAP_STREAM) && vtable.stream == nullptr) throw lacks("stream (MB_CAP_STREAM is set)");
    if ((info.capabilities & MB_CAP_LIST_MODELS) && vtable.list_models == nullptr) {
        throw lacks("list_models (MB_CAP_LIST_MODELS is set)");
    }
    return info;
}

// Files loaded by any live registry of this process. A second live load of one file would share its loaded copy
// and run init twice, so it is refused.
std::mutex gClaimsMutex;
std::set<FileId> gClaims;

bool claimFile(const FileId &id) {
    std::lock_guard lock(gClaimsMutex);
    return gClaims.insert(id).second;
}

void releaseFile(const FileId &id) {
    std::lock_guard lock(gClaimsMutex);
    gClaims.erase(id);
}

// ---- The host services table: C entry points forwarding to HostServices. None lets an exception out. ----

PluginHandle &handleOf(void *hostCtx) { return *static_cast<PluginHandle *>(hostCtx); }

void hostLog(void *hostCtx, int32_t level, const char *message, size_t length) {
    if (hostCtx == nullptr || (message == nullptr && length != 0)) return;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        handle.services->log(handle.label, level, std::string_view(message, std::min(length, kMaxLogBytes)));
    } catch (...) {  // a log line is not worth failing the plugin's work
    }
}

using Lookup = std::optional<std::string> (HostServices::*)(std::string_view, std::string_view);

int32_t lookUp(Lookup lookup, void *hostCtx, const char *key, char *buf, size_t *len) {
    if (hostCtx == nullptr || key == nullptr || len == nullptr) return MB_ERR_INVALID_ARGUMENT;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        std::optional<std::string> value = (handle.services.get()->*lookup)(handle.label, key);
        return value ? copyToBuffer(*value, buf, len) : MB_ERR_NOT_FOUND;
    } catch (...) {
        return MB_ERR_INTERNAL;
    }
}

int32_t hostConfigGet(void *hostCtx, const char *path, char *buf, size_t *len) {
    return lookUp(&HostServices::configGet, hostCtx, path, buf, len);
}

int32_t hostSecretGet(void *hostCtx, const char *name, char *buf, size_t *len) {
    return lookUp(&HostServices::secretGet, hostCtx, name, buf, len);
}

int32_t hostHttpRequest(void *hostCtx, mb_call *call, const mb_http_request *request, mb_error *error) {
    if (error == nullptr || error->struct_size < sizeof(mb_error)) return MB_ERR_INVALID_ARGUMENT;
    if (hostCtx == nullptr || request == nullptr || request->struct_size < sizeof(mb_http_request)) {
        sdk::setError(error, MB_ERR_INVALID_ARGUMENT, "http_request: missing request or struct_size too small");
        return MB_ERR_INVALID_ARGUMENT;
    }
    mb_http_request copy = zeroFilledCopy(request, request->struct_size);
    if (copy.method == nullptr || copy.url == nullptr || (copy.headers == nullptr && copy.headers_len != 0) ||
        (copy.body == nullptr && copy.body_len != 0)) {
        sdk::setError(error, MB_ERR_INVALID_ARGUMENT, "http_request: method, url, headers or body pointer is NULL");
        return MB_ERR_INVALID_ARGUMENT;
    }
    try {
        PluginHandle &handle = handleOf(hostCtx);
        return handle.services->httpRequest(handle.label, call, copy, *error);
    } catch (const std::exception &failure) {
        sdk::setError(error, MB_ERR_INTERNAL, std::string("http_request failed in the host: ") + failure.what());
    } catch (...) {
        sdk::setError(error, MB_ERR_INTERNAL, "http_request failed in the host");
    }
    return MB_ERR_INTERNAL;
}

const void *hostGetService(void *hostCtx, const char *id) {
    if (hostCtx == nullptr || id == nullptr) return nullptr;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        return handle.services->getService(handle.label, id);
    } catch (...) {
        return nullptr;
    }
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
    int32_t status = guarded(MB_ENTRY_SYMBOL, [&] { return negotiateFn(&info, &entry); });
    std::string range = kHostAbiMin == MB_ABI_CURRENT
                            ? versionString(MB_ABI_CURRENT)
                            : versionString(kHostAbiMin) + " to " + versionString(MB_ABI_CURRENT);
    if (status == MB_ERR_INCOMPATIBLE) {
        throw LoadError{"it speaks none of the ABI versions the host offers (" + range + ")"};
    }
    if (status != MB_OK) throw LoadError{MB_ENTRY_SYMBOL " failed with " + statusText(status, "")};
    if (entry == nullptr) throw LoadError{MB_ENTRY_SYMBOL " returned no entry"};
    // The version field is read before the size check, so that a plugin of another major is named as such.
    if (entry->struct_size < offsetof(mb_plugin_entry, provider_count)) {
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
    if (entry->struct_size < sizeof(mb_plugin_entry)) {
        throw LoadError{"entry struct_size " + std::to_string(entry->struct_size) + " is smaller than the 1.0 size " +
                        std::to_string(sizeof(mb_plugin_entry))};
    }
    handle.entry = zeroFilledCopy(entry, entry->struct_size);
    return handle.entry;
}

// Loads, negotiates, validates and initialises one file. Throws LoadError.
LoadedPlugin loadPlugin(const fs::path &path, const FileId &id, std::shared_ptr<HostServices> services) {
    auto handle = std::make_shared<PluginHandle>(path, std::move(services));
    if (!claimFile(id)) throw LoadError{"it is already loaded by another plugin registry of this process"};
    handle->claimed = id;
    std::error_code ec;
    handle->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
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
        provider->info = readDescriptor(entry.providers[i], provider->vtable);
        provider->path = path;
        provider->abiVersion = entry.abi_version;
        provider->plugin = handle;
        providers.push_back(std::move(provider));
    }

    handle->label = providers.front()->info.id;
    handle->host = mb_host_api{};
    handle->host.struct_size = sizeof(mb_host_api);
    handle->host.abi_version = entry.abi_version;
    handle->host.host_name = "moltbot";
    handle->host.host_version = MOLTBOT_VERSION;
    handle->host.host_ctx = handle.get();
    handle->host.log = hostLog;
    handle->host.config_get = hostConfigGet;
    handle->host.secret_get = hostSecretGet;
    handle->host.http_request = hostHttpRequest;
    handle->host.get_service = hostGetService;

    ErrorBuffer error;
    int32_t status = guarded("init", [&] { return entry.init(&handle->host, error.get()); });
    if (status != MB_OK) throw LoadError{"init failed with " + statusText(status, error.message())};
    handle->initialized = true;

    for (auto &provider : providers) loaded.providers.push_back(std::move(provider));
    return loaded;
}

}  // namespace

std::string versionString(uint32_t version) {
    return std::to_string(MB_ABI_VERSION_MAJOR(version)) + "." + std::to_string(MB_ABI_VERSION_MINOR(version));
}

void ErrorBuffer::reset() {
    text_.fill('\0');
    error_ = mb_error{};
    error_.struct_size = sizeof(mb_error);
    error_.message_capacity = static_cast<uint32_t>(text_.size());
    error_.retry_after_ms = -1;
    error_.message = text_.data();
}

std::string ErrorBuffer::message() {
    text_.back() = '\0';
    return std::string(text_.data());
}

PluginHandle::PluginHandle(fs::path filePath, std::shared_ptr<HostServices> hostServices)
    : path(std::move(filePath)), label(path.filename().string()), services(std::move(hostServices)) {}

PluginHandle::~PluginHandle() {
    if (initialized && entry.deinit != nullptr) {
        try {
            entry.deinit();
        } catch (...) {  // nothing can be done about a plugin that throws on the way out; it is unloaded anyway
        }
    }
    if (claimed) releaseFile(*claimed);
}

Registry Registry::load(const std::vector<SearchFolder> &folders, std::shared_ptr<HostServices> services) {
    Registry registry;
    std::map<FileId, fs::path> loadedFiles;
    for (const SearchFolder &folder : folders) {
        std::error_code ec;
        fs::file_status status = fs::status(folder.path, ec);
        std::string problem;
        std::vector<fs::path> files;
        if (status.type() == fs::file_type::not_found) {
            // The default folders usually do not exist; only a folder the user named is worth a warning.
            if (folder.origin == FolderOrigin::Environment) problem = "it does not exist";
        } else if (ec) {
            problem = ec.message();
        } else if (!fs::is_directory(status)) {
            problem = "it is not a folder";
        } else if (std::string unsafe = untrustedReason(folder.path); !unsafe.empty()) {
            problem = "refusing to load plugins from it: " + unsafe;
        } else {
            try {
                files = pluginFiles(folder.path);
            } catch (const fs::filesystem_error &error) {
                problem = error.code().message();
            }
        }
        if (!problem.empty()) {
            registry.warnings_.push_back("moltbot: cannot read plugin folder " + folder.path.string() + ": " +
                                         problem);
            registry.folderProblems_.push_back({folder.path, problem});
            continue;
        }
        for (const fs::path &file : files) {
            try {
                struct stat info {};
                if (::stat(file.c_str(), &info) != 0) {
                    throw LoadError{std::error_code(errno, std::generic_category()).message()};
                }
                FileId id{info.st_dev, info.st_ino};
                auto [it, fresh] = loadedFiles.emplace(id, file);
                if (!fresh) throw LoadError{"it is the same file as " + it->second.string() + ", already loaded"};
                if (std::string unsafe = untrustedReason(file); !unsafe.empty()) throw LoadError{unsafe};
                registry.add(loadPlugin(file, id, services));
            } catch (const LoadError &error) {
                registry.warnings_.push_back("moltbot: skipping plugin " + file.string() + ": " + error.reason);
                registry.skipped_.push_back({file, error.reason});
            }
        }
    }
    return registry;
}

void Registry::add(LoadedPlugin plugin) {
    for (const auto &provider : plugin.providers) {
        for (const std::string &prefix : provider->info.prefixes) {
            auto [it, fresh] = byPrefix_.emplace(prefix, provider);
            if (fresh) continue;
            const Provider &winner = *it->second;
            warnings_.push_back("moltbot: plugin " + provider->path.string() + " (" + provider->info.id +
                                ") claims prefix '" + prefix + "', already served by " + winner.path.string() +
                                " (" + winner.info.id + "); ignoring its claim");
            shadowed_.push_back({prefix, it->second, provider});
        }
    }
    plugins_.push_back(std::move(plugin));
}

std::shared_ptr<const Provider> Registry::find(std::string_view prefix) const {
    auto it = byPrefix_.find(prefix);
    return it == byPrefix_.end() ? nullptr : it->second;
}

std::shared_ptr<const Provider> Registry::findByApi(std::string_view api) const {
    for (const auto &plugin : plugins_) {
        for (const auto &provider : plugin.providers) {
            const auto &apis = provider->info.apis;
            if (std::find(apis.begin(), apis.end(), api) != apis.end()) return provider;
        }
    }
    return nullptr;
}

}  // namespace moltbot::plugin

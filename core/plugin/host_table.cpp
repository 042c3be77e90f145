#include "core/plugin/host_table.hpp"

#include "core/config/files.hpp"
#include "core/plugin/abi_structs.hpp"
#include "core/plugin/plugin_handle.hpp"

#include <moltbot/sdk/guard.hpp>

#include <algorithm>
#include <optional>

namespace moltbot::plugin {

namespace {

constexpr std::size_t kMaxLogBytes = 64 * 1024;

PluginHandle &handleOf(void *hostCtx) { return *static_cast<PluginHandle *>(hostCtx); }

void hostLog(void *hostCtx, int32_t level, const char *message, size_t length) {
    if (hostCtx == nullptr || (message == nullptr && length != 0)) return;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        handle.services->log(handle.label, level, std::string_view(message, std::min(length, kMaxLogBytes)));
    } catch (...) {  // a log line is not worth failing the plugin's work
    }
}

int32_t hostConfigGet(void *hostCtx, const char *path, char *buf, size_t *len) {
    if (hostCtx == nullptr || path == nullptr || len == nullptr) return MB_ERR_INVALID_ARGUMENT;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        config::PathSegments segments = config::parsePath(path);
        // Refused looks like unset: a plugin learns nothing about what it may not read.
        if (!handle.scope.mayRead(segments)) return MB_ERR_NOT_FOUND;
        std::optional<std::string> value = handle.services->configGet(handle.label, path);
        return value ? copyToBuffer(handle.scope.visible(segments, *value), buf, len) : MB_ERR_NOT_FOUND;
    } catch (const config::ConfigError &) {  // a malformed path
        return MB_ERR_INVALID_ARGUMENT;
    } catch (...) {
        return MB_ERR_INTERNAL;
    }
}

int32_t hostSecretGet(void *hostCtx, const char *name, char *buf, size_t *len) {
    if (hostCtx == nullptr || name == nullptr || len == nullptr) return MB_ERR_INVALID_ARGUMENT;
    try {
        PluginHandle &handle = handleOf(hostCtx);
        if (!handle.scope.ownsSecret(name)) return MB_ERR_NOT_FOUND;
        std::optional<std::string> value = handle.services->secretGet(handle.label, name);
        return value ? copyToBuffer(*value, buf, len) : MB_ERR_NOT_FOUND;
    } catch (...) {
        return MB_ERR_INTERNAL;
    }
}

int32_t hostHttpRequest(void *hostCtx, mb_call *call, const mb_http_request *request, mb_error *error) {
    if (!abi::readStruct(error, abi::kErrorSize_1_0)) return MB_ERR_INVALID_ARGUMENT;
    std::optional<mb_http_request> read = abi::readStruct(request, abi::kHttpRequestSize_1_0);
    if (hostCtx == nullptr || !read) {
        sdk::setError(error, MB_ERR_INVALID_ARGUMENT,
                      "http_request: " + (request == nullptr ? std::string("no request")
                                                             : abi::smallerThan1_0("the request", request->struct_size,
                                                                                   abi::kHttpRequestSize_1_0)));
        return MB_ERR_INVALID_ARGUMENT;
    }
    const mb_http_request &copy = *read;
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

}  // namespace

mb_host_api hostTable(PluginHandle &handle, uint32_t abiVersion) {
    mb_host_api host{};
    host.struct_size = sizeof(mb_host_api);
    host.abi_version = abiVersion;
    host.host_name = "moltbot";
    host.host_version = MOLTBOT_VERSION;
    host.host_ctx = &handle;
    host.log = hostLog;
    host.config_get = hostConfigGet;
    host.secret_get = hostSecretGet;
    host.http_request = hostHttpRequest;
    host.get_service = hostGetService;
    return host;
}

}  // namespace moltbot::plugin

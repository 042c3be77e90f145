// The services the host offers to plugins (mb_host_api, docs/abi.md §6), as a C++ interface the rest of the host
// implements. The loader builds one mb_host_api per plugin whose functions forward here.
#pragma once

#include <moltbot/plugin.h>

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::plugin {

// Every function is [any]: an implementation must be thread-safe. `plugin` names the calling plugin (the id of its
// first provider), for logs and for per-plugin policies.
class HostServices {
public:
    virtual ~HostServices() = default;
    virtual void log(std::string_view plugin, int32_t level, std::string_view message) = 0;
    // The JSON text of a dotted config path, or nullopt when unset.
    virtual std::optional<std::string> configGet(std::string_view plugin, std::string_view path) = 0;
    // The credential resolved for a provider instance name, or nullopt when none.
    virtual std::optional<std::string> secretGet(std::string_view plugin, std::string_view name) = 0;
    // One HTTP transfer, with the semantics of mb_host_api.http_request. `request` is already validated and
    // zero-filled to the current size; `error` is the caller's, fill it with setError().
    virtual int32_t httpRequest(std::string_view plugin, mb_call *call, const mb_http_request &request,
                                mb_error &error) = 0;
    // An optional service by "<name>/<rev>", or nullptr.
    virtual const void *getService(std::string_view plugin, std::string_view id) = 0;
};

// Logs to a stream ("moltbot: [<plugin>] warning: ..."), has no config, no secrets, no transport and no services.
class DefaultHostServices : public HostServices {
public:
    // Messages below `minLevel` (an MB_LOG_* value) are dropped.
    explicit DefaultHostServices(std::ostream &out, int32_t minLevel = MB_LOG_WARNING);
    void log(std::string_view plugin, int32_t level, std::string_view message) override;
    std::optional<std::string> configGet(std::string_view plugin, std::string_view path) override;
    std::optional<std::string> secretGet(std::string_view plugin, std::string_view name) override;
    int32_t httpRequest(std::string_view plugin, mb_call *call, const mb_http_request &request,
                        mb_error &error) override;
    const void *getService(std::string_view plugin, std::string_view id) override;

private:
    std::mutex mutex_;  // keeps lines of concurrent calls whole
    std::ostream &out_;
    int32_t minLevel_;
};

// "debug", "info", "warning", "error" for an MB_LOG_* level.
std::string_view logLevelName(int32_t level);

// The mb_host_api buffer rule: copies `value` into (buf, *len) with a NUL, or returns MB_ERR_BUFFER_TOO_SMALL with
// the size needed (NUL included) in *len.
int32_t copyToBuffer(std::string_view value, char *buf, std::size_t *len);

}  // namespace moltbot::plugin

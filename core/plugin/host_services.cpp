#include "core/plugin/host_services.hpp"

#include <moltbot/sdk/guard.hpp>

#include <cstring>
#include <ostream>

namespace moltbot::plugin {

std::string_view logLevelName(int32_t level) {
    switch (level) {
    case MB_LOG_DEBUG: return "debug";
    case MB_LOG_INFO: return "info";
    case MB_LOG_WARNING: return "warning";
    default: return "error";
    }
}

int32_t copyToBuffer(std::string_view value, char *buf, std::size_t *len) {
    if (len == nullptr || (buf == nullptr && *len != 0)) return MB_ERR_INVALID_ARGUMENT;
    if (*len < value.size() + 1) {
        *len = value.size() + 1;
        return MB_ERR_BUFFER_TOO_SMALL;
    }
    std::memcpy(buf, value.data(), value.size());
    buf[value.size()] = '\0';
    *len = value.size();
    return MB_OK;
}

DefaultHostServices::DefaultHostServices(std::ostream &out, int32_t minLevel) : out_(out), minLevel_(minLevel) {}

void DefaultHostServices::log(std::string_view plugin, int32_t level, std::string_view message) {
    if (level < minLevel_) return;
    std::lock_guard lock(mutex_);
    out_ << "moltbot: [" << plugin << "] " << logLevelName(level) << ": " << message << "\n";
    out_.flush();
}

std::optional<std::string> DefaultHostServices::configGet(std::string_view, std::string_view) { return std::nullopt; }

std::optional<std::string> DefaultHostServices::secretGet(std::string_view, std::string_view) { return std::nullopt; }

int32_t DefaultHostServices::httpRequest(std::string_view, mb_call *, const mb_http_request &, mb_error &error) {
    sdk::setError(&error, MB_ERR_UNSUPPORTED, "this host has no HTTP transport");
    return MB_ERR_UNSUPPORTED;
}

const void *DefaultHostServices::getService(std::string_view, std::string_view) { return nullptr; }

}  // namespace moltbot::plugin

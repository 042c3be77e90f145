#include "core/plugin/host_services.hpp"

#include <algorithm>
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

void setError(mb_error *error, int32_t code, std::string_view message, int32_t httpStatus) {
    if (error == nullptr || error->struct_size < sizeof(mb_error)) return;
    error->code = code;
    error->http_status = httpStatus;
    if (error->message == nullptr || error->message_capacity == 0) return;
    std::size_t n = std::min<std::size_t>(message.size(), error->message_capacity - 1);
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
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
    setError(&error, MB_ERR_UNSUPPORTED, "this host has no HTTP transport");
    return MB_ERR_UNSUPPORTED;
}

const void *DefaultHostServices::getService(std::string_view, std::string_view) { return nullptr; }

}  // namespace moltbot::plugin

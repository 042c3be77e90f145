// HTTP helpers every provider speaking to an HTTP API needs: the ABI status for an upstream HTTP status, and
// header look-up in the "Name: value\r\n" block the host hands to on_head.
#pragma once

#include <moltbot/plugin.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>

namespace moltbot::sdk {

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

inline std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

// The ABI status for an upstream HTTP error status (400 -> MB_ERR_INVALID_REQUEST, 429 -> MB_ERR_RATE_LIMITED, ...).
inline int32_t statusCode(int32_t httpStatus) {
    switch (httpStatus) {
    case 400:
    case 413:
    case 422: return MB_ERR_INVALID_REQUEST;
    case 401: return MB_ERR_AUTH;
    case 402: return MB_ERR_PAYMENT;
    case 403: return MB_ERR_MODERATION;
    case 404: return MB_ERR_NOT_FOUND;
    case 408: return MB_ERR_TIMEOUT;
    case 429: return MB_ERR_RATE_LIMITED;
    default: return httpStatus >= 500 && httpStatus <= 599 ? MB_ERR_UNAVAILABLE : MB_ERR_HTTP;
    }
}

// The value of header `name` (case-insensitive) in a "Name: value\r\n" block, trimmed.
inline std::optional<std::string_view> headerValue(std::string_view headers, std::string_view name) {
    while (!headers.empty()) {
        std::size_t end = headers.find('\n');
        std::string_view line = headers.substr(0, end);
        headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 1);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos && equalsIgnoreCase(trim(line.substr(0, colon)), name)) {
            return trim(line.substr(colon + 1));
        }
    }
    return std::nullopt;
}

}  // namespace moltbot::sdk

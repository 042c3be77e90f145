// HTTP helpers every provider speaking to an HTTP API needs: the ABI status for an upstream HTTP status, header
// look-up in the "Name: value\r\n" block the host hands to on_head, and the wait a Retry-After value asks for.
#pragma once

#include <moltbot/plugin.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace moltbot::sdk {

// ASCII only, whatever locale a plugin's process has set: HTTP header names and dates are ASCII.
constexpr char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool isAsciiAlpha(char c) { return asciiLower(c) >= 'a' && asciiLower(c) <= 'z'; }
constexpr bool isAsciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return asciiLower(x) == asciiLower(y); });
}

inline std::string_view trim(std::string_view text) {
    while (!text.empty() && isAsciiSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && isAsciiSpace(text.back())) text.remove_suffix(1);
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

namespace detail {

// Takes exactly `count` digits from the front of `text`.
inline std::optional<int> takeDigits(std::string_view &text, std::size_t count) {
    if (text.size() < count) return std::nullopt;
    int value = 0;
    for (char c : text.substr(0, count)) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    text.remove_prefix(count);
    return value;
}

inline bool take(std::string_view &text, std::string_view expected) {
    if (text.substr(0, expected.size()) != expected) return false;
    text.remove_prefix(expected.size());
    return true;
}

inline std::optional<unsigned> takeMonth(std::string_view &text) {
    constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < 12; ++i) {
        if (take(text, kMonths[i])) return i + 1;
    }
    return std::nullopt;
}

// "HH:MM:SS" as the second of the day (60 for a leap second).
inline std::optional<int64_t> takeTime(std::string_view &text) {
    std::optional<int> hour = takeDigits(text, 2);
    std::optional<int> minute = hour && take(text, ":") ? takeDigits(text, 2) : std::nullopt;
    std::optional<int> second = minute && take(text, ":") ? takeDigits(text, 2) : std::nullopt;
    if (!second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    return *hour * 3600 + *minute * 60 + *second;
}

}  // namespace detail

// Wall-clock time in milliseconds since the Unix epoch, the unit of the Retry-After arithmetic below.
inline int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An HTTP-date (RFC 9110 §5.6.7) as seconds since the epoch: "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate), or the
// obsolete forms a recipient must accept as well, "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850) and
// "Sun Nov  6 08:49:37 1994" (asctime). The day name is not checked. A two-digit year is the latest one not more than
// 50 years after `nowMs` (ms since the epoch). std::nullopt for anything else, an impossible date included.
inline std::optional<int64_t> parseHttpDate(std::string_view text, int64_t nowMs) {
    using namespace std::chrono;
    std::size_t nameLength = 0;
    while (nameLength < text.size() && isAsciiAlpha(text[nameLength])) ++nameLength;
    if (nameLength < 3) return std::nullopt;
    text.remove_prefix(nameLength);
    std::optional<int> dayOfMonth, yearNumber;
    std::optional<unsigned> monthNumber;
    std::optional<int64_t> secondOfDay;
    if (detail::take(text, ", ")) {
        dayOfMonth = detail::takeDigits(text, 2);
        bool rfc850 = dayOfMonth && detail::take(text, "-");
        if (!dayOfMonth || (!rfc850 && !detail::take(text, " "))) return std::nullopt;
        monthNumber = detail::takeMonth(text);
        if (!monthNumber || !detail::take(text, rfc850 ? "-" : " ")) return std::nullopt;
        yearNumber = detail::takeDigits(text, rfc850 ? 2 : 4);
        if (!yearNumber || !detail::take(text, " ")) return std::nullopt;
        secondOfDay = detail::takeTime(text);
        if (!secondOfDay || text != " GMT") return std::nullopt;
        if (rfc850) {
            sys_days today = floor<days>(sys_time<milliseconds>(milliseconds(nowMs)));
            int thisYear = static_cast<int>(year_month_day(today).year());
            *yearNumber += thisYear - thisYear % 100;
            if (*yearNumber > thisYear + 50) *yearNumber -= 100;
        }
    } else {
        if (!detail::take(text, " ")) return std::nullopt;
        monthNumber = detail::takeMonth(text);
        if (!monthNumber || !detail::take(text, " ")) return std::nullopt;
        dayOfMonth = detail::take(text, " ") ? detail::takeDigits(text, 1) : detail::takeDigits(text, 2);
        if (!dayOfMonth || !detail::take(text, " ")) return std::nullopt;
        secondOfDay = detail::takeTime(text);
        if (!secondOfDay || !detail::take(text, " ")) return std::nullopt;
        yearNumber = detail::takeDigits(text, 4);
        if (!yearNumber || !text.empty()) return std::nullopt;
    }
    year_month_day date{year(*yearNumber), month(*monthNumber), day(static_cast<unsigned>(*dayOfMonth))};
    if (!date.ok()) return std::nullopt;
    return int64_t{sys_days(date).time_since_epoch().count()} * 86400 + *secondOfDay;
}

// The wait a Retry-After value (RFC 9110 §10.2.3) asks for, in ms: delay-seconds ("120"; a fraction such as "1.5" is
// taken too) or an HTTP-date, counted from `nowMs` (ms since the epoch) and 0 once it has passed. std::nullopt for
// anything else, a negative number or one beyond 1e15 seconds included. How long to actually wait is the host's call.
inline std::optional<int64_t> parseRetryAfter(std::string_view value, int64_t nowMs) {
    constexpr double kMaxSeconds = 1e15;  // far beyond any real wait, and its ms still fit an int64_t
    value = trim(value);
    double seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size()) {
        if (!(seconds >= 0 && seconds <= kMaxSeconds)) return std::nullopt;  // NaN fails both
        return static_cast<int64_t>(std::ceil(seconds * 1000.0));
    }
    std::optional<int64_t> date = parseHttpDate(value, nowMs);
    if (!date) return std::nullopt;
    return std::max<int64_t>(0, *date * 1000 - nowMs);
}

}  // namespace moltbot::sdk

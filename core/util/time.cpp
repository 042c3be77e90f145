#include "core/util/time.hpp"

#include <cstdio>
#include <ctime>

namespace moltbot::util {

std::string utcTime(int64_t epochMs, const char *format) {
    // Floor division: a time before 1970 still names the second it falls in.
    int64_t seconds = epochMs / 1000 - (epochMs % 1000 < 0 ? 1 : 0);
    std::time_t time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, format, &utc);
    return std::string(text, length);
}

std::string utcTimeMillis(int64_t epochMs) {
    int millis = static_cast<int>(((epochMs % 1000) + 1000) % 1000);
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, ".%03dZ", millis);
    return utcTime(epochMs, "%Y-%m-%dT%H:%M:%S") + suffix;
}

}  // namespace moltbot::util

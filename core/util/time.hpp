// Times as moltbot prints them: UTC, ISO 8601 by default ("2026-12-05T10:30:00Z"), from epoch milliseconds.
#pragma once

#include <cstdint>
#include <string>

namespace moltbot::util {

// `epochMs` in UTC with a strftime format.
std::string utcTime(int64_t epochMs, const char *format = "%Y-%m-%dT%H:%M:%SZ");
// "2026-12-05T10:30:00.123Z": the access log's timestamps, to the millisecond.
std::string utcTimeMillis(int64_t epochMs);

}  // namespace moltbot::util

// Budget periods: a key's budget counts the spend of the current UTC day, ISO week (Monday first), calendar month,
// or all time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moltbot::limits {

enum class Period { Day, Week, Month, Total };

// "day", "week", "month", "total"; std::nullopt for anything else.
std::optional<Period> parsePeriod(std::string_view text);
std::string_view periodName(Period period);

// The UTC day number (days since 1970-01-01) of an epoch-millisecond time.
int64_t utcDay(int64_t epochMs);
// The first UTC day of the period `day` falls in (Total: day 0).
int64_t periodStartDay(Period period, int64_t day);
// The epoch milliseconds at which the period containing `epochMs` ends (Total: INT64_MAX).
int64_t periodEndMs(Period period, int64_t epochMs);

}  // namespace moltbot::limits

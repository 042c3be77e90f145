#include "core/limits/period.hpp"

#include <chrono>
#include <limits>

namespace moltbot::limits {

namespace {

using namespace std::chrono;

constexpr int64_t kDayMs = 86'400'000;

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<Period> parsePeriod(std::string_view text) {
    if (text == "day") return Period::Day;
    if (text == "week") return Period::Week;
    if (text == "month") return Period::Month;
    if (text == "total") return Period::Total;
    return std::nullopt;
}

std::string_view periodName(Period period) {
    switch (period) {
    case Period::Day: return "day";
    case Period::Week: return "week";
    case Period::Month: return "month";
    case Period::Total: return "total";
    }
    return "total";
}

int64_t utcDay(int64_t epochMs) { return floorDiv(epochMs, kDayMs); }

int64_t periodStartDay(Period period, int64_t day) {
    switch (period) {
    case Period::Day: return day;
    case Period::Week: {
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday.
        int64_t weekday = (floorDiv(day, 1) + 3) % 7;
        if (weekday < 0) weekday += 7;
        return day - weekday;
    }
    case Period::Month: {
        year_month_day date{sys_days{days{day}}};
        return sys_days{date.year() / date.month() / 1}.time_since_epoch().count();
    }
    case Period::Total: return 0;
    }
    return 0;
}

int64_t periodEndMs(Period period, int64_t epochMs) {
    int64_t day = utcDay(epochMs);
    switch (period) {
    case Period::Day: return (day + 1) * kDayMs;
    case Period::Week: return (periodStartDay(Period::Week, day) + 7) * kDayMs;
    case Period::Month: {
        year_month_day date{sys_days{days{day}}};
        year_month next = date.year() / date.month() + months{1};
        return sys_days{next / 1}.time_since_epoch().count() * kDayMs;
    }
    case Period::Total: return std::numeric_limits<int64_t>::max();
    }
    return std::numeric_limits<int64_t>::max();
}

}  // namespace moltbot::limits

// Budget periods are UTC calendar periods: a day, an ISO week starting on Monday, a month, or all time.
#include "core/limits/period.hpp"

#include <doctest/doctest.h>

using namespace moltbot::limits;

namespace {
constexpr int64_t kDay = 86'400'000;
// 2026-12-05 (a Saturday) 13:30 UTC
constexpr int64_t kSaturday = 1'796'477'400'000;
}  // namespace

TEST_CASE("period names parse both ways, and nothing else parses") {
    for (Period period : {Period::Day, Period::Week, Period::Month, Period::Total}) {
        CHECK(parsePeriod(periodName(period)) == period);
    }
    CHECK_FALSE(parsePeriod("monthly").has_value());
    CHECK_FALSE(parsePeriod("").has_value());
}

TEST_CASE("days, weeks and months start and end at UTC midnight") {
    int64_t day = utcDay(kSaturday);
    CHECK(day == 20'792);  // 2026-12-05
    CHECK(utcDay(0) == 0);
    CHECK(utcDay(-1) == -1);  // before 1970 rounds down, not toward zero
    CHECK(periodStartDay(Period::Day, day) == day);
    CHECK(periodStartDay(Period::Week, day) == day - 5);   // Monday 2026-11-30
    CHECK(periodStartDay(Period::Week, day - 5) == day - 5);
    CHECK(periodStartDay(Period::Month, day) == day - 4);  // 2026-12-01
    CHECK(periodStartDay(Period::Total, day) == 0);
    CHECK(periodEndMs(Period::Day, kSaturday) == (day + 1) * kDay);
    CHECK(periodEndMs(Period::Week, kSaturday) == (day + 2) * kDay);     // Monday 2026-12-07
    CHECK(periodEndMs(Period::Month, kSaturday) == (day + 27) * kDay);   // 2027-01-01
    CHECK(periodEndMs(Period::Month, (day - 4) * kDay) == (day + 27) * kDay);
}

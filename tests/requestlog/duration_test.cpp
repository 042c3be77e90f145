// util::parseDuration: the --since of `moltbot logs` and `moltbot usage`.
#include "core/util/duration.hpp"

#include <doctest/doctest.h>

using moltbot::util::parseDuration;
using namespace std::chrono_literals;

TEST_CASE("durations: a number and a unit, or several") {
    CHECK(parseDuration("90s") == 90s);
    CHECK(parseDuration("30m") == 30min);
    CHECK(parseDuration("12h") == 12h);
    CHECK(parseDuration("7d") == 7 * 24h);
    CHECK(parseDuration("2w") == 14 * 24h);
    CHECK(parseDuration("1h30m") == 90min);
    CHECK(parseDuration("0m") == 0ms);
}

TEST_CASE("not durations") {
    for (const char *text : {"", "m", "30", "30x", "-5m", "+5m", "1.5h", "5 m", " 5m", "5m ", "5M", "h5", "1h30",
                             "99999999999999999999w", "5300w"}) {
        CAPTURE(text);
        CHECK_FALSE(parseDuration(text));
    }
}

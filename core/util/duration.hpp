// Durations as people type them on the command line: "30m", "12h", "7d", "2w", or sums such as "1h30m".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace moltbot::util {

// A run of <whole number><unit> groups, the units s, m, h, d (24 h) and w (7 d): "90s", "30m", "1h30m", "2w".
// std::nullopt for anything else: empty text, a number without a unit, a sign, a fraction, an unknown unit, spaces,
// or a total beyond a hundred years. Zero ("0m") is a duration; callers that need a positive one check.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// The examples error messages quote: "like 30m, 12h, 7d or 2w".
inline constexpr std::string_view kDurationExamples = "like 30m, 12h, 7d or 2w";

}  // namespace moltbot::util

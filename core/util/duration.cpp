#include "core/util/duration.hpp"

#include <cstdint>

namespace moltbot::util {

namespace {

// Milliseconds per unit, 0 for a character that is not one.
int64_t unitMs(char unit) {
    switch (unit) {
    case 's': return 1000;
    case 'm': return 60 * 1000;
    case 'h': return 60 * 60 * 1000;
    case 'd': return 24 * 60 * 60 * 1000;
    case 'w': return 7 * 24 * 60 * 60 * 1000;
    default: return 0;
    }
}

// Far beyond any useful --since or expiry, and far from int64 overflow however the groups add up.
constexpr int64_t kMaxMs = int64_t{100} * 366 * 24 * 60 * 60 * 1000;

}  // namespace

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    int64_t total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        int64_t number = 0;
        std::size_t digits = 0;
        for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
            number = number * 10 + (text[at] - '0');
            if (number > kMaxMs) return std::nullopt;
        }
        if (digits == 0 || at == text.size()) return std::nullopt;  // a unit without a number, or a number without one
        int64_t unit = unitMs(text[at++]);
        if (unit == 0 || number > kMaxMs / unit) return std::nullopt;
        total += number * unit;
        if (total > kMaxMs) return std::nullopt;
    }
    return std::chrono::milliseconds(total);
}

}  // namespace moltbot::util

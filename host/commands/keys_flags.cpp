#include "host/commands/keys_flags.hpp"

#include "core/util/duration.hpp"

#include <Poco/Util/Option.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

namespace moltbot::cli {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// The whole of `text` as a base-10 number, or std::nullopt.
template <typename Number>
std::optional<Number> wholeNumber(std::string_view text) {
    Number value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

UsageError badValue(std::string_view flag, std::string_view expected, std::string_view got) {
    return UsageError{"--" + std::string(flag) + ": expected " + std::string(expected) + ", got '" + std::string(got) +
                      "'"};
}

double parseBudget(const std::string &text, bool update) {
    std::optional<double> usd = wholeNumber<double>(text);
    if (!usd || !std::isfinite(*usd) || *usd <= 0) {
        throw badValue("budget", update ? "a positive number of US dollars (10, 2.50) or none"
                                        : "a positive number of US dollars (10, 2.50)", text);
    }
    return *usd;
}

int64_t parsePositive(std::string_view flag, const std::string &text, bool update) {
    std::optional<int64_t> number = wholeNumber<int64_t>(text);
    if (!number || *number <= 0) {
        throw badValue(flag, update ? "a positive whole number or none" : "a positive whole number", text);
    }
    return *number;
}

// Fixed-width digits at `text[at, at + width)`, or -1.
int digitsAt(std::string_view text, std::size_t at, std::size_t width) {
    if (at + width > text.size()) return -1;
    std::string_view part = text.substr(at, width);
    if (part.find_first_not_of("0123456789") != std::string_view::npos) return -1;
    return wholeNumber<int>(part).value_or(-1);
}

// 2027-01-31 or 2027-01-31T12:00:00Z as epoch milliseconds.
std::optional<int64_t> parseUtcTime(std::string_view text) {
    using namespace std::chrono;
    if (text.size() != 10 && text.size() != 20) return std::nullopt;
    if (text[4] != '-' || text[7] != '-') return std::nullopt;
    year_month_day date{year{digitsAt(text, 0, 4)}, month{static_cast<unsigned>(digitsAt(text, 5, 2))},
                        day{static_cast<unsigned>(digitsAt(text, 8, 2))}};
    if (digitsAt(text, 0, 4) < 1970 || !date.ok()) return std::nullopt;
    int64_t ms = static_cast<int64_t>(sys_days{date}.time_since_epoch().count()) * kDayMs;
    if (text.size() == 10) return ms;
    if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return std::nullopt;
    int hours = digitsAt(text, 11, 2), minutes = digitsAt(text, 14, 2), seconds = digitsAt(text, 17, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) return std::nullopt;
    return ms + ((hours * 60 + minutes) * 60 + seconds) * int64_t{1000};
}

// Every pattern of the --models values: repeatable, each comma-separated; duplicates dropped, order kept.
std::vector<std::string> parseModels(const std::vector<std::string> &values) {
    std::vector<std::string> patterns;
    for (const auto &value : values) {
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = std::min(value.find(',', start), value.size());
            std::string pattern = value.substr(start, comma - start);
            pattern.erase(0, pattern.find_first_not_of(' '));
            pattern.erase(pattern.find_last_not_of(' ') + 1);
            start = comma + 1;
            if (pattern.empty()) continue;
            bool printable =
                std::none_of(pattern.begin(), pattern.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
            if (!printable) throw badValue("models", "model patterns without spaces (openrouter/anthropic/*)", pattern);
            if (std::find(patterns.begin(), patterns.end(), pattern) == patterns.end()) patterns.push_back(pattern);
        }
    }
    if (patterns.empty()) throw UsageError{"--models: no model pattern given (e.g. --models 'openrouter/anthropic/*')"};
    return patterns;
}

}  // namespace

void defineLimitFlags(Poco::Util::OptionSet &options, bool update) {
    using Poco::Util::Option;
    std::string none = update ? " ('none': no budget)" : "";
    options.addOption(Option("budget", "", "spend limit in US dollars per period" + none).argument("USD"));
    options.addOption(Option("period", "", "budget period: day, week, month (default) or total").argument("PERIOD"));
    options.addOption(Option("rpm", "", std::string("requests per minute") + (update ? " ('none': no limit)" : ""))
                          .argument("N"));
    options.addOption(Option("tpm", "", std::string("tokens per minute") + (update ? " ('none': no limit)" : ""))
                          .argument("N"));
    options.addOption(Option("models", "", std::string("allowed model patterns, '*' matching anything; repeatable or "
                                                       "comma-separated") + (update ? " ('none': every model)" : ""))
                          .argument("PATTERN")
                          .repeatable(true));
    options.addOption(Option("expires", "", std::string("a duration (30m, 12h, 7d, 2w), a date (2027-01-31)") +
                                                (update ? ", a UTC time (2027-01-31T12:00:00Z) or 'never'"
                                                        : " or a UTC time (2027-01-31T12:00:00Z)"))
                          .argument("WHEN"));
}

std::optional<int64_t> parseExpiry(std::string_view text, int64_t nowMs) {
    if (std::optional<std::chrono::milliseconds> duration = util::parseDuration(text)) {
        if (duration->count() <= 0) return std::nullopt;
        return nowMs + duration->count();
    }
    return parseUtcTime(text);
}

bool applyLimitFlags(const Invocation &invocation, keys::GatewayKey &key, int64_t nowMs, bool update) {
    bool given = false;
    // The flag's value, or std::nullopt when `update` and it is the clearing word.
    auto value = [&](const char *flag, std::string_view clear) -> std::optional<std::string> {
        given = true;
        std::string text = invocation.value(flag);
        if (update && text == clear) return std::nullopt;
        return text;
    };
    if (invocation.has("budget")) {
        std::optional<std::string> text = value("budget", "none");
        key.budgetUsd = text ? std::optional<double>(parseBudget(*text, update)) : std::nullopt;
    }
    if (invocation.has("period")) {
        given = true;
        std::string text = invocation.value("period");
        std::optional<limits::Period> period = limits::parsePeriod(text);
        if (!period) throw badValue("period", "day, week, month or total", text);
        key.period = *period;
    }
    for (const char *flag : {"rpm", "tpm"}) {
        if (!invocation.has(flag)) continue;
        std::optional<std::string> text = value(flag, "none");
        std::optional<int64_t> &limit = std::string_view(flag) == "rpm" ? key.rpm : key.tpm;
        limit = text ? std::optional<int64_t>(parsePositive(flag, *text, update)) : std::nullopt;
    }
    if (invocation.has("models")) {
        given = true;
        const std::vector<std::string> &values = invocation.options.at("models");
        bool clear = update && std::find(values.begin(), values.end(), "none") != values.end();
        if (clear && values.size() > 1) throw UsageError{"--models none clears the list; give it alone"};
        key.models = clear ? std::vector<std::string>{} : parseModels(values);
    }
    if (invocation.has("expires")) {
        std::optional<std::string> text = value("expires", "never");
        if (!text) {
            key.expiresMs.reset();
        } else {
            std::optional<int64_t> end = parseExpiry(*text, nowMs);
            if (!end) {
                throw badValue("expires", update ? "a duration (30m, 12h, 7d, 2w), a date (2027-01-31), a UTC time "
                                                   "(2027-01-31T12:00:00Z) or never"
                                                 : "a duration (30m, 12h, 7d, 2w), a date (2027-01-31) or a UTC time "
                                                   "(2027-01-31T12:00:00Z)", *text);
            }
            if (*end <= nowMs) throw UsageError{"--expires: '" + *text + "' is in the past"};
            key.expiresMs = end;
        }
    }
    return given;
}

}  // namespace moltbot::cli

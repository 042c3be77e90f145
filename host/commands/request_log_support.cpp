#include "host/commands/request_log_support.hpp"

#include "core/requestlog/request_log.hpp"
#include "core/util/duration.hpp"

#include <moltbot/sdk/http.hpp>

#include <cstdio>

namespace moltbot::cli {

std::optional<int64_t> sinceFlag(const Invocation &invocation) {
    if (!invocation.has("since")) return std::nullopt;
    std::string text = invocation.value("since");
    std::optional<std::chrono::milliseconds> span = util::parseDuration(text);
    if (!span) {
        throw UsageError{"--since takes a duration " + std::string(util::kDurationExamples) + ", not '" + text + "'"};
    }
    return sdk::nowMs() - span->count();
}

std::optional<requestlog::LogReader> openRequestLog() {
    std::filesystem::path path = requestlog::defaultPath();
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return std::nullopt;
    try {
        return std::optional<requestlog::LogReader>(std::in_place, path);
    } catch (const requestlog::ReadError &problem) {
        throw UsageError{problem.what()};
    }
}

std::string costText(double usd, bool estimated) {
    char text[40];
    std::snprintf(text, sizeof text, "%s$%.6f", estimated ? "~" : "", usd);
    return text;
}

}  // namespace moltbot::cli

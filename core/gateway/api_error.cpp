#include "core/gateway/api_error.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/json.hpp>

#include <algorithm>

namespace moltbot::gateway {

std::string errorBody(const ApiError &error) {
    namespace json = sdk::json;
    std::string body = "{\"error\":{\"message\":";
    json::appendString(body, error.message);
    body += ",\"type\":";
    json::appendString(body, error.type);
    body += ",\"param\":";
    if (error.param.empty()) {
        body += "null";
    } else {
        json::appendString(body, error.param);
    }
    body += ",\"code\":";
    json::appendString(body, error.code);
    return body + "}}";
}

namespace {

struct Mapping {
    int status;
    const char *type;
};

Mapping mappingOf(int32_t status) {
    switch (status) {
    case MB_ERR_RATE_LIMITED: return {429, "rate_limit_error"};
    case MB_ERR_INVALID_REQUEST:
    case MB_ERR_INVALID_ARGUMENT:
    case MB_ERR_UNSUPPORTED: return {400, "invalid_request_error"};
    case MB_ERR_MODERATION: return {403, "permission_error"};
    case MB_ERR_NOT_FOUND: return {404, "not_found_error"};
    case MB_ERR_TIMEOUT: return {504, "timeout_error"};
    case MB_ERR_UNAVAILABLE:
    case MB_ERR_CANCELLED: return {503, "service_unavailable_error"};
    default: return {502, "upstream_error"};  // transport, protocol, auth and credits of the upstream, internal
    }
}

}  // namespace

ApiError outcomeError(const pipeline::Outcome &outcome) {
    // Every model that was tried (or skipped for a running cooldown) ended rate limited: the client should wait.
    bool allRateLimited = !outcome.attempts.empty();
    int64_t shortestWaitMs = -1;
    for (const auto &record : outcome.attempts) {
        bool limited = record.outcome == mb_status_name(MB_ERR_RATE_LIMITED) ||
                       (record.outcome == "skipped" && record.message.find("rate_limited") != std::string::npos);
        allRateLimited = allRateLimited && limited;
        if (record.retryAfterMs >= 0 && (shortestWaitMs < 0 || record.retryAfterMs < shortestWaitMs)) {
            shortestWaitMs = record.retryAfterMs;
        }
    }
    int32_t status = allRateLimited ? MB_ERR_RATE_LIMITED : outcome.status;
    Mapping mapping = mappingOf(status);
    ApiError error;
    error.status = mapping.status;
    error.type = mapping.type;
    error.code = mb_status_name(status);
    error.message = outcome.error.empty() ? "the request failed" : outcome.error;
    if (error.status == 429 || error.status == 503) {
        error.retryAfterSeconds = shortestWaitMs >= 0 ? std::max<int64_t>(1, (shortestWaitMs + 999) / 1000) : 1;
    }
    return error;
}

}  // namespace moltbot::gateway

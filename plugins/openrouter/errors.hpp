// Classification of OpenRouter failures into ABI status codes, with the HTTP status, a message for the user and the
// retry delay the upstream asked for. Pure: the caller supplies the clock.
#pragma once

#include <moltbot/sdk/guard.hpp>
#include <moltbot/sdk/http.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace moltbot::openrouter {

// The HTTP status mapping and header look-up every HTTP provider shares (moltbot/sdk/http.hpp).
using sdk::headerValue;
using sdk::statusCode;

// How long the upstream asked to wait, in ms, or -1: the Retry-After header (seconds), else the error metadata's
// retry_after_seconds or copied Retry-After header, else X-RateLimit-Reset (epoch ms, header or metadata).
int64_t retryAfterMs(std::string_view headers, const rapidjson::Value *metadata, int64_t nowMs);

// A failure reported by OpenRouter. `invalidModel` marks its "<id> is not a valid model ID" answer, which is
// MB_ERR_NOT_FOUND rather than a plain bad request, so that the caller can add the closest catalog ids.
class UpstreamFailure : public sdk::Failure {
public:
    UpstreamFailure(int32_t code, std::string message, int32_t httpStatus, int64_t retryAfterMs, bool invalidModel)
        : Failure(code, std::move(message), httpStatus, retryAfterMs), invalidModel_(invalidModel) {}
    bool invalidModel() const { return invalidModel_; }

private:
    bool invalidModel_;
};

// A failure for an error HTTP response: the JSON {"error": {...}} body when there is one, else its text.
UpstreamFailure httpFailure(int32_t httpStatus, std::string_view headers, std::string_view body, int64_t nowMs);

// A failure for an `error` object received with HTTP 200 (in a JSON body or a stream chunk); `where` says which
// ("response", "stream").
UpstreamFailure errorObjectFailure(const rapidjson::Value &error, std::string_view where, int64_t nowMs);

}  // namespace moltbot::openrouter

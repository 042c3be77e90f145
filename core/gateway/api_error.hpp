// Errors as the gateway's clients see them: an HTTP status and OpenAI's error object,
// {"error": {"message", "type", "param", "code"}}.
#pragma once

#include "core/pipeline/runner.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::gateway {

struct ApiError {
    int status = 500;
    std::string type;     // "invalid_request_error", "not_found_error", "rate_limit_error", "upstream_error", ...
    std::string code;     // a stable machine-readable code: "invalid_json", "model_not_found", ...
    std::string message;  // for people; never holds a key
    std::string param;    // the request field at fault, or ""
    int64_t retryAfterSeconds = -1;  // sent as Retry-After when >= 0
    std::vector<std::pair<std::string, std::string>> headers;  // sent along (x-ratelimit-*, WWW-Authenticate)
};

// The JSON body of `error`.
std::string errorBody(const ApiError &error);

// A failed pipeline outcome as the client sees it: 429 when every model tried was rate limited (Retry-After from
// the shortest wait the upstream asked for), else the status of the last failure: 400 the upstream refused the
// request, 403 moderation, 404 no such model upstream, 502 a bad answer, rejected upstream key or credits,
// 503 unavailable or cancelled by shutdown, 504 timeout. The message names each model tried and why.
ApiError outcomeError(const pipeline::Outcome &outcome);

}  // namespace moltbot::gateway

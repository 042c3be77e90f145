// OpenRouter's dialect of the OpenAI error format; the classification itself is the SDK's (sdk/openai/errors.hpp).
// What OpenRouter adds: the message names the serving provider and quotes the upstream's own text (metadata.raw) and
// moderation reasons; the wait may also come from the error's metadata or X-RateLimit-Reset; a 400 saying
// "<id> is not a valid model ID" is an unknown model (MB_ERR_NOT_FOUND, with the closest ids added by the caller).
#pragma once

#include <moltbot/sdk/http.hpp>
#include <moltbot/sdk/openai/errors.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <string_view>

namespace moltbot::openrouter {

// The HTTP status mapping and header look-up every HTTP provider shares (moltbot/sdk/http.hpp).
using sdk::headerValue;
using sdk::statusCode;
using sdk::openai::UpstreamFailure;

// How long the upstream asked to wait, in ms, or -1: the Retry-After header (seconds or an HTTP-date), else the
// error metadata's retry_after_seconds or copied Retry-After header, else X-RateLimit-Reset (epoch ms, header or
// metadata).
int64_t retryAfterMs(std::string_view headers, const rapidjson::Value *metadata, int64_t nowMs);

// The dialect every OpenRouter answer is read with; its messages start with "OpenRouter".
const sdk::openai::Dialect &dialect();

// A failure for an error HTTP response, classified with OpenRouter's dialect.
inline UpstreamFailure httpFailure(int32_t httpStatus, std::string_view headers, std::string_view body, int64_t nowMs) {
    return sdk::openai::httpFailure(dialect(), httpStatus, headers, body, nowMs);
}

}  // namespace moltbot::openrouter

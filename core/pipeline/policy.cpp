#include "core/pipeline/policy.hpp"

#include <moltbot/plugin.h>

#include <algorithm>

namespace moltbot::pipeline {

namespace {

enum class Kind { RateLimit, Transient, MoveOn, Fatal };

Kind kindOf(int32_t status) {
    switch (status) {
    case MB_ERR_RATE_LIMITED:
        return Kind::RateLimit;
    case MB_ERR_UNAVAILABLE:
    case MB_ERR_TIMEOUT:
    case MB_ERR_TRANSPORT:
    case MB_ERR_UPSTREAM_PROTOCOL:
        return Kind::Transient;
    case MB_ERR_INVALID_REQUEST:
    case MB_ERR_INVALID_ARGUMENT:
    case MB_ERR_CANCELLED:
        return Kind::Fatal;
    default:  // auth, payment, not found, moderation, unsupported, internal, plain http: this model will not do
        return Kind::MoveOn;
    }
}

Millis backoff(int attempt, const RetryPolicy &policy, std::mt19937 &random) {
    // Exponential with jitter in [half, full], so that parallel clients do not retry in lockstep.
    Millis full = policy.backoffBase * (1 << std::min(attempt - 1, 16));
    full = std::min(full, policy.backoffMax);
    std::uniform_int_distribution<long long> jitter(full.count() / 2, full.count());
    return Millis(jitter(random));
}

}  // namespace

Decision decide(int32_t status, int64_t retryAfterMs, int attempt, bool outputStarted, const RetryPolicy &policy,
                std::mt19937 &random) {
    if (status == MB_OK) return {};
    Kind kind = kindOf(status);
    // A failure after part of the answer was shown is reported, never silently restarted elsewhere.
    if (outputStarted || kind == Kind::Fatal) return {Action::Stop, Millis(0), false};
    if (kind == Kind::MoveOn) return {Action::NextModel, Millis(0), false};
    bool retriesLeft = attempt <= policy.maxRetries;
    if (kind == Kind::RateLimit && retryAfterMs >= 0) {
        Millis wait(retryAfterMs);
        if (wait > policy.retryAfterCap || !retriesLeft) return {Action::NextModel, Millis(0), true};
        return {Action::RetrySameModel, wait, false};
    }
    if (!retriesLeft) return {Action::NextModel, Millis(0), true};
    return {Action::RetrySameModel, backoff(attempt, policy, random), false};
}

}  // namespace moltbot::pipeline

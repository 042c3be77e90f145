// The retry and failover policy of the request pipeline (docs/pipeline.md has the table in prose).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace moltbot::pipeline {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
    int maxRetries = 2;                // further attempts on the same model after the first one
    Millis retryAfterCap{30'000};      // a Retry-After up to this is honoured; a longer one moves on at once
    Millis backoffBase{500};           // first backoff when the upstream gave no Retry-After
    Millis backoffMax{8'000};
};

enum class Action {
    Done,            // success
    RetrySameModel,  // wait `delay`, then try the same model again
    NextModel,       // give up on this model, try the next one of the chain
    Stop,            // fail now: the request itself is wrong, the user cancelled, or output was already printed
};

struct Decision {
    Action action = Action::Done;
    Millis delay{0};
    bool startsCooldown = false;  // the model should be skipped for a while (rate limit or outage)
};

// What to do after attempt number `attempt` (1-based) on one model ended with `status` (an MB_* code).
// `retryAfterMs` is the upstream's hint or -1; `outputStarted` is true once any answer text reached the user.
Decision decide(int32_t status, int64_t retryAfterMs, int attempt, bool outputStarted, const RetryPolicy &policy,
                std::mt19937 &random);

}  // namespace moltbot::pipeline

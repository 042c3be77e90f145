// The retry and failover policy as a table: every error class, with and without Retry-After, before and after output.
#include "core/pipeline/policy.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>

#include <doctest/doctest.h>

using namespace moltbot::pipeline;

namespace {

struct Row {
    int32_t status;
    int64_t retryAfterMs;
    int attempt;
    bool outputStarted;
    Action expected;
    bool cooldown;
};

}  // namespace

TEST_CASE("the policy table") {
    RetryPolicy policy;  // 2 retries, Retry-After honoured up to 30 s
    std::mt19937 random(7);
    const Row rows[] = {
        {MB_OK, -1, 1, false, Action::Done, false},
        // Rate limits retry the same model, honouring Retry-After up to the cap, then move on with a cooldown.
        {MB_ERR_RATE_LIMITED, 1'000, 1, false, Action::RetrySameModel, false},
        {MB_ERR_RATE_LIMITED, -1, 2, false, Action::RetrySameModel, false},
        {MB_ERR_RATE_LIMITED, 1'000, 3, false, Action::NextModel, true},
        {MB_ERR_RATE_LIMITED, 120'000, 1, false, Action::NextModel, true},
        // Outages, timeouts and transport errors: bounded retries, then the next model with a cooldown.
        {MB_ERR_UNAVAILABLE, -1, 1, false, Action::RetrySameModel, false},
        {MB_ERR_TIMEOUT, -1, 2, false, Action::RetrySameModel, false},
        {MB_ERR_TRANSPORT, -1, 3, false, Action::NextModel, true},
        {MB_ERR_UPSTREAM_PROTOCOL, -1, 1, false, Action::RetrySameModel, false},
        // Auth, payment, not found and moderation: this model will not do, move on at once, no cooldown.
        {MB_ERR_AUTH, -1, 1, false, Action::NextModel, false},
        {MB_ERR_PAYMENT, -1, 1, false, Action::NextModel, false},
        {MB_ERR_NOT_FOUND, -1, 1, false, Action::NextModel, false},
        {MB_ERR_MODERATION, -1, 1, false, Action::NextModel, false},
        {MB_ERR_INTERNAL, -1, 1, false, Action::NextModel, false},
        // The request itself is wrong, or the user cancelled: stop.
        {MB_ERR_INVALID_REQUEST, -1, 1, false, Action::Stop, false},
        {MB_ERR_INVALID_ARGUMENT, -1, 1, false, Action::Stop, false},
        {MB_ERR_CANCELLED, -1, 1, false, Action::Stop, false},
        // Once output reached the user nothing restarts silently, whatever the error.
        {MB_ERR_RATE_LIMITED, 1'000, 1, true, Action::Stop, false},
        {MB_ERR_UNAVAILABLE, -1, 1, true, Action::Stop, false},
        {MB_ERR_AUTH, -1, 1, true, Action::Stop, false},
    };
    for (const Row &row : rows) {
        CAPTURE(mb_status_name(row.status));
        CAPTURE(row.attempt);
        CAPTURE(row.outputStarted);
        Decision decision = decide(row.status, row.retryAfterMs, row.attempt, row.outputStarted, policy, random);
        CHECK(decision.action == row.expected);
        CHECK(decision.startsCooldown == row.cooldown);
    }
}

TEST_CASE("Retry-After is honoured exactly when under the cap") {
    std::mt19937 random(1);
    Decision decision = decide(MB_ERR_RATE_LIMITED, 1'500, 1, false, RetryPolicy{}, random);
    CHECK(decision.delay == Millis(1'500));
}

TEST_CASE("backoff without Retry-After grows and stays within [half, full] of its step") {
    RetryPolicy policy;
    policy.maxRetries = 10;
    std::mt19937 random(42);
    for (int attempt = 1; attempt <= 6; ++attempt) {
        long long full = std::min<long long>(policy.backoffBase.count() << (attempt - 1), policy.backoffMax.count());
        for (int sample = 0; sample < 50; ++sample) {
            Decision decision = decide(MB_ERR_UNAVAILABLE, -1, attempt, false, policy, random);
            REQUIRE(decision.action == Action::RetrySameModel);
            CHECK(decision.delay.count() >= full / 2);
            CHECK(decision.delay.count() <= full);
        }
    }
}

TEST_CASE("status names are stable") {
    CHECK(std::string(mb_status_name(MB_ERR_RATE_LIMITED)) == "rate_limited");
    CHECK(std::string(mb_status_name(MB_ERR_INVALID_REQUEST)) == "invalid_request");
    CHECK(std::string(mb_status_name(-999)) == "unknown");
}

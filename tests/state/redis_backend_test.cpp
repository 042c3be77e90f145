// core/state's RedisBackend as a library against a real redis-server on a free loopback port. Two backends stand for
// two gateway instances: what one admits, the other counts.
#include "core/state/redis_backend.hpp"
#include "tests/support/redis_server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using moltbot::state::Options;
using moltbot::state::RedisBackend;
using moltbot::state::Unavailable;

namespace {

int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Options redisOptions(const moltbot::test::RedisServer &redis, int64_t ttlMs = 60'000) {
    Options options;
    options.backend = "redis";
    options.redisUrl = redis.url();
    options.keyPrefix = "t:";
    options.commandTimeoutMs = 5000;
    options.reservationTtlMs = ttlMs;
    return options;
}

// `total` admissions from 16 threads spread over the backends; returns how many were admitted (never settled).
int admitMany(std::vector<RedisBackend *> backends, const moltbot::limits::Limits &limits, double worst, int total) {
    std::atomic<int> admitted{0}, failed{0}, next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            RedisBackend &backend = *backends[static_cast<std::size_t>(t) % backends.size()];
            while (next.fetch_add(1) < total) {
                try {
                    if (backend.admit("kshared", limits, worst, nowMs()).admitted) ++admitted;
                } catch (const std::exception &) {
                    ++failed;
                }
            }
        });
    }
    for (auto &thread : threads) thread.join();
    REQUIRE(failed.load() == 0);
    return admitted.load();
}

}  // namespace

TEST_CASE("two backends, 16 threads, 400 admissions: exactly the budget's and exactly the rpm's") {
    moltbot::test::RedisServer redis;
    RedisBackend one(redisOptions(redis)), two(redisOptions(redis));
    moltbot::limits::Limits budget{0.05, moltbot::limits::Period::Day, std::nullopt, std::nullopt};
    CHECK(admitMany({&one, &two}, budget, 0.001, 400) == 50);
    auto usage = one.usage({{"kshared", moltbot::limits::Period::Day}}, nowMs());
    CHECK(usage["kshared"].reservedUsd == doctest::Approx(0.05));

    moltbot::limits::Limits rpm{std::nullopt, moltbot::limits::Period::Month, 50, std::nullopt};
    redis.cli({"FLUSHALL"});
    CHECK(admitMany({&one, &two}, rpm, 0.001, 400) == 50);
    moltbot::limits::Admission refused = two.admit("kshared", rpm, 0.001, nowMs());
    CHECK_FALSE(refused.admitted);
    CHECK(refused.code == "rate_limit_requests");
    CHECK(refused.rate.remainingRequests == 0);
    CHECK(refused.retryAfterMs > 0);
    CHECK(refused.retryAfterMs <= 60'000);
}

TEST_CASE("the tpm window: refused at the limit; the reset is when enough of the oldest tokens have left it") {
    moltbot::test::RedisServer redis;
    RedisBackend backend(redisOptions(redis));
    moltbot::limits::Limits open{std::nullopt, moltbot::limits::Period::Month, std::nullopt, 1'000'000};
    auto settleOne = [&] {
        moltbot::limits::Admission admitted = backend.admit("ktpm", open, 0, nowMs());
        REQUIRE(admitted.admitted);
        backend.settle(admitted.reservation, 0, 1, nowMs());  // one token each
    };
    // 60 tokens, a pause, then 240 more: 300 in the window.
    for (int i = 0; i < 60; ++i) settleOne();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    for (int i = 0; i < 240; ++i) settleOne();

    // Under tpm 250 the window has room again once the 51 oldest tokens have left it: all from the first group.
    moltbot::limits::Limits tpm250{std::nullopt, moltbot::limits::Period::Month, std::nullopt, 250};
    moltbot::limits::Admission early = backend.admit("ktpm", tpm250, 0, nowMs());
    CHECK_FALSE(early.admitted);
    CHECK(early.code == "rate_limit_tokens");
    // Under tpm 200 it takes the 101 oldest, past the first group: later (read past the first batch of the window).
    moltbot::limits::Limits tpm200{std::nullopt, moltbot::limits::Period::Month, std::nullopt, 200};
    moltbot::limits::Admission late = backend.admit("ktpm", tpm200, 0, nowMs());
    CHECK_FALSE(late.admitted);
    CHECK(late.code == "rate_limit_tokens");
    for (const auto *refused : {&early, &late}) {
        CHECK(refused->rate.resetTokensMs > 0);
        CHECK(refused->rate.resetTokensMs <= 60'000);
    }
    CHECK(late.rate.resetTokensMs - early.rate.resetTokensMs >= 300);

    // Admitted, under the limit: the reset is the oldest entry's, as before.
    moltbot::limits::Admission under = backend.admit("ktpm", open, 0, nowMs());
    CHECK(under.admitted);
    CHECK(under.rate.resetTokensMs <= early.rate.resetTokensMs);
    backend.settle(under.reservation, 0, 0, nowMs());
}

TEST_CASE("settled spend is exact in nano-dollars and frees the reservation; the budget refusal says so") {
    moltbot::test::RedisServer redis;
    RedisBackend one(redisOptions(redis)), two(redisOptions(redis));
    moltbot::limits::Limits limits{0.01, moltbot::limits::Period::Total, std::nullopt, 1000};
    moltbot::limits::Admission first = one.admit("kexact", limits, 0.006, nowMs());
    REQUIRE(first.admitted);
    // The other instance sees the reservation: 0.006 in flight leaves 0.004.
    moltbot::limits::Admission second = two.admit("kexact", limits, 0.006, nowMs());
    CHECK_FALSE(second.admitted);
    CHECK(second.code == "budget_exceeded");
    CHECK(second.message.find("reserved by requests in flight") != std::string::npos);
    one.settle(first.reservation, 0.001234567, 120, nowMs());
    one.settle(first.reservation, 0.001234567, 120, nowMs());  // a second settle of one reservation counts nothing
    auto usage = two.usage({{"kexact", moltbot::limits::Period::Total}}, nowMs());
    CHECK(usage["kexact"].spentUsd == doctest::Approx(0.001234567).epsilon(1e-12));
    CHECK(usage["kexact"].reservedUsd == 0);
    CHECK(usage["kexact"].requests == 1);
    CHECK(usage["kexact"].lastUsedMs > 0);
    moltbot::limits::Admission third = two.admit("kexact", limits, 0.006, nowMs());
    CHECK(third.admitted);
    CHECK(third.rate.limitTokens == 1000);
    CHECK(third.rate.remainingTokens == 880);  // the 120 tokens settled are in the shared window
    two.settle(third.reservation, 0, 0, nowMs());
}

TEST_CASE("a reservation whose instance died expires after its TTL; the budget is whole again") {
    moltbot::test::RedisServer redis;
    moltbot::limits::Limits limits{0.05, moltbot::limits::Period::Day, std::nullopt, std::nullopt};
    {
        RedisBackend dying(redisOptions(redis, 400));
        REQUIRE(dying.admit("kttl", limits, 0.05, nowMs()).admitted);
        // Destroyed without settling: a SIGKILLed instance.
    }
    RedisBackend survivor(redisOptions(redis, 400));
    CHECK_FALSE(survivor.admit("kttl", limits, 0.05, nowMs()).admitted);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    CHECK(survivor.usage({{"kttl", moltbot::limits::Period::Day}}, nowMs())["kttl"].reservedUsd == 0);
    moltbot::limits::Admission again = survivor.admit("kttl", limits, 0.05, nowMs());
    CHECK(again.admitted);
    survivor.settle(again.reservation, 0.01, 0, nowMs());
}

TEST_CASE("scripts flushed from Redis (SCRIPT FLUSH, a restart) are loaded again on NOSCRIPT") {
    moltbot::test::RedisServer redis;
    RedisBackend backend(redisOptions(redis));
    moltbot::limits::Limits limits{1.0, moltbot::limits::Period::Month, std::nullopt, std::nullopt};
    REQUIRE(backend.admit("kflush", limits, 0.01, nowMs()).admitted);
    CHECK(redis.cli({"SCRIPT", "FLUSH"}).find("OK") != std::string::npos);
    moltbot::limits::Admission after = backend.admit("kflush", limits, 0.01, nowMs());
    CHECK(after.admitted);
    backend.settle(after.reservation, 0.01, 0, nowMs());
}

TEST_CASE("Redis stopped: Unavailable at once, settles kept; started again: settles replayed, service back") {
    moltbot::test::RedisServer redis(/*persistent=*/true);
    RedisBackend backend(redisOptions(redis));
    moltbot::limits::Limits limits{1.0, moltbot::limits::Period::Month, std::nullopt, std::nullopt};
    moltbot::limits::Admission inFlight = backend.admit("kdown", limits, 0.1, nowMs());
    REQUIRE(inFlight.admitted);
    REQUIRE(redis.stop());
    backend.settle(inFlight.reservation, 0.02, 10, nowMs());  // kept: Redis is away
    for (int i = 0; i < 5; ++i) {
        auto started = std::chrono::steady_clock::now();
        CHECK_THROWS_AS(backend.admit("kdown", limits, 0.1, nowMs()), Unavailable);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
    }
    CHECK_FALSE(backend.health().up);
    CHECK(backend.takeWarnings().find("unreachable") != std::string::npos);

    REQUIRE(redis.start());
    bool back = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!back && std::chrono::steady_clock::now() < deadline) {
        try {
            moltbot::limits::Admission admitted = backend.admit("kdown", limits, 0.1, nowMs());
            back = admitted.admitted;
            backend.settle(admitted.reservation, 0, 0, nowMs());
        } catch (const Unavailable &) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    REQUIRE(back);
    CHECK(backend.health().up);
    auto usage = backend.usage({{"kdown", moltbot::limits::Period::Month}}, nowMs());
    CHECK(usage["kdown"].spentUsd == doctest::Approx(0.02));
    CHECK(usage["kdown"].reservedUsd == 0);
    CHECK(usage["kdown"].requests == 2);
    std::string warnings = backend.takeWarnings();
    CHECK(warnings.find("is back") != std::string::npos);
    CHECK(warnings.find("wrote 1 settled request") != std::string::npos);
}

TEST_CASE("keys: concurrent edits through two backends all land (compare-and-set); the running view follows") {
    moltbot::test::RedisServer redis;
    RedisBackend one(redisOptions(redis)), two(redisOptions(redis));
    CHECK(one.keys()->keys.empty());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            RedisBackend &backend = t % 2 == 0 ? one : two;
            for (int i = 0; i < 5; ++i) {
                try {
                    backend.editKeys([&](std::vector<moltbot::keys::GatewayKey> &keys) {
                        keys.push_back(
                            moltbot::keys::generateKey("k" + std::to_string(t) + "-" + std::to_string(i), nowMs()).key);
                        return true;
                    });
                } catch (const std::exception &) {
                    ++failures;
                }
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(failures.load() == 0);
    CHECK(two.loadKeys().size() == 20);
    CHECK(one.keys()->keys.size() == 20);
    two.editKeys([](std::vector<moltbot::keys::GatewayKey> &keys) {
        keys[0].revokedMs = nowMs();
        return true;
    });
    CHECK(one.keys()->keys[0].revokedMs.has_value());  // seen on the next look, no restart
}

TEST_CASE("a cooldown recorded through one backend is seen by the other") {
    moltbot::test::RedisServer redis;
    RedisBackend one(redisOptions(redis)), two(redisOptions(redis));
    two.keys();
    CHECK_FALSE(two.changedCooldowns().has_value());
    auto shared = one.recordFailure("openrouter/x/y", 0, "unavailable");
    REQUIRE(shared.has_value());
    CHECK(shared->failures == 1);
    CHECK(shared->untilMs > nowMs() + 30'000);
    two.keys();  // each request looks at the versions
    auto table = two.changedCooldowns();
    REQUIRE(table.has_value());
    REQUIRE(table->count("openrouter/x/y") == 1);
    CHECK(table->at("openrouter/x/y").reason == "unavailable");
    CHECK(one.recordFailure("openrouter/x/y", 0, "unavailable")->failures == 2);
    one.recordSuccess("openrouter/x/y");
    two.keys();
    table = two.changedCooldowns();
    REQUIRE(table.has_value());
    CHECK(table->empty());
}

TEST_CASE("sticky records: shared by every instance, one hash tag per session, a TTL refreshed on use") {
    moltbot::test::RedisServer redis;
    RedisBackend one(redisOptions(redis)), two(redisOptions(redis));
    CHECK_FALSE(one.stickyRecord("abc", 1000));
    auto first = one.recordSticky("abc", {"openrouter/anthropic/claude-sonnet-4.5", "amazon-bedrock", 0}, true, 1000);
    CHECK(first.answers == 1);
    CHECK_FALSE(first.warn);
    auto seen = two.stickyRecord("abc", 1000);
    REQUIRE(seen);
    CHECK(seen->ref == "openrouter/anthropic/claude-sonnet-4.5");
    CHECK(seen->provider == "amazon-bedrock");
    CHECK(seen->answers == 1);
    // One key under the prefix, in the session's own hash tag, with its TTL.
    CHECK(redis.cli({"KEYS", "t:{s:*"}) == "t:{s:abc}:sticky\n");
    int64_t ttl = std::stoll(redis.cli({"PTTL", "t:{s:abc}:sticky"}));
    CHECK(ttl > 0);
    CHECK(ttl <= 1000);
    // The second answer that missed the cache warns, on whichever instance, once.
    CHECK(two.recordSticky("abc", {"openrouter/anthropic/claude-sonnet-4.5", "anthropic", 0}, true, 1000).warn);
    CHECK_FALSE(one.recordSticky("abc", {"openrouter/anthropic/claude-sonnet-4.5", "anthropic", 0}, true, 1000).warn);
    CHECK(one.stickyRecord("abc", 60'000)->provider == "anthropic");
    CHECK(std::stoll(redis.cli({"PTTL", "t:{s:abc}:sticky"})) > 1000);  // refreshed to the reader's TTL
    redis.cli({"PEXPIRE", "t:{s:abc}:sticky", "1"});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(one.stickyRecord("abc", 1000));
}

TEST_CASE("a sticky record with Redis down throws Unavailable (the gateway goes on unpinned)") {
    auto redis = std::make_unique<moltbot::test::RedisServer>();
    Options options = redisOptions(*redis);
    options.connectTimeoutMs = 200;
    options.commandTimeoutMs = 200;
    RedisBackend backend(options);
    redis.reset();
    CHECK_THROWS_AS(backend.stickyRecord("abc", 1000), Unavailable);
    CHECK_THROWS_AS(backend.recordSticky("abc", {"r", "p", 0}, false, 1000), Unavailable);
}

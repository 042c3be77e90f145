// The state shared by several `moltbot serve` instances through one Redis (docs/deploy.md). Every read-modify-write
// is one Lua script, loaded once per Redis and called by its SHA-1 (loaded again on NOSCRIPT), touching only keys of
// one hash tag, `{<key id>}`, so that the scripts also run on Redis Cluster. Money is counted in integer nano-USD.
//
// Keys (P = state.redis.keyPrefix):
//   P{<kid>}:acct    hash: reserved (nano-USD in flight), requests, last_used_ms, tpm_sum
//   P{<kid>}:spend   hash: d<utc day> and total, nano-USD settled
//   P{<kid>}:res     zset: reservation id -> expiry ms (Redis clock): a dead instance's reservations expire
//   P{<kid>}:resamt  hash: reservation id -> nano-USD reserved
//   P{<kid>}:rpm     zset: reservation id -> admission ms (the 60 s window)
//   P{<kid>}:tpm     zset: "<reservation id>|<tokens>" -> settle ms (the 60 s window)
//   P{<kid>}:done    zset: settled reservation ids (a replayed settle counts once), kept a day
//   P{keys}:file, P{keys}:version              the keys file's JSON and its change counter
//   P{cooldowns}:models, P{cooldowns}:version  ref -> "<until ms> <failures> <reason>", and its change counter
//   P{s:<session>}:sticky  hash: ref, provider, answers, warned; expires stickySeconds after its last use (every key
//                          of a session shares the tag {s:<session>})
//
// Never hangs: every connection has a connect and a reply timeout; after a failure a breaker refuses at once
// (Unavailable) and lets one request try again after a backoff (100 ms doubling to 2 s), so service comes back by
// itself when Redis does. Settles that could not be written are kept (up to 100 000) and replayed then.
#pragma once

#include "core/state/backend.hpp"

#include <memory>

namespace moltbot::state {

class RedisBackend : public Backend {
public:
    // Throws config::ConfigError when the URL is not redis://[:password@]host[:port][/db].
    explicit RedisBackend(const Options &options);
    ~RedisBackend() override;

    std::shared_ptr<const keys::KeySet> keys() override;
    std::vector<keys::GatewayKey> loadKeys() override;
    void editKeys(const std::function<bool(std::vector<keys::GatewayKey> &)> &change) override;
    std::string keysLocation() const override;
    limits::Admission admit(const std::string &keyId, const limits::Limits &limits, double worstCaseUsd,
                            int64_t nowMs) override;
    void settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) noexcept override;
    std::map<std::string, limits::KeyUsage> usage(const std::map<std::string, limits::Period> &periods,
                                                  int64_t nowMs) override;
    std::optional<pipeline::Cooldown> recordFailure(const std::string &ref, int64_t retryAfterMs,
                                                    const std::string &reason) noexcept override;
    void recordSuccess(const std::string &ref) noexcept override;
    std::optional<std::map<std::string, pipeline::Cooldown>> changedCooldowns() noexcept override;
    std::optional<std::map<std::string, pipeline::Cooldown>> sharedCooldowns() override;
    std::size_t clearSharedCooldowns(const std::optional<std::string> &ref) override;
    std::optional<StickyRecord> stickyRecord(const std::string &session, int64_t ttlMs) override;
    StickyAfter recordSticky(const std::string &session, const StickyRecord &served, bool cacheMissed,
                             int64_t ttlMs) override;
    Health health() override;
    std::string takeWarnings() override;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// redis://[:password@]host[:port][/db] without the password, for messages.
std::string redisDisplayUrl(const std::string &url);

}  // namespace moltbot::state

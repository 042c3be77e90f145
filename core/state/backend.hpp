// Where the state that decides who is admitted lives: the gateway keys (and their revocation), budget reservations
// and settled spend, the rate-limit windows and the model cooldowns. One Backend per process, chosen by the config's
// `state` block (docs/configuration.md, docs/deploy.md):
//   - "local" (the default): <state>/gateway-keys.json and the ledger folder, as one `moltbot serve` has always kept
//     them (core/keys, core/limits);
//   - "redis": one Redis shared by several `moltbot serve` instances, so that the limits hold across all of them
//     (core/state/redis_backend.hpp).
// The gateway (core/gateway/key_gate.hpp) and `moltbot keys` go through this interface only.
#pragma once

#include "core/keys/key_store.hpp"
#include "core/limits/ledger.hpp"
#include "core/pipeline/cooldowns.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace moltbot::config {
class Config;
}

namespace moltbot::state {

// The backend cannot answer now (Redis unreachable, a ledger folder that cannot be opened): never a refusal of the
// request itself. The gateway answers 503 with `code` and Retry-After.
struct Unavailable : std::runtime_error {
    Unavailable(std::string code, const std::string &why, int64_t retryAfterMs)
        : std::runtime_error(why), code(std::move(code)), retryAfterMs(retryAfterMs) {}
    std::string code;  // "state_unavailable", "ledger_unavailable"
    int64_t retryAfterMs;
};

// What /ready reports.
struct Health {
    std::string backend;  // "local", "redis"
    bool up = true;
    std::string detail;   // where (never a password), and why it is down
};

// Session stickiness (docs/gateway.md#session-stickiness): the upstream provider that last served a session, so that
// the session's next requests go to it and its prompt cache stays warm.
struct StickyRecord {
    std::string ref;       // the model that served, "openrouter/anthropic/claude-sonnet-4.5"
    std::string provider;  // its provider slug, "amazon-bedrock"
    int64_t answers = 0;   // answers recorded for the session
};

// What recordSticky reports after counting an answer.
struct StickyAfter {
    int64_t answers = 0;
    bool warn = false;  // the first answer of the session, from its second on, that read no cached tokens
};

class Backend {
public:
    virtual ~Backend() = default;

    // The keys as a running server sees them now: re-read when they changed, so that a key revoked anywhere is
    // refused on the next request. Throws Unavailable when the keys were never read (a closed gateway beats an open
    // one); a later failure keeps the last good set.
    virtual std::shared_ptr<const keys::KeySet> keys() = 0;
    // `moltbot keys`: a fresh read, and a read-modify-write that loses no concurrent change. Nothing is written when
    // `change` returns false or throws. Throw config::ConfigError or Unavailable.
    virtual std::vector<keys::GatewayKey> loadKeys() = 0;
    virtual void editKeys(const std::function<bool(std::vector<keys::GatewayKey> &)> &change) = 0;
    // Where the keys are kept, for messages: the keys file, or "redis://host:port/db moltbot:{keys}:file".
    virtual std::string keysLocation() const = 0;

    // The admission check of limits::Ledger::admit, atomic across every process sharing the backend. Throws
    // Unavailable; never admits when it cannot count.
    virtual limits::Admission admit(const std::string &keyId, const limits::Limits &limits, double worstCaseUsd,
                                    int64_t nowMs) = 0;
    // Ends an admitted reservation with its real cost (limits::Ledger::settle). Never throws; a settle that cannot be
    // written now is kept and written when the backend answers again.
    virtual void settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) noexcept = 0;
    // `moltbot keys list/show`: each key's figures in its period.
    virtual std::map<std::string, limits::KeyUsage> usage(const std::map<std::string, limits::Period> &periods,
                                                          int64_t nowMs) = 0;

    // Model cooldowns seen by every instance (the local backend shares nothing: it returns std::nullopt/empty).
    // recordFailure returns the shared entry after this failure, std::nullopt when not shared or unreachable.
    virtual std::optional<pipeline::Cooldown> recordFailure(const std::string &ref, int64_t retryAfterMs,
                                                            const std::string &reason) noexcept {
        (void)ref, (void)retryAfterMs, (void)reason;
        return std::nullopt;
    }
    virtual void recordSuccess(const std::string &ref) noexcept { (void)ref; }
    // The shared cooldown table when it changed since the last call (std::nullopt: unchanged, or not shared).
    virtual std::optional<std::map<std::string, pipeline::Cooldown>> changedCooldowns() noexcept { return std::nullopt; }
    // `moltbot models cooldowns`: the shared table as it is now (std::nullopt: this backend shares none, the state
    // folder's cooldowns.json is the only table). Throws Unavailable.
    virtual std::optional<std::map<std::string, pipeline::Cooldown>> sharedCooldowns() { return std::nullopt; }
    // `moltbot models cooldowns clear`: forgets the shared cooldown of `ref`, or every one (std::nullopt); returns
    // how many were forgotten. Every instance drops them on its next request. Throws Unavailable.
    virtual std::size_t clearSharedCooldowns(const std::optional<std::string> &ref) {
        (void)ref;
        return 0;
    }

    // Session stickiness. `session` is an opaque id (core/gateway/sticky.hpp). stickyRecord reads the session's
    // record and extends its life to ttlMs from now (std::nullopt: none, or expired). recordSticky records the
    // provider that served an answer (the last one wins), counts the answer and, when the answer read no cached
    // tokens though `cacheable`, says whether to warn (once per session, from its second answer on), with a life of
    // ttlMs. Both throw Unavailable when the backend cannot answer: stickiness is best effort, the caller goes on.
    virtual std::optional<StickyRecord> stickyRecord(const std::string &session, int64_t ttlMs) = 0;
    virtual StickyAfter recordSticky(const std::string &session, const StickyRecord &served, bool cacheMissed,
                                     int64_t ttlMs) = 0;

    virtual Health health() = 0;
    // Problems to log once (an unreadable keys file, a journal that cannot be written, Redis lost and back).
    virtual std::string takeWarnings() = 0;
};

// The `state` block of the config, plus what the server knows.
struct Options {
    std::string backend = "local";                      // "local" | "redis"
    std::string redisUrl = "redis://127.0.0.1:6379/0";  // MOLTBOT_REDIS_URL overrides state.redis.url
    std::string keyPrefix = "moltbot:";
    int connectTimeoutMs = 200;
    int commandTimeoutMs = 500;
    std::string onStateError = "reject";  // "reject" | "local" (per-instance limits while Redis is away)
    int instances = 1;                     // with "local": each instance admits 1/instances of each limit
    // How long a reservation outlives its instance (Redis): longer than any request may run.
    int64_t reservationTtlMs = 605'000;
    std::filesystem::path keysFile;      // local backend
    std::filesystem::path ledgerFolder;  // local backend

    // Reads config.state (validated by the schema), with the keys file and ledger folder of the state folder.
    static Options fromConfig(const config::Config &config);
};

// Opens the configured backend; connects lazily (a Redis that is down does not stop a start). Throws
// config::ConfigError for an unknown backend or a bad Redis URL.
std::unique_ptr<Backend> open(const Options &options);

}  // namespace moltbot::state

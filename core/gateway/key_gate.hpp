// Who may use the gateway, and how much: the gateway keys (core/keys), their model patterns, budgets and rate
// limits (core/limits). Without a key in the keys file every request is let through, unlimited (docs/gateway.md).
#pragma once

#include "core/gateway/api_error.hpp"
#include "core/keys/key_store.hpp"
#include "core/limits/ledger.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::gateway {

// The caller of one request: its key, when the gateway has keys.
struct Caller {
    std::shared_ptr<const keys::KeySet> keys;  // keeps `key` alive
    const keys::GatewayKey *key = nullptr;     // nullptr: the gateway has no keys
};

class KeyGate;

// One admitted request's reservation: settle() it with the real cost when the request ends. One that is never
// settled (an exception on the way) is settled at no cost: nothing is known to have been spent.
class Ticket {
public:
    Ticket() = default;
    Ticket(limits::Ledger *ledger, uint64_t reservation, double reservedUsd, limits::RateFigures rate)
        : ledger_(ledger), reservation_(reservation), reservedUsd_(reservedUsd), rate_(rate) {}
    Ticket(Ticket &&other) noexcept { *this = std::move(other); }
    Ticket &operator=(Ticket &&other) noexcept;
    ~Ticket() { settle(0, 0); }

    void settle(double costUsd, int64_t tokens);
    double reservedUsd() const { return reservedUsd_; }
    // x-ratelimit-* headers of the key's limits, as OpenAI sends them.
    std::vector<std::pair<std::string, std::string>> rateHeaders() const;

private:
    limits::Ledger *ledger_ = nullptr;
    uint64_t reservation_ = 0;
    double reservedUsd_ = 0;
    limits::RateFigures rate_;
};

class KeyGate {
public:
    KeyGate(std::filesystem::path keysFile, std::filesystem::path ledgerFolder)
        : ring_(std::move(keysFile)), ledgerFolder_(std::move(ledgerFolder)) {}

    // Whether the keys file holds at least one key (revoked ones count: the gateway stays closed).
    bool keysExist() { return !ring_.current()->keys.empty(); }
    // The caller of a request with this Authorization header. Throws a 401 ApiError when the gateway has keys and
    // the header holds no usable one.
    Caller authenticate(const std::optional<std::string> &authorization, int64_t nowMs);
    // Reserves `worstCaseUsd` against the caller's budget and counts the request in its rate windows. Throws a 429
    // ApiError (budget_exceeded, or rate_limit_exceeded with Retry-After) when it does not fit, a 503 when the
    // ledger cannot be opened. A caller without a key gets an empty ticket.
    Ticket admit(const Caller &caller, double worstCaseUsd, int64_t nowMs);
    // Problems to log once (an unreadable keys file, a journal that cannot be written).
    std::string takeWarnings();

private:
    limits::Ledger &ledger();

    keys::KeyRing ring_;
    std::filesystem::path ledgerFolder_;
    std::mutex ledgerMutex_;
    std::unique_ptr<limits::Ledger> ledger_;  // opened at the first keyed request: a server without keys needs none
};

// "20ms", "1.5s", "6m0s": the duration format of OpenAI's x-ratelimit-reset-* headers.
std::string resetDuration(int64_t ms);

}  // namespace moltbot::gateway

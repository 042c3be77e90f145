// Who may use the gateway, and how much: the gateway keys (core/keys), their model patterns, budgets and rate
// limits (core/limits), kept by the configured state backend (core/state: the state folder, or a shared Redis).
// Without a key every request is let through, unlimited (docs/gateway.md).
#pragma once

#include "core/gateway/api_error.hpp"
#include "core/keys/key_store.hpp"
#include "core/limits/ledger.hpp"
#include "core/state/backend.hpp"

#include <memory>
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
    Ticket(state::Backend *issuer, uint64_t reservation, double reservedUsd, limits::RateFigures rate)
        : issuer_(issuer), reservation_(reservation), reservedUsd_(reservedUsd), rate_(rate) {}
    Ticket(Ticket &&other) noexcept { *this = std::move(other); }
    Ticket &operator=(Ticket &&other) noexcept;
    ~Ticket() { settle(0, 0); }

    void settle(double costUsd, int64_t tokens);
    double reservedUsd() const { return reservedUsd_; }
    // x-ratelimit-* headers of the key's limits, as OpenAI sends them.
    std::vector<std::pair<std::string, std::string>> rateHeaders() const;

private:
    state::Backend *issuer_ = nullptr;
    uint64_t reservation_ = 0;
    double reservedUsd_ = 0;
    limits::RateFigures rate_;
};

class KeyGate {
public:
    explicit KeyGate(state::Backend &backend) : backend_(backend) {}

    // The caller of a request with this Authorization header. Throws a 401 ApiError when the gateway has keys and
    // the header holds no usable one.
    Caller authenticate(const std::optional<std::string> &authorization, int64_t nowMs);
    // Reserves `worstCaseUsd` against the caller's budget and counts the request in its rate windows. Throws a 429
    // ApiError (budget_exceeded, or rate_limit_exceeded with Retry-After) when it does not fit, a 503 with
    // Retry-After when the state cannot be counted (a ledger that cannot be opened, Redis unreachable). A caller
    // without a key gets an empty ticket.
    Ticket admit(const Caller &caller, double worstCaseUsd, int64_t nowMs);
    // Problems to log once (an unreadable keys file, a journal that cannot be written, Redis lost and back).
    std::string takeWarnings();
    state::Backend &backend() { return backend_; }

private:
    state::Backend &backend_;
};

// The 503 for a state backend that cannot answer.
ApiError stateUnavailable(const state::Unavailable &error);

// "20ms", "1.5s", "6m0s": the duration format of OpenAI's x-ratelimit-reset-* headers.
std::string resetDuration(int64_t ms);

}  // namespace moltbot::gateway

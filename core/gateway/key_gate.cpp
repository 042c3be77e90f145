#include "core/gateway/key_gate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace moltbot::gateway {

namespace {

ApiError unauthorized(std::string code, std::string message) {
    ApiError error;
    error.status = 401;
    error.type = "invalid_request_error";
    error.code = std::move(code);
    error.message = std::move(message);
    error.headers.emplace_back("WWW-Authenticate", "Bearer");
    return error;
}

}  // namespace

ApiError stateUnavailable(const state::Unavailable &error) {
    ApiError unavailable;
    unavailable.status = 503;
    unavailable.type = "service_unavailable_error";
    unavailable.code = error.code;
    unavailable.message = error.what();
    unavailable.retryAfterSeconds = std::max<int64_t>(1, (error.retryAfterMs + 999) / 1000);
    return unavailable;
}

std::string resetDuration(int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms < 1000) return std::to_string(ms) + "ms";
    if (ms < 60'000) {
        char text[32];
        std::snprintf(text, sizeof text, "%.3g", static_cast<double>(ms) / 1000.0);
        return std::string(text) + "s";
    }
    return std::to_string(ms / 60'000) + "m" + std::to_string((ms % 60'000) / 1000) + "s";
}

Ticket &Ticket::operator=(Ticket &&other) noexcept {
    if (this != &other) {
        settle(0, 0);
        issuer_ = std::exchange(other.issuer_, nullptr);
        reservation_ = other.reservation_;
        reservedUsd_ = other.reservedUsd_;
        rate_ = other.rate_;
    }
    return *this;
}

void Ticket::settle(double costUsd, int64_t tokens) {
    if (issuer_ == nullptr) return;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    std::exchange(issuer_, nullptr)->settle(reservation_, costUsd, tokens, now.count());
}

std::vector<std::pair<std::string, std::string>> Ticket::rateHeaders() const {
    std::vector<std::pair<std::string, std::string>> headers;
    if (rate_.limitRequests >= 0) {
        headers.emplace_back("x-ratelimit-limit-requests", std::to_string(rate_.limitRequests));
        headers.emplace_back("x-ratelimit-remaining-requests", std::to_string(rate_.remainingRequests));
        headers.emplace_back("x-ratelimit-reset-requests", resetDuration(rate_.resetRequestsMs));
    }
    if (rate_.limitTokens >= 0) {
        headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(rate_.limitTokens));
        headers.emplace_back("x-ratelimit-remaining-tokens", std::to_string(rate_.remainingTokens));
        headers.emplace_back("x-ratelimit-reset-tokens", resetDuration(rate_.resetTokensMs));
    }
    return headers;
}

Caller KeyGate::authenticate(const std::optional<std::string> &authorization, int64_t nowMs) {
    Caller caller;
    try {
        caller.keys = backend_.keys();
    } catch (const state::Unavailable &error) {
        throw stateUnavailable(error);
    }
    if (caller.keys->keys.empty()) return caller;
    std::string_view value = authorization ? std::string_view(*authorization) : std::string_view();
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) {
        throw unauthorized("missing_api_key",
                           "this gateway needs a key: send 'Authorization: Bearer mb-...' (see 'moltbot keys create')");
    }
    std::string_view secret = value.substr(kBearer.size());
    while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
    const keys::GatewayKey *key = caller.keys->find(secret);
    if (key == nullptr) throw unauthorized("invalid_api_key", "the key is not valid for this gateway");
    if (key->revokedMs) throw unauthorized("invalid_api_key", "the key '" + key->name + "' was revoked");
    if (!key->usable(nowMs)) throw unauthorized("invalid_api_key", "the key '" + key->name + "' has expired");
    caller.key = key;
    return caller;
}

Ticket KeyGate::admit(const Caller &caller, double worstCaseUsd, int64_t nowMs) {
    if (caller.key == nullptr) return {};
    const keys::GatewayKey &key = *caller.key;
    limits::Limits limits{key.budgetUsd, key.period, key.rpm, key.tpm};
    limits::Admission admission;
    try {
        admission = backend_.admit(key.id, limits, worstCaseUsd, nowMs);
    } catch (const state::Unavailable &error) {
        throw stateUnavailable(error);
    }
    Ticket ticket(admission.admitted ? &backend_ : nullptr, admission.reservation, worstCaseUsd, admission.rate);
    if (admission.admitted) return ticket;
    ApiError refused;
    refused.status = 429;
    refused.message = admission.message;
    refused.headers = ticket.rateHeaders();
    if (admission.code == "budget_exceeded") {
        refused.type = "budget_exceeded";
        refused.code = "budget_exceeded";
    } else {
        // OpenAI's shape for a rate limit: the type names the window, the code is rate_limit_exceeded.
        refused.type = admission.code == "rate_limit_requests" ? "requests" : "tokens";
        refused.code = "rate_limit_exceeded";
        refused.retryAfterSeconds = std::max<int64_t>(1, (admission.retryAfterMs + 999) / 1000);
    }
    throw refused;
}

std::string KeyGate::takeWarnings() { return backend_.takeWarnings(); }

}  // namespace moltbot::gateway

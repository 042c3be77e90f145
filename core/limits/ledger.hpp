// Spend and rate counters of the gateway keys, and the admission check that keeps them: a request reserves its
// worst-case cost and counts against the key's requests-per-minute window before it is sent, and settles to its real
// cost when it ends. Concurrent requests see each other's reservations, so a budget is never exceeded by a burst.
//
// Durable: every settle and every admission is appended to a journal in the ledger folder (one write(2) each, no
// fsync: a killed process loses nothing the kernel has), folded into a snapshot at start and when the journal grows.
// A crash loses the in-flight reservations only. docs/gateway.md describes the windows and the files.
#pragma once

#include "core/limits/period.hpp"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace moltbot::limits {

struct Limits {
    std::optional<double> budgetUsd;
    Period period = Period::Month;
    std::optional<int64_t> rpm;
    std::optional<int64_t> tpm;
};

// The x-ratelimit-* figures OpenAI sends, for the limits a key has (-1: that limit is not set).
struct RateFigures {
    int64_t limitRequests = -1, remainingRequests = -1, resetRequestsMs = -1;
    int64_t limitTokens = -1, remainingTokens = -1, resetTokensMs = -1;
};

struct Admission {
    bool admitted = false;
    std::string code;        // when refused: "budget_exceeded", "rate_limit_requests", "rate_limit_tokens"
    std::string message;     // when refused: what was exceeded and by how much, for the client
    int64_t retryAfterMs = -1;  // when refused by a rate limit: when the window has room again
    RateFigures rate;
    uint64_t reservation = 0;   // settle() it exactly once when admitted
};

// A key's figures as `keys list` shows them.
struct KeyUsage {
    double spentUsd = 0;      // settled, in the current period
    double reservedUsd = 0;   // in flight now (this process only)
    int64_t requests = 0;     // settled, all time
    int64_t lastUsedMs = 0;   // 0: never
};

class Ledger {
public:
    // Loads <folder>/ledger.json and its journal, then compacts. Throws config::ConfigError naming the file when a
    // ledger file cannot be read or written (a corrupt journal line is skipped with a warning in `warnings()`).
    // An empty folder keeps the ledger in memory only (the per-instance fallback of a shared state backend).
    explicit Ledger(std::filesystem::path folder);
    ~Ledger();
    Ledger(const Ledger &) = delete;
    Ledger &operator=(const Ledger &) = delete;

    // The admission check: refuses when the key's rpm window is full, its tpm window is at its limit, or
    // spent + reserved + `worstCaseUsd` would pass the budget; otherwise records the request in the rpm window and
    // reserves `worstCaseUsd`.
    Admission admit(const std::string &keyId, const Limits &limits, double worstCaseUsd, int64_t nowMs);
    // Ends a reservation: adds the real cost to the key's spend and `tokens` to its tpm window, and journals both.
    // A failed request settles with its cost so far (often 0).
    void settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs);

    KeyUsage usage(const std::string &keyId, Period period, int64_t nowMs);
    // Problems met while loading or journalling (a full disk): the server logs them; requests go on.
    std::string takeWarnings();

    // The figures of a ledger folder without opening it for writing (`moltbot keys list`).
    static std::map<std::string, KeyUsage> read(const std::filesystem::path &folder, const std::map<std::string, Period> &periods,
                                                int64_t nowMs);

private:
    struct Account;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// <state>/ledger
std::filesystem::path ledgerFolder();

// The refusal texts of an admission, shared by every state backend (core/state) so that clients read the same words.
std::string rateLimitMessage(int64_t limit, const char *unit, int64_t resetMs);
std::string budgetMessage(const Limits &limits, double spentUsd, double reservedUsd, double worstCaseUsd);

}  // namespace moltbot::limits

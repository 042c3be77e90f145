// Per-model cooldowns: a model that failed with a rate limit or an outage is skipped for a while. The table is kept
// in <state dir>/cooldowns.json so that the next invocation knows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::pipeline {

struct Cooldown {
    int64_t untilMs = 0;     // epoch milliseconds
    int failures = 0;        // consecutive failures; the wait grows with them
    std::string reason;      // "rate_limited", "unavailable", ...
};

class Cooldowns {
public:
    // Reads the saved table; text that is not a valid table gives an empty one (it is only a cache of failures).
    static Cooldowns parse(std::string_view json);
    std::string serialize() const;

    // The wait after the n-th consecutive failure: 1 min, 5 min, 25 min, then 1 h; never shorter than the upstream's
    // Retry-After.
    static int64_t waitMs(int failures, int64_t retryAfterMs);

    void recordFailure(const std::string &ref, int64_t nowMs, int64_t retryAfterMs, const std::string &reason);
    void recordSuccess(const std::string &ref);
    // Puts an entry as another process recorded it (a shared table: core/state).
    void set(const std::string &ref, Cooldown entry) { entries_[ref] = std::move(entry); }
    // The cooldown of `ref` if it is still running at nowMs.
    std::optional<Cooldown> active(const std::string &ref, int64_t nowMs) const;
    // The entries still running at nowMs, the soonest to end first.
    std::vector<std::pair<std::string, Cooldown>> running(int64_t nowMs) const;
    // Forgets `ref` (running or not, its failure count too); false when the table had no entry for it.
    bool clear(const std::string &ref);
    // Forgets every entry; returns how many there were.
    std::size_t clearAll();
    // Drops entries whose cooldown ended more than a day ago, so the file stays small.
    void prune(int64_t nowMs);
    const std::map<std::string, Cooldown> &entries() const { return entries_; }

private:
    std::map<std::string, Cooldown> entries_;
};

}  // namespace moltbot::pipeline

// The cooldown table shared by every request of a process (the CLI's one request, the gateway's many at once),
// kept in <state dir>/cooldowns.json so that the next process knows. Thread-safe.
#pragma once

#include "core/pipeline/cooldowns.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace moltbot::pipeline {

// A copy of the table shared with other processes (core/state: Redis), so that one gateway's cooldown is every
// gateway's. Called outside the store's lock; `failed` returns the shared entry after this failure (its failure
// count is the sum over the processes), or std::nullopt when the shared table cannot be reached.
struct CooldownMirror {
    std::function<std::optional<Cooldown>(const std::string &ref, int64_t retryAfterMs, const std::string &reason)> failed;
    std::function<void(const std::string &ref)> succeeded;
};

class CooldownStore {
public:
    // Reads `file` when it exists; an unreadable or damaged table starts empty (it is only a cache of failures).
    // An empty path keeps the table in memory only.
    explicit CooldownStore(std::filesystem::path file = {});

    std::optional<Cooldown> active(const std::string &ref, int64_t nowMs) const;
    // Puts `ref` in cooldown (the next step of its ladder) and tells the listener, outside the lock.
    void recordFailure(const std::string &ref, int64_t nowMs, int64_t retryAfterMs, const std::string &reason);
    // Called for every cooldown started (the gateway counts them). Set before the store is shared.
    void onFailure(std::function<void(const std::string &ref)> listener) { listener_ = std::move(listener); }
    void recordSuccess(const std::string &ref);
    Cooldowns snapshot() const;
    // Shares failures and recoveries through `mirror`. Set before the store is shared.
    void mirror(CooldownMirror mirror) { mirror_ = std::move(mirror); }
    // The shared table as read from the mirror's side: it replaces this process's entries.
    void replace(const std::map<std::string, Cooldown> &shared);
    // Cooldowns::clear and clearAll; the next save() writes the change (moltbot models cooldowns clear).
    bool clear(const std::string &ref);
    std::size_t clearAll();

    // Writes the table atomically when it changed since the last save. Returns "" or why it could not be written
    // (the caller warns; a lost cooldown only costs a retry).
    std::string save(int64_t nowMs);

private:
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    Cooldowns table_;
    std::string saved_;
    std::function<void(const std::string &ref)> listener_;
    CooldownMirror mirror_;
    bool changed_ = false;  // a failure recorded, or an entry cleared, since the last save
};

}  // namespace moltbot::pipeline

// The cooldown table shared by every request of a process (the CLI's one request, the gateway's many at once),
// kept in <state dir>/cooldowns.json so that the next process knows. Thread-safe.
#pragma once

#include "core/pipeline/cooldowns.hpp"

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace moltbot::pipeline {

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
    bool changed_ = false;  // a failure recorded, or an entry cleared, since the last save
};

}  // namespace moltbot::pipeline

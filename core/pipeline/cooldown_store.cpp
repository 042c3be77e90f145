#include "core/pipeline/cooldown_store.hpp"

#include "core/config/files.hpp"

namespace moltbot::pipeline {

CooldownStore::CooldownStore(std::filesystem::path file) : file_(std::move(file)) {
    if (!file_.empty()) {
        try {
            if (auto text = config::readFileIfExists(file_)) table_ = Cooldowns::parse(*text);
        } catch (const std::exception &) {
            // An unreadable cooldown table only costs a retry; it never stops a request.
        }
    }
    saved_ = table_.serialize();
}

std::optional<Cooldown> CooldownStore::active(const std::string &ref, int64_t nowMs) const {
    std::lock_guard lock(mutex_);
    return table_.active(ref, nowMs);
}

void CooldownStore::recordFailure(const std::string &ref, int64_t nowMs, int64_t retryAfterMs,
                                  const std::string &reason) {
    {
        std::lock_guard lock(mutex_);
        table_.recordFailure(ref, nowMs, retryAfterMs, reason);
        changed_ = true;
    }
    if (mirror_.failed) {
        if (std::optional<Cooldown> shared = mirror_.failed(ref, retryAfterMs, reason)) {
            std::lock_guard lock(mutex_);
            table_.set(ref, *shared);
        }
    }
    if (listener_) listener_(ref);
}

void CooldownStore::recordSuccess(const std::string &ref) {
    bool had = false;
    {
        std::lock_guard lock(mutex_);
        had = table_.entries().count(ref) != 0;
        if (had) changed_ = true;
        table_.recordSuccess(ref);
    }
    // Only a model that was cooling down costs a call to the shared table: a success is every other request.
    if (had && mirror_.succeeded) mirror_.succeeded(ref);
}

void CooldownStore::replace(const std::map<std::string, Cooldown> &shared) {
    std::lock_guard lock(mutex_);
    Cooldowns fresh;
    for (const auto &[ref, entry] : shared) fresh.set(ref, entry);
    table_ = std::move(fresh);
    changed_ = true;
}

Cooldowns CooldownStore::snapshot() const {
    std::lock_guard lock(mutex_);
    return table_;
}

bool CooldownStore::clear(const std::string &ref) {
    std::lock_guard lock(mutex_);
    bool cleared = table_.clear(ref);
    changed_ = changed_ || cleared;
    return cleared;
}

std::size_t CooldownStore::clearAll() {
    std::lock_guard lock(mutex_);
    std::size_t count = table_.clearAll();
    changed_ = changed_ || count != 0;
    return count;
}

std::string CooldownStore::save(int64_t nowMs) {
    std::lock_guard lock(mutex_);
    std::size_t before = table_.entries().size();
    table_.prune(nowMs);
    // The gateway saves after every request: nothing is serialised unless the table changed since the last save.
    if (!changed_ && table_.entries().size() == before) return {};
    changed_ = false;
    std::string text = table_.serialize();
    if (file_.empty() || text == saved_) return {};
    try {
        config::ensurePrivateFolder(file_.parent_path());
        config::writeFileAtomic(file_, text, config::WriteOptions{false});
        saved_ = std::move(text);
        return {};
    } catch (const std::exception &error) {
        return error.what();
    }
}

}  // namespace moltbot::pipeline

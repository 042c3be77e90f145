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
    if (listener_) listener_(ref);
}

void CooldownStore::recordSuccess(const std::string &ref) {
    std::lock_guard lock(mutex_);
    if (table_.entries().count(ref) != 0) changed_ = true;
    table_.recordSuccess(ref);
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

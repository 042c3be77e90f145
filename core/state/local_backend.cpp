#include "core/state/local_backend.hpp"

#include <chrono>

namespace moltbot::state {

limits::Ledger &LocalBackend::ledger() {
    std::lock_guard lock(ledgerMutex_);
    if (!ledger_) {
        try {
            ledger_ = std::make_unique<limits::Ledger>(ledgerFolder_);
        } catch (const std::exception &error) {
            throw Unavailable("ledger_unavailable", std::string("the gateway cannot count spend for its keys: ") + error.what(),
                              1000);
        }
    }
    return *ledger_;
}

limits::Admission LocalBackend::admit(const std::string &keyId, const limits::Limits &limits, double worstCaseUsd,
                                      int64_t nowMs) {
    return ledger().admit(keyId, limits, worstCaseUsd, nowMs);
}

void LocalBackend::settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) noexcept {
    limits::Ledger *book = nullptr;
    {
        std::lock_guard lock(ledgerMutex_);
        book = ledger_.get();
    }
    if (book == nullptr) return;
    try {
        book->settle(reservation, costUsd, tokens, nowMs);
    } catch (...) {
        // Out of memory while journalling: the reservation is gone with the process at worst.
    }
}

std::map<std::string, limits::KeyUsage> LocalBackend::usage(const std::map<std::string, limits::Period> &periods,
                                                            int64_t nowMs) {
    return limits::Ledger::read(ledgerFolder_, periods, nowMs);
}

namespace {

int64_t steadyNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::optional<StickyRecord> LocalBackend::stickyRecord(const std::string &session, int64_t ttlMs) {
    int64_t now = steadyNowMs();
    std::lock_guard lock(stickyMutex_);
    auto found = sticky_.find(session);
    if (found == sticky_.end()) return std::nullopt;
    if (found->second.expiresMs <= now) {
        sticky_.erase(found);
        return std::nullopt;
    }
    found->second.expiresMs = now + ttlMs;
    return found->second.record;
}

StickyAfter LocalBackend::recordSticky(const std::string &session, const StickyRecord &served, bool cacheMissed,
                                       int64_t ttlMs) {
    int64_t now = steadyNowMs();
    std::lock_guard lock(stickyMutex_);
    auto found = sticky_.find(session);
    if (found != sticky_.end() && found->second.expiresMs <= now) {
        sticky_.erase(found);
        found = sticky_.end();
    }
    if (found == sticky_.end()) {
        if (sticky_.size() >= kMaxStickySessions) {
            std::erase_if(sticky_, [&](const auto &entry) { return entry.second.expiresMs <= now; });
            if (sticky_.size() >= kMaxStickySessions) {
                auto oldest = sticky_.begin();
                for (auto it = sticky_.begin(); it != sticky_.end(); ++it) {
                    if (it->second.expiresMs < oldest->second.expiresMs) oldest = it;
                }
                sticky_.erase(oldest);
            }
        }
        found = sticky_.emplace(session, Sticky{}).first;
    }
    Sticky &entry = found->second;
    entry.record.ref = served.ref;
    entry.record.provider = served.provider;
    ++entry.record.answers;
    entry.expiresMs = now + ttlMs;
    StickyAfter after;
    after.answers = entry.record.answers;
    if (cacheMissed && entry.record.answers >= 2 && !entry.warned) {
        entry.warned = true;
        after.warn = true;
    }
    return after;
}

std::string LocalBackend::takeWarnings() {
    std::string warnings = ring_.takeProblem();
    if (!warnings.empty()) warnings = "warning: " + warnings + "\n";
    std::lock_guard lock(ledgerMutex_);
    if (ledger_) warnings += ledger_->takeWarnings();
    return warnings;
}

}  // namespace moltbot::state

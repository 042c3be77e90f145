#include "core/state/local_backend.hpp"

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

std::string LocalBackend::takeWarnings() {
    std::string warnings = ring_.takeProblem();
    if (!warnings.empty()) warnings = "warning: " + warnings + "\n";
    std::lock_guard lock(ledgerMutex_);
    if (ledger_) warnings += ledger_->takeWarnings();
    return warnings;
}

}  // namespace moltbot::state

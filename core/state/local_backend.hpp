// The state of one `moltbot serve`, in its state folder: the keys file (re-read when it changes) and the ledger
// (opened at the first keyed request: a server without keys needs none). Nothing is shared with other processes.
#pragma once

#include "core/state/backend.hpp"

#include <mutex>
#include <unordered_map>

namespace moltbot::state {

class LocalBackend : public Backend {
public:
    LocalBackend(std::filesystem::path keysFile, std::filesystem::path ledgerFolder)
        : keysFile_(keysFile), ring_(std::move(keysFile)), ledgerFolder_(std::move(ledgerFolder)) {}

    std::shared_ptr<const keys::KeySet> keys() override { return ring_.current(); }
    std::vector<keys::GatewayKey> loadKeys() override { return keys::loadKeys(keysFile_); }
    void editKeys(const std::function<bool(std::vector<keys::GatewayKey> &)> &change) override {
        keys::editKeys(keysFile_, change);
    }
    std::string keysLocation() const override { return keysFile_.string(); }
    limits::Admission admit(const std::string &keyId, const limits::Limits &limits, double worstCaseUsd,
                            int64_t nowMs) override;
    void settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) noexcept override;
    std::map<std::string, limits::KeyUsage> usage(const std::map<std::string, limits::Period> &periods,
                                                  int64_t nowMs) override;
    std::optional<StickyRecord> stickyRecord(const std::string &session, int64_t ttlMs) override;
    StickyAfter recordSticky(const std::string &session, const StickyRecord &served, bool cacheMissed,
                             int64_t ttlMs) override;
    Health health() override { return {"local", true, ledgerFolder_.string()}; }
    // At most this many sessions are remembered; past it the expired ones go, then the oldest.
    static constexpr std::size_t kMaxStickySessions = 100'000;
    std::string takeWarnings() override;

private:
    limits::Ledger &ledger();

    std::filesystem::path keysFile_;
    keys::KeyRing ring_;
    std::filesystem::path ledgerFolder_;
    std::mutex ledgerMutex_;
    std::unique_ptr<limits::Ledger> ledger_;

    struct Sticky {
        StickyRecord record;
        bool warned = false;
        int64_t expiresMs = 0;  // steady clock
    };
    std::mutex stickyMutex_;
    std::unordered_map<std::string, Sticky> sticky_;
};

}  // namespace moltbot::state

#include "core/limits/ledger.hpp"

#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/paths.hpp"

#include <rapidjson/document.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

namespace moltbot::limits {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kWindowMs = 60'000;
constexpr double kCentFraction = 1e-9;  // float noise allowed when a budget is compared: a billionth of a dollar
constexpr off_t kCompactAt = off_t{8} << 20;  // the journal is folded into the snapshot past 8 MiB

fs::path snapshotPath(const fs::path &folder) { return folder / "ledger.json"; }
fs::path journalPath(const fs::path &folder, int64_t generation) {
    return folder / ("journal-" + std::to_string(generation) + ".log");
}

std::string money(double usd) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, usd < 0.01 && usd > 0 ? "$%.6f" : "$%.4f", usd);
    return buffer;
}

}  // namespace

// A key's settled figures and its live windows.
struct Ledger::Account {
    std::map<int64_t, double> spentByDay;  // UTC day -> USD
    int64_t requests = 0;
    int64_t lastUsedMs = 0;
    double reservedUsd = 0;
    std::deque<int64_t> admissions;                    // rpm window: admission times
    std::deque<std::pair<int64_t, int64_t>> tokens;    // tpm window: (settle time, tokens)
    int64_t windowTokens = 0;

    double spentIn(Period period, int64_t nowMs) const {
        int64_t from = periodStartDay(period, utcDay(nowMs));
        double sum = 0;
        for (auto it = spentByDay.lower_bound(from); it != spentByDay.end(); ++it) sum += it->second;
        return sum;
    }
    void prune(int64_t nowMs) {
        while (!admissions.empty() && admissions.front() <= nowMs - kWindowMs) admissions.pop_front();
        while (!tokens.empty() && tokens.front().first <= nowMs - kWindowMs) {
            windowTokens -= tokens.front().second;
            tokens.pop_front();
        }
    }
};

struct Ledger::Impl {
    fs::path folder;
    std::mutex mutex;
    std::unordered_map<std::string, Account> accounts;
    struct Reservation {
        std::string keyId;
        double usd = 0;
    };
    std::unordered_map<uint64_t, Reservation> reservations;
    uint64_t nextReservation = 1;
    int64_t generation = 0;
    int journal = -1;
    int lock = -1;
    off_t journalBytes = 0;
    std::string warnings;
    bool journalFailing = false;

    // Applies one journal line; false when it is not one.
    bool apply(std::string_view line, int64_t nowMs) {
        std::istringstream fields{std::string(line)};
        std::string kind, keyId;
        int64_t timeMs = 0;
        if (!(fields >> kind >> keyId >> timeMs) || keyId.empty()) return false;
        Account &account = accounts[keyId];
        if (kind == "a") {
            if (timeMs > nowMs - kWindowMs) account.admissions.push_back(timeMs);
            return true;
        }
        double usd = 0;
        int64_t count = 0;
        if (kind == "t") {  // a tpm window entry carried over by a compaction: its spend is in the snapshot
            if (!(fields >> count)) return false;
            if (timeMs > nowMs - kWindowMs && count > 0) {
                account.tokens.emplace_back(timeMs, count);
                account.windowTokens += count;
            }
            return true;
        }
        if (kind != "s" || !(fields >> usd >> count) || !std::isfinite(usd)) return false;
        account.spentByDay[utcDay(timeMs)] += usd;
        account.requests += 1;
        account.lastUsedMs = std::max(account.lastUsedMs, timeMs);
        if (timeMs > nowMs - kWindowMs && count > 0) {
            account.tokens.emplace_back(timeMs, count);
            account.windowTokens += count;
        }
        return true;
    }

    // Reads the snapshot (generation and settled figures) and replays its journal.
    void load(int64_t nowMs) {
        fs::path snapshot = snapshotPath(folder);
        if (std::optional<std::string> text = config::readFileIfExists(snapshot)) {
            rapidjson::Document document;
            config::parseJson5(*text, document, snapshot.string());
            auto bad = [&](const std::string &what) {
                return config::ConfigError("key ledger " + snapshot.string() + ": " + what);
            };
            if (!document.IsObject() || !document.HasMember("generation") || !document["generation"].IsInt64()) {
                throw bad("expected an object with an integer \"generation\"");
            }
            generation = document["generation"].GetInt64();
            if (document.HasMember("accounts") && document["accounts"].IsObject()) {
                for (const auto &entry : document["accounts"].GetObject()) {
                    if (!entry.value.IsObject()) throw bad("account " + std::string(entry.name.GetString()) + " is not an object");
                    Account &account = accounts[entry.name.GetString()];
                    const rapidjson::Value &value = entry.value;
                    if (value.HasMember("requests") && value["requests"].IsInt64()) account.requests = value["requests"].GetInt64();
                    if (value.HasMember("lastUsedMs") && value["lastUsedMs"].IsInt64()) {
                        account.lastUsedMs = value["lastUsedMs"].GetInt64();
                    }
                    if (value.HasMember("spentByDay") && value["spentByDay"].IsObject()) {
                        for (const auto &day : value["spentByDay"].GetObject()) {
                            if (!day.value.IsNumber()) throw bad("a spentByDay value is not a number");
                            account.spentByDay[std::stoll(day.name.GetString())] += day.value.GetDouble();
                        }
                    }
                }
            }
        }
        std::optional<std::string> lines = config::readFileIfExists(journalPath(folder, generation), std::size_t{1} << 30);
        if (!lines) return;
        std::size_t skipped = 0;
        std::size_t start = 0;
        while (start < lines->size()) {
            std::size_t end = lines->find('\n', start);
            if (end == std::string::npos) {
                ++skipped;  // a torn last line (the disk filled mid-write): it never settled
                break;
            }
            if (end > start && !apply(std::string_view(*lines).substr(start, end - start), nowMs)) ++skipped;
            start = end + 1;
        }
        if (skipped > 0) {
            warnings += "key ledger " + journalPath(folder, generation).string() + ": skipped " + std::to_string(skipped) +
                        " unreadable line(s)\n";
        }
    }

    std::string snapshotJson() const {
        std::string out = "{\n  \"version\": 1,\n  \"generation\": " + std::to_string(generation) + ",\n  \"accounts\": {";
        bool first = true;
        for (const auto &[id, account] : accounts) {
            out += first ? "\n" : ",\n";
            first = false;
            out += "    \"" + id + "\": {\"requests\": " + std::to_string(account.requests) +
                   ", \"lastUsedMs\": " + std::to_string(account.lastUsedMs) + ", \"spentByDay\": {";
            bool firstDay = true;
            for (const auto &[day, usd] : account.spentByDay) {
                char value[40];
                std::snprintf(value, sizeof value, "%.17g", usd);
                out += (firstDay ? "\"" : ", \"") + std::to_string(day) + "\": " + value;
                firstDay = false;
            }
            out += "}}";
        }
        out += "\n  }\n}\n";
        return out;
    }

    // Writes the settled figures as the next generation's snapshot, starts that generation's journal with the live
    // window entries, and removes the old journal. A crash at any point leaves either the old snapshot and journal
    // or the new ones: never both counted, never neither.
    void compact(int64_t nowMs) {
        int64_t old = generation;
        generation = old + 1;
        try {
            config::writeFileAtomic(snapshotPath(folder), snapshotJson(), {.backup = false});
        } catch (...) {
            generation = old;
            throw;
        }
        if (journal >= 0) ::close(journal);
        journal = ::open(journalPath(folder, generation).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (journal < 0) {
            throw config::ConfigError("cannot open the key ledger journal " + journalPath(folder, generation).string() +
                                      ": " + std::strerror(errno));
        }
        journalBytes = 0;
        std::string live;
        for (auto &[id, account] : accounts) {
            account.prune(nowMs);
            for (int64_t at : account.admissions) live += "a " + id + " " + std::to_string(at) + "\n";
            // Token entries of the window carry no cost: their spend is in the snapshot already.
            for (const auto &[at, count] : account.tokens) {
                live += "t " + id + " " + std::to_string(at) + " " + std::to_string(count) + "\n";
            }
        }
        if (!live.empty()) append(live);
        std::error_code ignored;
        fs::remove(journalPath(folder, old), ignored);
    }

    void append(const std::string &line) {
        if (folder.empty()) return;  // a ledger in memory only
        ssize_t written = ::write(journal, line.data(), line.size());
        if (written == static_cast<ssize_t>(line.size())) {
            journalBytes += written;
            journalFailing = false;
            return;
        }
        if (!journalFailing) {
            warnings += "warning: cannot write the key ledger journal (" +
                        std::string(written < 0 ? std::strerror(errno) : "short write") +
                        "): spend is counted in memory only until it can\n";
        }
        journalFailing = true;
    }
};

fs::path ledgerFolder() { return config::stateDir() / "ledger"; }

std::string rateLimitMessage(int64_t limit, const char *unit, int64_t resetMs) {
    return "rate limit reached: " + std::to_string(limit) + " " + unit + " per minute for this key; try again in " +
           std::to_string((resetMs + 999) / 1000) + " s";
}

std::string budgetMessage(const Limits &limits, double spentUsd, double reservedUsd, double worstCaseUsd) {
    double remaining = limits.budgetUsd.value_or(0) - spentUsd - reservedUsd;
    std::string per = limits.period == Period::Total ? "in total" : "per " + std::string(periodName(limits.period));
    return "budget exceeded: this key may spend " + money(limits.budgetUsd.value_or(0)) + " " + per + "; " +
           money(spentUsd) + " spent and " + money(reservedUsd) + " reserved by requests in flight leave " +
           money(std::max(0.0, remaining)) + ", and this request may cost up to " + money(worstCaseUsd);
}

Ledger::Ledger(fs::path folder) : impl_(std::make_unique<Impl>()) {
    impl_->folder = std::move(folder);
    if (impl_->folder.empty()) return;  // in memory only: no files, no lock
    config::ensurePrivateFolder(impl_->folder);
    fs::path lockPath = impl_->folder / "ledger.lock";
    impl_->lock = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (impl_->lock < 0) {
        throw config::ConfigError("cannot open " + lockPath.string() + ": " + std::strerror(errno));
    }
    // One process writes a ledger: two servers on one state folder would each admit against half the truth.
    if (::flock(impl_->lock, LOCK_EX | LOCK_NB) != 0) {
        ::close(impl_->lock);
        throw config::ConfigError("the key ledger " + impl_->folder.string() +
                                  " is in use by another moltbot serve; run each server with its own state folder "
                                  "(MOLTBOT_STATE_DIR), or share state through Redis (docs/deploy.md)");
    }
    int64_t now = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    try {
        impl_->load(now);
        impl_->compact(now);
    } catch (...) {
        if (impl_->journal >= 0) ::close(impl_->journal);
        ::close(impl_->lock);
        throw;
    }
}

Ledger::~Ledger() {
    if (impl_->journal >= 0) ::close(impl_->journal);
    if (impl_->lock >= 0) ::close(impl_->lock);
}

Admission Ledger::admit(const std::string &keyId, const Limits &limits, double worstCaseUsd, int64_t nowMs) {
    std::lock_guard lock(impl_->mutex);
    Account &account = impl_->accounts[keyId];
    account.prune(nowMs);
    Admission admission;
    RateFigures &rate = admission.rate;
    if (limits.rpm) {
        rate.limitRequests = *limits.rpm;
        rate.remainingRequests = std::max<int64_t>(0, *limits.rpm - static_cast<int64_t>(account.admissions.size()));
        rate.resetRequestsMs = account.admissions.empty() ? 0 : account.admissions.front() + kWindowMs - nowMs;
    }
    if (limits.tpm) {
        rate.limitTokens = *limits.tpm;
        rate.remainingTokens = std::max<int64_t>(0, *limits.tpm - account.windowTokens);
        // The window has room again once enough of its oldest entries leave it.
        int64_t over = account.windowTokens - *limits.tpm;
        rate.resetTokensMs = 0;
        for (const auto &[at, count] : account.tokens) {
            rate.resetTokensMs = at + kWindowMs - nowMs;
            over -= count;
            if (over < 0) break;
        }
    }
    auto refuse = [&](const char *code, int64_t limit, const char *unit, int64_t resetMs) {
        admission.code = code;
        admission.retryAfterMs = resetMs;
        admission.message = rateLimitMessage(limit, unit, resetMs);
        return admission;
    };
    if (limits.rpm && rate.remainingRequests == 0) {
        return refuse("rate_limit_requests", *limits.rpm, "requests", rate.resetRequestsMs);
    }
    if (limits.tpm && rate.remainingTokens == 0) return refuse("rate_limit_tokens", *limits.tpm, "tokens", rate.resetTokensMs);
    if (limits.budgetUsd) {
        double spent = account.spentIn(limits.period, nowMs);
        double remaining = *limits.budgetUsd - spent - account.reservedUsd;
        if (worstCaseUsd > remaining + kCentFraction) {
            admission.code = "budget_exceeded";
            admission.message = budgetMessage(limits, spent, account.reservedUsd, worstCaseUsd);
            return admission;
        }
    }
    admission.admitted = true;
    if (limits.rpm) {
        account.admissions.push_back(nowMs);
        rate.remainingRequests -= 1;
        if (rate.resetRequestsMs == 0) rate.resetRequestsMs = kWindowMs;
        impl_->append("a " + keyId + " " + std::to_string(nowMs) + "\n");
    }
    account.reservedUsd += worstCaseUsd;
    admission.reservation = impl_->nextReservation++;
    impl_->reservations.emplace(admission.reservation, Impl::Reservation{keyId, worstCaseUsd});
    return admission;
}

void Ledger::settle(uint64_t reservation, double costUsd, int64_t tokens, int64_t nowMs) {
    std::lock_guard lock(impl_->mutex);
    auto found = impl_->reservations.find(reservation);
    if (found == impl_->reservations.end()) return;  // settled already: never count twice
    std::string keyId = std::move(found->second.keyId);
    double reserved = found->second.usd;
    impl_->reservations.erase(found);
    Account &account = impl_->accounts[keyId];
    account.reservedUsd = std::max(0.0, account.reservedUsd - reserved);
    if (!std::isfinite(costUsd) || costUsd < 0) costUsd = 0;
    account.spentByDay[utcDay(nowMs)] += costUsd;
    account.requests += 1;
    account.lastUsedMs = std::max(account.lastUsedMs, nowMs);
    if (tokens > 0) {
        account.tokens.emplace_back(nowMs, tokens);
        account.windowTokens += tokens;
    }
    char line[160];
    std::snprintf(line, sizeof line, " %lld %.17g %lld\n", static_cast<long long>(nowMs), costUsd,
                  static_cast<long long>(std::max<int64_t>(0, tokens)));
    impl_->append("s " + keyId + line);
    if (impl_->journalBytes > kCompactAt) {
        try {
            impl_->compact(nowMs);
        } catch (const std::exception &error) {
            impl_->warnings += std::string("warning: could not compact the key ledger: ") + error.what() + "\n";
        }
    }
}

KeyUsage Ledger::usage(const std::string &keyId, Period period, int64_t nowMs) {
    std::lock_guard lock(impl_->mutex);
    KeyUsage usage;
    auto found = impl_->accounts.find(keyId);
    if (found == impl_->accounts.end()) return usage;
    usage.spentUsd = found->second.spentIn(period, nowMs);
    usage.reservedUsd = found->second.reservedUsd;
    usage.requests = found->second.requests;
    usage.lastUsedMs = found->second.lastUsedMs;
    return usage;
}

std::string Ledger::takeWarnings() {
    std::lock_guard lock(impl_->mutex);
    return std::exchange(impl_->warnings, std::string());
}

std::map<std::string, KeyUsage> Ledger::read(const fs::path &folder, const std::map<std::string, Period> &periods,
                                            int64_t nowMs) {
    std::map<std::string, KeyUsage> out;
    // A running server may compact between reading the snapshot and its journal: read again when the journal of
    // the generation read is gone.
    for (int attempt = 0; attempt < 5; ++attempt) {
        Impl impl;
        impl.folder = folder;
        impl.load(nowMs);
        std::error_code error;
        if (impl.generation > 0 && !fs::exists(journalPath(folder, impl.generation), error)) continue;
        for (const auto &[id, account] : impl.accounts) {
            KeyUsage &usage = out[id];
            auto period = periods.find(id);
            usage.spentUsd = account.spentIn(period == periods.end() ? Period::Total : period->second, nowMs);
            usage.requests = account.requests;
            usage.lastUsedMs = account.lastUsedMs;
        }
        break;
    }
    return out;
}

}  // namespace moltbot::limits

// The ledger behind gateway key budgets and rate limits: reservations that concurrent requests see, exact rpm
// windows, tpm windows, and spend that survives a restart and a kill without being counted twice.
#include "core/config/files.hpp"
#include "core/limits/ledger.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace moltbot::limits;
using moltbot::test::TempDir;

namespace {

constexpr int64_t kNow = 1'796'477'400'000;  // 2026-12-05 13:30 UTC
constexpr int64_t kDay = 86'400'000;

Limits budget(double usd, Period period = Period::Month) {
    Limits limits;
    limits.budgetUsd = usd;
    limits.period = period;
    return limits;
}

int64_t wallNow() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

TEST_CASE("reservations count against the budget before anything settles") {
    TempDir dir;
    Ledger ledger(dir.path() / "ledger");
    std::vector<uint64_t> admitted;
    for (int i = 0; i < 4; ++i) {
        Admission admission = ledger.admit("k1", budget(1.0), 0.3, kNow);
        if (admission.admitted) admitted.push_back(admission.reservation);
        if (i == 3) {
            CHECK_FALSE(admission.admitted);
            CHECK(admission.code == "budget_exceeded");
            CHECK(admission.message.find("$1.0000 per month") != std::string::npos);
            CHECK(admission.message.find("$0.9000 reserved") != std::string::npos);
        }
    }
    REQUIRE(admitted.size() == 3);
    // One ends cheaper than reserved: what it did not spend is free again.
    ledger.settle(admitted[0], 0.1, 50, kNow);
    CHECK(ledger.usage("k1", Period::Month, kNow).spentUsd == doctest::Approx(0.1));
    CHECK(ledger.usage("k1", Period::Month, kNow).reservedUsd == doctest::Approx(0.6));
    CHECK(ledger.admit("k1", budget(1.0), 0.3, kNow).admitted);
    CHECK_FALSE(ledger.admit("k1", budget(1.0), 0.01, kNow).admitted);
    // Settling twice counts once.
    ledger.settle(admitted[0], 0.1, 50, kNow);
    CHECK(ledger.usage("k1", Period::Month, kNow).spentUsd == doctest::Approx(0.1));
    CHECK(ledger.usage("k1", Period::Month, kNow).requests == 1);
    // Another key has its own budget.
    CHECK(ledger.admit("k2", budget(1.0), 0.9, kNow).admitted);
}

TEST_CASE("a budget counts the spend of its period only") {
    TempDir dir;
    Ledger ledger(dir.path() / "ledger");
    ledger.settle(ledger.admit("k", {}, 0, kNow - 10 * kDay).reservation, 0.5, 0, kNow - 10 * kDay);  // Nov 25
    ledger.settle(ledger.admit("k", {}, 0, kNow - 2 * kDay).reservation, 0.25, 0, kNow - 2 * kDay);   // Dec 3
    CHECK(ledger.usage("k", Period::Day, kNow).spentUsd == 0);
    CHECK(ledger.usage("k", Period::Week, kNow).spentUsd == doctest::Approx(0.25));
    CHECK(ledger.usage("k", Period::Month, kNow).spentUsd == doctest::Approx(0.25));
    CHECK(ledger.usage("k", Period::Total, kNow).spentUsd == doctest::Approx(0.75));
    CHECK(ledger.admit("k", budget(0.3, Period::Day), 0.3, kNow).admitted);
    CHECK_FALSE(ledger.admit("k", budget(0.3, Period::Total), 0.3, kNow).admitted);
}

TEST_CASE("requests per minute: exactly rpm admitted in a sliding minute, with OpenAI's figures") {
    TempDir dir;
    Ledger ledger(dir.path() / "ledger");
    Limits limits;
    limits.rpm = 30;
    int admitted = 0;
    Admission last;
    for (int i = 0; i < 100; ++i) {
        Admission admission = ledger.admit("k", limits, 0, kNow + i);
        if (admission.admitted) {
            ++admitted;
            ledger.settle(admission.reservation, 0, 0, kNow + i);
        } else {
            last = admission;
        }
    }
    CHECK(admitted == 30);
    CHECK(last.code == "rate_limit_requests");
    CHECK(last.rate.limitRequests == 30);
    CHECK(last.rate.remainingRequests == 0);
    CHECK(last.retryAfterMs == 60'000 - 99);  // the first admission (at kNow) leaves the window then
    // The window slides: the first admissions leave it one by one.
    CHECK_FALSE(ledger.admit("k", limits, 0, kNow + 59'999).admitted);
    Admission again = ledger.admit("k", limits, 0, kNow + 60'000);
    CHECK(again.admitted);
    CHECK(again.rate.remainingRequests == 0);
    CHECK_FALSE(ledger.admit("k", limits, 0, kNow + 60'000).admitted);
}

TEST_CASE("tokens per minute: counted when answers settle, refused while the minute is full") {
    TempDir dir;
    Ledger ledger(dir.path() / "ledger");
    Limits limits;
    limits.tpm = 1000;
    Admission first = ledger.admit("k", limits, 0, kNow);
    REQUIRE(first.admitted);
    CHECK(first.rate.remainingTokens == 1000);
    ledger.settle(first.reservation, 0, 600, kNow);
    Admission second = ledger.admit("k", limits, 0, kNow + 1000);
    REQUIRE(second.admitted);
    CHECK(second.rate.remainingTokens == 400);
    ledger.settle(second.reservation, 0, 500, kNow + 1000);
    Admission refused = ledger.admit("k", limits, 0, kNow + 2000);
    CHECK_FALSE(refused.admitted);
    CHECK(refused.code == "rate_limit_tokens");
    CHECK(refused.retryAfterMs == 58'000);  // when the first 600 leave the window
    CHECK(ledger.admit("k", limits, 0, kNow + 60'001).admitted);
}

TEST_CASE("concurrent admissions never reserve past the budget") {
    TempDir dir;
    Ledger ledger(dir.path() / "ledger");
    constexpr double kBudget = 5.0;
    std::atomic<int> answered{0};
    std::atomic<bool> overdrawn{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<unsigned>(t));
            for (int i = 0; i < 200; ++i) {
                double worst = 0.05 + 0.01 * static_cast<double>(random() % 10);
                Admission admission = ledger.admit("shared", budget(kBudget), worst, kNow);
                KeyUsage now = ledger.usage("shared", Period::Month, kNow);
                if (now.spentUsd + now.reservedUsd > kBudget + 1e-9) overdrawn = true;
                if (!admission.admitted) continue;
                ++answered;
                // The real cost is at most the reservation.
                ledger.settle(admission.reservation, worst * static_cast<double>(random() % 101) / 100.0, 10, kNow);
            }
        });
    }
    for (auto &thread : threads) thread.join();
    KeyUsage usage = ledger.usage("shared", Period::Month, kNow);
    CHECK_FALSE(overdrawn.load());
    CHECK(usage.spentUsd <= kBudget + 1e-9);
    CHECK(usage.reservedUsd == doctest::Approx(0.0));
    CHECK(usage.requests == answered.load());
    CHECK(answered.load() > 40);  // the budget was used, not refused wholesale
}

TEST_CASE("settled spend and the rpm window survive a restart; reservations in flight do not") {
    TempDir dir;
    auto folder = dir.path() / "ledger";
    int64_t now = wallNow();  // the rpm window is replayed against the clock at start
    Limits limits = budget(1.0);
    limits.rpm = 5;
    {
        Ledger ledger(folder);
        for (int i = 0; i < 3; ++i) ledger.settle(ledger.admit("k", limits, 0.1, now).reservation, 0.1, 10, now);
        CHECK(ledger.admit("k", limits, 0.5, now).admitted);  // in flight when the process ends
    }
    for (int restart = 0; restart < 3; ++restart) {  // every start compacts: nothing may be counted twice
        Ledger ledger(folder);
        KeyUsage usage = ledger.usage("k", Period::Month, now);
        CHECK(usage.spentUsd == doctest::Approx(0.3));
        CHECK(usage.reservedUsd == 0);
        CHECK(usage.requests == 3);
        CHECK(usage.lastUsedMs == now);
    }
    Ledger ledger(folder);
    // Four admissions in the last minute came back from the journal: one more fits in the rpm of 5.
    CHECK(ledger.admit("k", limits, 0, now).admitted);
    CHECK_FALSE(ledger.admit("k", limits, 0, now).admitted);
}

TEST_CASE("a process killed mid-burst loses no settled spend and counts none twice") {
    TempDir dir;
    auto folder = dir.path() / "ledger";
    int64_t now = wallNow();
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        Ledger ledger(folder);
        for (int i = 0; i < 500; ++i) ledger.settle(ledger.admit("k", {}, 0.01, now).reservation, 0.001, 1, now);
        ledger.admit("k", {}, 0.01, now);  // never settled
        ::kill(::getpid(), SIGKILL);       // no destructor, no flush
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    Ledger ledger(folder);
    CHECK(ledger.usage("k", Period::Total, now).spentUsd == doctest::Approx(0.5));
    CHECK(ledger.usage("k", Period::Total, now).requests == 500);
    // What another process reads while this one holds the ledger agrees.
    auto read = Ledger::read(folder, {{"k", Period::Total}}, now);
    CHECK(read["k"].spentUsd == doctest::Approx(0.5));
    CHECK(read["k"].requests == 500);
}

TEST_CASE("one process writes a ledger: a second one is refused with a clear message") {
    TempDir dir;
    Ledger first(dir.path() / "ledger");
    try {
        Ledger second(dir.path() / "ledger");
        FAIL("a second writer was let in");
    } catch (const moltbot::config::ConfigError &error) {
        CHECK(std::string(error.what()).find("in use by another moltbot serve") != std::string::npos);
    }
}

TEST_CASE("a torn or foreign journal line is skipped with a warning, the rest counts") {
    TempDir dir;
    auto folder = dir.path() / "ledger";
    int64_t now = wallNow();
    { Ledger ledger(folder); }  // generation 1, an empty journal
    {
        std::ofstream journal(folder / "journal-1.log", std::ios::app);
        journal << "s k " << now << " 0.25 10\n"
                << "garbage line\n"
                << "s k " << now << " nan 1\n"
                << "s k " << now << " 0.5";  // the disk filled mid-line
    }
    Ledger ledger(folder);
    CHECK(ledger.usage("k", Period::Total, now).spentUsd == doctest::Approx(0.25));
    std::string warnings = ledger.takeWarnings();
    CHECK(warnings.find("skipped 3 unreadable line(s)") != std::string::npos);
    CHECK(ledger.takeWarnings().empty());
}

// The request log's writer: what it stores, its bounded queue, its bounded close, the schema and its migrations.
#include "core/requestlog/schema.hpp"
#include "tests/requestlog/support.hpp"
#include "tests/support/process.hpp"

#include <Poco/Data/Session.h>

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <set>
#include <thread>

using namespace moltbot::requestlog;
using namespace moltbot::requestlog::test;
using namespace Poco::Data::Keywords;
using moltbot::test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

Options optionsFor(const std::filesystem::path &path, const std::shared_ptr<Warnings> &warnings) {
    Options options;
    options.path = path;
    options.warn = Warnings::into(warnings);
    return options;
}

void checkSame(const Entry &read, const Entry &written) {
    CHECK(read.timeMs == written.timeMs);
    CHECK(read.frontEnd == written.frontEnd);
    CHECK(read.keyName == written.keyName);
    CHECK(read.instance == written.instance);
    CHECK(read.modelAsked == written.modelAsked);
    CHECK(read.model == written.model);
    CHECK(read.provider == written.provider);
    REQUIRE(read.attempts.size() == written.attempts.size());
    for (std::size_t i = 0; i < read.attempts.size(); ++i) {
        CHECK(read.attempts[i].ref == written.attempts[i].ref);
        CHECK(read.attempts[i].attempt == written.attempts[i].attempt);
        CHECK(read.attempts[i].outcome == written.attempts[i].outcome);
        CHECK(read.attempts[i].httpStatus == written.attempts[i].httpStatus);
        CHECK(read.attempts[i].ms == written.attempts[i].ms);
    }
    CHECK(read.usageKnown == written.usageKnown);
    CHECK(read.promptTokens == written.promptTokens);
    CHECK(read.completionTokens == written.completionTokens);
    CHECK(read.cachedTokens == written.cachedTokens);
    CHECK(read.cacheWriteTokens == written.cacheWriteTokens);
    CHECK(read.costUsd == doctest::Approx(written.costUsd));
    CHECK(read.costEstimated == written.costEstimated);
    CHECK(read.latencyMs == written.latencyMs);
    CHECK(read.ttftMs == written.ttftMs);
    CHECK(read.status == written.status);
    CHECK(read.errorCode == written.errorCode);
    CHECK(read.conversationId == written.conversationId);
    CHECK(read.prompt == written.prompt);
    CHECK(read.system == written.system);
    CHECK(read.answer == written.answer);
}

// Holds the file's write lock (BEGIN EXCLUSIVE) from another connection until released.
class WriteLock {
public:
    explicit WriteLock(const std::filesystem::path &path) : session_(openDatabase(path)) {
        migrate(session_);
        session_ << "BEGIN EXCLUSIVE", now;
    }
    ~WriteLock() { release(); }
    void release() {
        if (held_) session_ << "ROLLBACK", now;
        held_ = false;
    }

private:
    Poco::Data::Session session_;
    bool held_ = true;
};

// Until the writer has handled every entry it accepted and not dropped (it may still be closing the file then).
void waitSettled(RequestLog &log) {
    for (int i = 0; i < 500; ++i) {
        Stats stats = log.stats();
        if (stats.written + stats.failed + stats.dropped >= stats.accepted) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace

TEST_CASE("entries are written once, every field as it was, in a 0600 file in a new 0700 folder") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "state" / "nested" / "logs.db";
    auto warnings = Warnings::make();
    Entry empty;  // every optional column NULL
    empty.timeMs = 1'700'000'500'000;
    empty.frontEnd = "serve";
    empty.status = 502;
    empty.errorCode = "unavailable";
    {
        RequestLog log(optionsFor(path, warnings));
        CHECK(log.submit(fullEntry(0)));
        CHECK(log.submit(fullEntry(1)));
        CHECK(log.submit(empty));
        CHECK(log.close());
        Stats stats = log.stats();
        CHECK(stats.accepted == 3);
        CHECK(stats.written == 3);
        CHECK(stats.dropped == 0);
        CHECK(stats.failed == 0);
    }
    CHECK(warnings->list().empty());
    std::vector<Entry> entries = readAll(path);
    REQUIRE(entries.size() == 3);
    checkSame(entries[0], fullEntry(0));
    checkSame(entries[1], fullEntry(1));
    checkSame(entries[2], empty);
    CHECK_FALSE(entries[2].usageKnown);
    CHECK(entries[2].costUsd < 0);
    CHECK(entries[2].latencyMs == -1);
    CHECK(entries[2].ttftMs == -1);
    CHECK(entries[0].id < entries[1].id);

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat(path.parent_path().c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
}

TEST_CASE("a log that receives nothing creates nothing") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    {
        RequestLog log(optionsFor(path, Warnings::make()));
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("many threads submit at once: each entry is stored exactly once") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    constexpr int kThreads = 8, kEach = 250;
    RequestLog log(optionsFor(path, Warnings::make()));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < kEach; ++i) {
                Entry entry = fullEntry(i);
                entry.prompt = std::to_string(t) + "/" + std::to_string(i);
                log.submit(std::move(entry));
            }
        });
    }
    for (auto &thread : threads) thread.join();
    CHECK(log.close());
    CHECK(log.stats().written == kThreads * kEach);
    std::set<std::string> prompts;
    for (const auto &entry : readAll(path)) prompts.insert(entry.prompt);
    CHECK(prompts.size() == kThreads * kEach);
}

TEST_CASE("a full queue drops the entry and counts it, and submit never waits for the disk") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    auto warnings = Warnings::make();
    Options options = optionsFor(path, warnings);
    options.maxQueued = 10;
    RequestLog log(std::move(options));
    int refused = 0;
    Clock::duration slowest{};
    {
        WriteLock lock(path);  // the writer's first batch waits for it: the queue fills behind
        for (int i = 0; i < 500; ++i) {
            auto started = Clock::now();
            if (!log.submit(fullEntry(i))) ++refused;
            slowest = std::max(slowest, Clock::now() - started);
        }
    }
    CHECK(log.close());
    Stats stats = log.stats();
    CHECK(stats.accepted + stats.dropped == 500);
    CHECK(stats.dropped == static_cast<uint64_t>(refused));
    CHECK(refused >= 500 - 2 * 10);  // at most one batch taken by the writer and one queue
    CHECK(stats.written + stats.failed == stats.accepted);
    CHECK(slowest < std::chrono::milliseconds(500));  // far below the 1 s the writer waits for the lock
    std::size_t queueWarnings = 0;
    for (const auto &warning : warnings->list()) queueWarnings += warning.find("queue is full") != std::string::npos;
    CHECK(queueWarnings == 1);
}

TEST_CASE("an entry larger than the queue's byte bound is dropped, not queued") {
    TempDir dir;
    auto warnings = Warnings::make();
    Options options = optionsFor(dir.path() / "logs.db", warnings);
    options.maxQueuedBytes = 64 * 1024;
    RequestLog log(std::move(options));
    Entry big = fullEntry(0);
    big.answer.assign(100 * 1024, 'x');
    CHECK_FALSE(log.submit(big));
    CHECK(log.submit(fullEntry(1)));
    CHECK(log.close());
    CHECK(log.stats().dropped == 1);
    CHECK(log.stats().written == 1);
    REQUIRE(warnings->list().size() == 1);
    CHECK(warnings->list()[0].find("larger than") != std::string::npos);
}

TEST_CASE("a locked file: requests go on, one warning, close() within its bound") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    auto warnings = Warnings::make();
    WriteLock lock(path);
    RequestLog log(optionsFor(path, warnings));
    auto started = Clock::now();
    for (int i = 0; i < 50; ++i) CHECK(log.submit(fullEntry(i)));
    CHECK(Clock::now() - started < std::chrono::milliseconds(500));  // not the writer's 1 s wait for the lock
    CHECK(log.close());  // the busy timeout (1 s) ends the stuck batch within the 2 s bound
    CHECK(Clock::now() - started < std::chrono::milliseconds(2500));
    CHECK(log.stats().failed == 50);
    REQUIRE(warnings->list().size() == 1);
    CHECK(warnings->list()[0].find("locked") != std::string::npos);
    CHECK(warnings->list()[0].find(path.string()) != std::string::npos);
    CHECK_FALSE(log.submit(fullEntry(99)));  // closed
}

TEST_CASE("close() gives up on a stuck writer at its deadline and stays silent after") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    auto warnings = Warnings::make();
    Options options = optionsFor(path, warnings);
    options.closeWait = std::chrono::milliseconds(200);
    options.flushInterval = std::chrono::milliseconds(1);  // the writer takes the first entry at once
    std::optional<RequestLog> log(std::move(options));
    {
        WriteLock lock(path);
        log->submit(fullEntry(0));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer takes it and waits for the lock
        log->submit(fullEntry(1));
        auto started = Clock::now();
        CHECK_FALSE(log->close());
        CHECK(Clock::now() - started < std::chrono::milliseconds(600));
        CHECK(log->stats().dropped >= 1);  // the entry still queued at the deadline
        waitSettled(*log);  // the lock outlasts the busy timeout: the stuck batch fails, unreported
    }
    CHECK(warnings->list().empty());
    log.reset();  // the writer ended on its own; the state it held is released
}

TEST_CASE("a new file gets the current schema version; an older file is migrated, keeping its rows") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    {
        RequestLog log(optionsFor(path, Warnings::make()));
        log.submit(fullEntry(0));
        REQUIRE(log.close());
    }
    Poco::Data::Session session = openDatabase(path);
    CHECK(userVersion(session) == schemaVersion());
    std::string mode;
    session << "PRAGMA journal_mode", into(mode), now;
    CHECK(mode == "wal");

    // The next version, as a future build would add it: one step at the end.
    std::vector<Migration> next = migrations();
    next.push_back({schemaVersion() + 1, {"ALTER TABLE requests ADD COLUMN request_id TEXT"}});
    migrate(session, next);
    CHECK(userVersion(session) == schemaVersion() + 1);
    int column = 0;
    session << "SELECT COUNT(*) FROM pragma_table_info('requests') WHERE name = 'request_id'", into(column), now;
    CHECK(column == 1);
    std::vector<Entry> kept = readAll(path);  // this build reads the newer file
    REQUIRE(kept.size() == 1);
    checkSame(kept[0], fullEntry(0));

    // And keeps writing to it: steps only add.
    {
        RequestLog log(optionsFor(path, Warnings::make()));
        log.submit(fullEntry(1));
        REQUIRE(log.close());
        CHECK(log.stats().written == 1);
    }
    CHECK(readAll(path).size() == 2);
}

TEST_CASE("a migration step that fails rolls back whole and leaves the version") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    Poco::Data::Session session = openDatabase(path);
    migrate(session);
    std::vector<Migration> broken = migrations();
    broken.push_back({schemaVersion() + 1, {"CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL"}});
    CHECK_THROWS(migrate(session, broken));
    CHECK(userVersion(session) == schemaVersion());
    int tables = 0;
    session << "SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'", into(tables), now;
    CHECK(tables == 0);
}

TEST_CASE("an empty file from before the first version is given the schema") {
    TempDir dir;
    std::filesystem::path path = dir.write("logs.db", "");
    RequestLog log(optionsFor(path, Warnings::make()));
    log.submit(fullEntry(0));
    REQUIRE(log.close());
    CHECK(log.stats().written == 1);
    CHECK(readAll(path).size() == 1);
}

TEST_CASE("a file that is not a database: the writer warns once, the reader says why") {
    TempDir dir;
    std::filesystem::path path = dir.write("logs.db", std::string(8192, 'x'));
    auto warnings = Warnings::make();
    RequestLog log(optionsFor(path, warnings));
    for (int i = 0; i < 5; ++i) log.submit(fullEntry(i));
    CHECK(log.close());
    CHECK(warnings->list().size() == 1);
    CHECK(log.stats().failed == 5);
    CHECK_THROWS_WITH_AS(LogReader{path}, doctest::Contains("not a database"), ReadError);
}

TEST_CASE("recordOutcome copies what the pipeline reported; texts are bounded") {
    moltbot::pipeline::Outcome outcome;
    outcome.status = 0;
    outcome.ref = "openrouter/x/y";
    outcome.provider = "Prov";
    outcome.usage = {true, 11, 22, 3, 4, 0.5};
    outcome.attempts.push_back({"openrouter/x/y", 1, "ok", 200, "", 42, -1});
    Entry entry;
    entry.recordOutcome(outcome);
    CHECK(entry.model == "openrouter/x/y");
    CHECK(entry.provider == "Prov");
    CHECK(entry.promptTokens == 11);
    CHECK(entry.costUsd == 0.5);
    CHECK(entry.errorCode.empty());
    REQUIRE(entry.attempts.size() == 1);
    CHECK(entry.attempts[0].ms == 42);
    CHECK(parseAttempts(attemptsJson(entry.attempts)).size() == 1);
    CHECK(parseAttempts("not json").empty());

    std::string kept;
    std::string chunk(300 * 1024, 'a');
    chunk += "\xc3\xa9";  // a two-byte character that will straddle the cut
    for (int i = 0; i < 10; ++i) appendLogged(kept, chunk);
    CHECK(kept.size() <= kMaxLoggedText);
    CHECK(kept.find("[cut: the request log keeps the first 1 MiB]") != std::string::npos);
    std::size_t marker = kept.rfind('\n');
    CHECK((static_cast<unsigned char>(kept[marker - 1]) & 0xC0) != 0xC0);  // no character left half
}

TEST_CASE("conversation ids are short, lowercase and different") {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        std::string id = newConversationId();
        CHECK(id.size() == 12);
        CHECK(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz") == std::string::npos);
        ids.insert(id);
    }
    CHECK(ids.size() == 1000);
}

TEST_CASE("a version 1 file gets the instance column: its rows keep theirs empty, new rows carry theirs") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    {
        Poco::Data::Session session = openDatabase(path);
        migrate(session, {migrations().front()});  // the file as the build before instance ids left it
        REQUIRE(userVersion(session) == 1);
        session << "INSERT INTO requests (time_ms, front_end, status) VALUES (1700000000000, 'serve', 200)", now;
    }
    {
        RequestLog log(optionsFor(path, Warnings::make()));
        log.submit(fullEntry(1));
        REQUIRE(log.close());
    }
    Poco::Data::Session session = openDatabase(path);
    CHECK(userVersion(session) == schemaVersion());
    std::vector<Entry> rows = readAll(path);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].instance.empty());
    CHECK(rows[1].instance == "gw-1:4000");

    UsageReport report = LogReader(path).usage(GroupBy::Instance, std::nullopt);
    std::set<std::string> groups;
    for (const auto &row : report.groups) groups.insert(row.group);
    CHECK(groups == std::set<std::string>{"(serve)", "gw-1:4000"});
}

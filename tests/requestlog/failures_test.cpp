// The request log when the file cannot be written: a folder that cannot be created, a read-only folder or file, a
// file size limit (RLIMIT_FSIZE, as on a full disk). Each time requests go on: submit() never throws or waits,
// close() keeps its bound, and one warning is reported. The read-only and size-limit cases run in a forked child
// (the limit and a dropped root would otherwise stay with the test process).
#include "tests/requestlog/support.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>

using namespace moltbot::requestlog;
using namespace moltbot::requestlog::test;
using moltbot::test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

// What one run against a broken file saw.
struct Run {
    Stats stats;
    std::vector<std::string> warnings;
    bool closed = false;
    Clock::duration slowestSubmit{};
    Clock::duration close{};
};

Run submitAndClose(const std::filesystem::path &path, int count, std::size_t promptBytes = 0) {
    auto warnings = Warnings::make();
    Options options;
    options.path = path;
    options.warn = Warnings::into(warnings);
    Run run;
    RequestLog log(std::move(options));
    for (int i = 0; i < count; ++i) {
        Entry entry = fullEntry(i);
        entry.prompt.append(promptBytes, 'p');
        auto started = Clock::now();
        log.submit(std::move(entry));
        run.slowestSubmit = std::max(run.slowestSubmit, Clock::now() - started);
    }
    auto started = Clock::now();
    run.closed = log.close();
    run.close = Clock::now() - started;
    run.stats = log.stats();
    run.warnings = warnings->list();
    return run;
}

// The checks every failure case shares, as a list of what went wrong ("" when nothing did): a child reports it on
// stderr and in its exit status.
std::string problems(const Run &run, int count) {
    std::string found;
    if (!run.closed) found += "close() timed out; ";
    if (run.close > std::chrono::milliseconds(2500)) found += "close() took too long; ";
    if (run.slowestSubmit > std::chrono::milliseconds(500)) found += "submit() waited; ";
    if (run.warnings.size() != 1) found += std::to_string(run.warnings.size()) + " warnings instead of 1; ";
    if (run.stats.accepted != static_cast<uint64_t>(count)) found += "entries were refused; ";
    if (run.stats.written + run.stats.failed != run.stats.accepted) found += "entries unaccounted for; ";
    if (run.stats.failed == 0) found += "nothing failed; ";
    for (const auto &warning : run.warnings) fprintf(stderr, "reported: %s\n", warning.c_str());
    return found;
}

// Runs `body` in a forked child; returns its exit status, or 128 + the signal that killed it.
int inChild(const std::function<int()> &body) {
    fflush(nullptr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 99;
        try {
            code = body();
        } catch (const std::exception &error) {
            fprintf(stderr, "child threw: %s\n", error.what());
        } catch (...) {
            fprintf(stderr, "child threw\n");
        }
        fflush(nullptr);
        _exit(code);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Root writes through any permission: the child becomes nobody first.
bool dropRoot() {
    if (geteuid() != 0) return true;
    return setgroups(0, nullptr) == 0 && setgid(65534) == 0 && setuid(65534) == 0;
}

}  // namespace

TEST_CASE("a folder that cannot be created: one warning, nothing thrown, nothing waited for") {
    TempDir dir;
    std::filesystem::path file = dir.write("not-a-folder", "x");
    Run run = submitAndClose(file / "state" / "logs.db", 100);
    CHECK(problems(run, 100).empty());
    CHECK(run.stats.failed == 100);
    REQUIRE(run.warnings.size() == 1);
    CHECK(run.warnings[0].find("not-a-folder") != std::string::npos);
    CHECK(run.close < std::chrono::milliseconds(500));
}

TEST_CASE("a read-only folder, and a read-only file in it: one warning each, requests go on") {
    TempDir dir;
    // The folder nobody can write: the child (nobody, when the tests run as root) may pass through the temp folder.
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    std::filesystem::path empty = dir.path() / "empty";
    std::filesystem::path existing = dir.path() / "existing";
    std::filesystem::create_directory(empty);
    {
        Options options;
        options.path = existing / "logs.db";
        RequestLog log(std::move(options));
        log.submit(fullEntry(0));
        REQUIRE(log.close());
    }
    REQUIRE(::chmod((existing / "logs.db").c_str(), 0444) == 0);
    REQUIRE(::chmod(empty.c_str(), 0555) == 0);
    REQUIRE(::chmod(existing.c_str(), 0555) == 0);

    int status = inChild([&] {
        if (!dropRoot()) return 10;
        std::string found = problems(submitAndClose(empty / "logs.db", 20), 20);
        if (!found.empty()) {
            fprintf(stderr, "read-only folder: %s\n", found.c_str());
            return 11;
        }
        found = problems(submitAndClose(existing / "logs.db", 20), 20);
        if (!found.empty()) {
            fprintf(stderr, "read-only file: %s\n", found.c_str());
            return 12;
        }
        return 0;
    });
    CHECK_MESSAGE(status == 0, "the child failed with " << status << " (10: could not drop root; 11: read-only "
                                                           "folder; 12: read-only file; see its stderr)");
    ::chmod(empty.c_str(), 0755);
    ::chmod(existing.c_str(), 0755);
    CHECK_FALSE(std::filesystem::exists(empty / "logs.db"));
    CHECK(readAll(existing / "logs.db").size() == 1);  // untouched
}

TEST_CASE("a file size limit (RLIMIT_FSIZE): the write fails, the process lives, one warning, the file stays sound") {
    TempDir dir;
    std::filesystem::path path = dir.path() / "logs.db";
    int status = inChild([&] {
        // No SIGXFSZ handling here: the request log itself keeps the signal from killing the process.
        rlimit limit{256 * 1024, 256 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 20;
        std::string found = problems(submitAndClose(path, 40, 32 * 1024), 40);
        if (!found.empty()) {
            fprintf(stderr, "size limit: %s\n", found.c_str());
            return 21;
        }
        return 0;
    });
    CHECK_MESSAGE(status == 0, "the child failed with " << status << " (128 + 25: killed by SIGXFSZ)");
    std::vector<Entry> kept = readAll(path);  // whatever was committed before the limit, readable
    CHECK(kept.size() < 40);
}

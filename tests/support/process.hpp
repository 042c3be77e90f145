// Running the real moltbot binary (or any program) from a test: environment, standard input, captured output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace moltbot::test {

struct RunResult {
    int exitCode = -1;  // the exit status, or 128 + signal when killed by a signal
    std::string out;
    std::string err;
    bool timedOut = false;
    // With RunOptions::signalOnOutput: whether the signal was sent, and how long the program took to exit after it.
    bool signalled = false;
    std::chrono::milliseconds exitAfterSignal{0};
    // With RunOptions::measurePeakRss: the program's own peak resident set in KiB (else 0).
    long maxRssKb = 0;
};

struct RunOptions {
    // Variables set (or, with std::nullopt, removed) on top of a clean base environment: PATH, LANG=C.UTF-8 and
    // the sanitizer options of the test run are kept, everything else of the test's environment is dropped.
    std::map<std::string, std::optional<std::string>> env;
    std::string input;                                  // written to standard input, then closed
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    std::filesystem::path cwd;                          // empty: the current folder
    // Sends `signal` to the program once its standard output contains this text (empty: never).
    std::string signalOnOutput;
    int signal = 2;  // SIGINT
    // Runs the program under tests/support/peak-rss, which measures its peak memory alone: wait4 on a program
    // spawned from the test would also count the test process's own memory.
    bool measurePeakRss = false;
};

// Runs argv[0] (a path, or a name searched in PATH) with the other arguments and waits for it.
RunResult run(const std::vector<std::string> &argv, const RunOptions &options = {});

// A program left running while the test talks to it (a server), in a process group of its own, with standard input
// from /dev/null and its standard output and error read together. Destroying it kills the group with SIGKILL and
// reaps it, and the program gets SIGKILL if the test process dies first (setpriv --pdeathsig), so it never outlives
// a failing test.
class Background {
public:
    explicit Background(const std::vector<std::string> &argv, const RunOptions &options = {});
    ~Background();
    Background(const Background &) = delete;
    Background &operator=(const Background &) = delete;

    pid_t pid() const { return pid_; }
    // Waits until the output holds `text`; false when the time ran out or the program closed its output first.
    bool waitFor(const std::string &text, std::chrono::milliseconds timeout);
    std::string output() const;
    void signal(int signal) const;
    // The exit status (128 + signal when killed by one), or std::nullopt when it still runs after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    std::optional<int> exitCode_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string output_;
    bool closed_ = false;
    std::thread reader_;
};

// The built moltbot binary: $MOLTBOT_BIN, set by tests/meson.build.
std::filesystem::path moltbotBinary();
// A file under the build tree: $MOLTBOT_BUILD_ROOT/relative.
std::filesystem::path buildPath(const std::string &relative);
// A file under the source tree: $MOLTBOT_SOURCE_ROOT/relative.
std::filesystem::path sourcePath(const std::string &relative);

// A fresh folder under the system temp folder, removed with everything in it when destroyed.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::filesystem::path &path() const { return path_; }
    // Writes `content` to path()/relative, creating folders; returns the full path.
    std::filesystem::path write(const std::string &relative, const std::string &content) const;

private:
    std::filesystem::path path_;
};

// Reads a whole file; throws when it cannot be read.
std::string readFile(const std::filesystem::path &path);

}  // namespace moltbot::test

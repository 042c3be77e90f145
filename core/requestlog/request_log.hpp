// The request log's write side: every request of `moltbot agent` and `moltbot serve` recorded in <state>/logs.db
// (docs/request-log.md). submit() never blocks a request: entries wait in a bounded queue and one writer thread
// stores them, a batch per transaction. When the file cannot be written (no folder, read-only, locked, disk full)
// requests go on and the problem is reported once.
#pragma once

#include "core/config/config.hpp"
#include "core/requestlog/entry.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace moltbot::requestlog {

// <state>/logs.db
std::filesystem::path defaultPath();

// logs.enabled of the config: true unless it is false.
bool enabledIn(const config::Config &config);

struct Options {
    std::filesystem::path path;                           // empty: defaultPath()
    std::size_t maxQueued = 10000;                        // entries waiting; more are dropped and counted
    std::size_t maxQueuedBytes = std::size_t{64} << 20;   // their memory (Entry::bytes()); likewise
    std::chrono::milliseconds closeWait{2000};            // how long close() waits for the queue to be written
    std::chrono::milliseconds flushInterval{200};         // the writer stores what is queued at least this often
    // Receives a one-line warning, at most once per kind (the file cannot be written; the queue overflowed), from
    // the writer thread or a submitting thread, never after close() returned. Empty: no warnings.
    std::function<void(const std::string &message)> warn;
};

struct Stats {
    uint64_t accepted = 0;  // submit() returned true
    uint64_t written = 0;   // stored in the file
    uint64_t dropped = 0;   // refused by submit() (queue full, too big, closed) or left queued at close()'s deadline
    uint64_t failed = 0;    // accepted but not stored: the file could not be opened or written
};

class RequestLog {
public:
    // Starts the writer thread. The file is opened (created, migrated) with the first batch, not here: a log that
    // receives nothing creates nothing.
    explicit RequestLog(Options options);
    // close()
    ~RequestLog();
    RequestLog(const RequestLog &) = delete;
    RequestLog &operator=(const RequestLog &) = delete;

    // Queues `entry` for the writer. Never blocks (a short lock, no I/O); thread-safe. False when the entry was
    // dropped: the queue is full, the entry alone is larger than maxQueuedBytes, or the log is closed.
    bool submit(Entry entry);

    // Waits up to Options::closeWait for the queued entries to be written, then stops the writer. Entries still
    // queued at the deadline are dropped (a writer stuck in I/O is left to finish on its own). True when everything
    // accepted was handled (written or failed). Idempotent; thread-safe.
    bool close();

    Stats stats() const;
    const std::filesystem::path &path() const;

    struct State;  // shared with the writer thread, which may outlive the object after a timed-out close()

private:
    std::shared_ptr<State> state_;
};

}  // namespace moltbot::requestlog

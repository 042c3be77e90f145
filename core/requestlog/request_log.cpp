#include "core/requestlog/request_log.hpp"

#include "core/config/paths.hpp"
#include "core/requestlog/schema.hpp"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>

#include <signal.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace moltbot::requestlog {

// Entries that wake the writer before its flush interval: a burst is written in transactions of about this size.
constexpr std::size_t kBatchEntries = 256;

using namespace Poco::Data::Keywords;
using Clock = std::chrono::steady_clock;

std::filesystem::path defaultPath() { return config::stateDir() / "logs.db"; }

bool enabledIn(const config::Config &config) {
    const rapidjson::Value *enabled = config.get("logs.enabled");
    return enabled == nullptr || !enabled->IsBool() || enabled->GetBool();
}

struct RequestLog::State {
    explicit State(Options from) : options(std::move(from)) {
        if (options.path.empty()) options.path = defaultPath();
    }

    Options options;

    mutable std::mutex mutex;
    std::condition_variable wake;  // the writer: entries arrived, or stop
    std::condition_variable idle;  // close(): the writer is done
    std::deque<Entry> queue;
    std::size_t queuedBytes = 0;
    bool stopping = false;  // close() was called: write what is queued, then end
    bool stopped = false;   // the writer is done with the file
    Stats stats;

    std::mutex closeMutex;  // one close() at a time: it joins the thread
    std::thread thread;

    // Warnings: at most one per kind, and none once close() gave up on the writer (the callback's owner may be gone).
    std::mutex warnMutex;
    bool warnedWrite = false;
    bool warnedQueue = false;
    bool silenced = false;

    void warn(bool State::*once, const std::string &message) {
        std::lock_guard lock(warnMutex);
        if (silenced || this->*once) return;
        this->*once = true;
        if (options.warn) options.warn(message);
    }
};

namespace {

// The row the insert statement is bound to: Poco binds by reference, so one statement serves every entry.
struct Row {
    Poco::Int64 timeMs = 0;
    std::string frontEnd;
    Poco::Nullable<std::string> keyName, modelAsked, model, provider, instance;
    std::string attempts;
    Poco::Nullable<Poco::Int64> promptTokens, completionTokens, cachedTokens, cacheWriteTokens;
    Poco::Nullable<double> costUsd;
    int costEstimated = 0;
    Poco::Nullable<Poco::Int64> latencyMs, ttftMs;
    int status = 0;
    Poco::Nullable<std::string> errorCode, conversationId, prompt, system, answer;

    static void text(Poco::Nullable<std::string> &column, std::string &value) {
        if (value.empty()) {
            column.clear();
        } else {
            column = std::move(value);
        }
    }
    static void number(Poco::Nullable<Poco::Int64> &column, bool present, int64_t value) {
        if (present) {
            column = value;
        } else {
            column.clear();
        }
    }

    void fill(Entry &entry) {
        timeMs = entry.timeMs;
        frontEnd = std::move(entry.frontEnd);
        text(keyName, entry.keyName);
        text(modelAsked, entry.modelAsked);
        text(model, entry.model);
        text(provider, entry.provider);
        text(instance, entry.instance);
        attempts = attemptsJson(entry.attempts);
        number(promptTokens, entry.usageKnown, entry.promptTokens);
        number(completionTokens, entry.usageKnown, entry.completionTokens);
        number(cachedTokens, entry.usageKnown, entry.cachedTokens);
        number(cacheWriteTokens, entry.usageKnown, entry.cacheWriteTokens);
        if (entry.costUsd >= 0) {
            costUsd = entry.costUsd;
        } else {
            costUsd.clear();
        }
        costEstimated = entry.costUsd >= 0 && entry.costEstimated ? 1 : 0;
        number(latencyMs, entry.latencyMs >= 0, entry.latencyMs);
        number(ttftMs, entry.ttftMs >= 0, entry.ttftMs);
        status = entry.status;
        text(errorCode, entry.errorCode);
        text(conversationId, entry.conversationId);
        text(prompt, entry.prompt);
        text(system, entry.system);
        text(answer, entry.answer);
    }
};

// The writer thread's side: the open file and its insert statement. Only that thread touches it.
class Writer {
public:
    explicit Writer(RequestLog::State &state) : state_(state) {}

    // Stores `batch` in one transaction. Returns how many were written; the rest failed.
    std::size_t write(std::deque<Entry> &batch) {
        if (!db_ && !open()) return 0;
        try {
            *db_ << "BEGIN IMMEDIATE", now;
            for (auto &entry : batch) {
                row_.fill(entry);
                insert_->execute();
            }
            *db_ << "COMMIT", now;
            return batch.size();
        } catch (const Poco::Exception &error) {
            fail(error.displayText());
        } catch (const std::exception &error) {
            fail(error.what());
        }
        return 0;
    }

private:
    // After a failure the file is opened again at most this often: a problem that lasts (a read-only folder) costs
    // one attempt per interval, not one per batch.
    static constexpr std::chrono::seconds kRetryInterval{5};

    bool open() {
        if (Clock::now() < retryAt_) return false;
        try {
            db_.emplace(openDatabase(state_.options.path));
            migrate(*db_);
            insert_.emplace(*db_);
            *insert_ << "INSERT INTO requests (time_ms, front_end, key_name, model_asked, model, provider, attempts,"
                        " prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost_usd,"
                        " cost_estimated, latency_ms, ttft_ms, status, error_code, conversation_id, prompt,"
                        " system_prompt, answer, instance)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                use(row_.timeMs), use(row_.frontEnd), use(row_.keyName), use(row_.modelAsked), use(row_.model),
                use(row_.provider), use(row_.attempts), use(row_.promptTokens), use(row_.completionTokens),
                use(row_.cachedTokens), use(row_.cacheWriteTokens), use(row_.costUsd), use(row_.costEstimated),
                use(row_.latencyMs), use(row_.ttftMs), use(row_.status), use(row_.errorCode),
                use(row_.conversationId), use(row_.prompt), use(row_.system), use(row_.answer), use(row_.instance);
            return true;
        } catch (const Poco::Exception &error) {
            fail(error.displayText());
        } catch (const std::exception &error) {
            fail(error.what());
        }
        return false;
    }

    void fail(const std::string &why) {
        if (db_) {
            try {
                *db_ << "ROLLBACK", now;  // fails harmlessly when no transaction is open
            } catch (...) {
            }
        }
        insert_.reset();
        db_.reset();
        retryAt_ = Clock::now() + kRetryInterval;
        state_.warn(&RequestLog::State::warnedWrite,
                    "cannot write the request log " + state_.options.path.string() + ": " + why +
                        "; requests are served but not logged");
    }

    RequestLog::State &state_;
    std::optional<Poco::Data::Session> db_;
    std::optional<Poco::Data::Statement> insert_;
    Row row_;
    Clock::time_point retryAt_{};
};

void runWriter(const std::shared_ptr<RequestLog::State> &state) {
    {
        Writer writer(*state);
        std::deque<Entry> batch;
        std::unique_lock lock(state->mutex);
        for (;;) {
            // One transaction per flush interval (or per full batch), not per request: a commit costs far more
            // than an insert, and this thread shares the cores with the requests.
            state->wake.wait_for(lock, state->options.flushInterval,
                                 [&] { return state->stopping || state->queue.size() >= kBatchEntries; });
            if (state->queue.empty()) {
                if (state->stopping) break;  // stopping, and nothing left
                continue;
            }
            batch.swap(state->queue);
            state->queuedBytes = 0;
            lock.unlock();
            std::size_t written = writer.write(batch);
            std::size_t failed = batch.size() - written;
            batch.clear();
            lock.lock();
            state->stats.written += written;
            state->stats.failed += failed;
        }
    }  // the file is closed here (the last connection checkpoints the WAL), before close() is told
    std::lock_guard lock(state->mutex);
    state->stopped = true;
    state->idle.notify_all();
}

// A process over its RLIMIT_FSIZE gets SIGXFSZ, whose default action kills it: with the signal ignored, the write
// fails with EFBIG instead and the request log reports it like a full disk.
void ignoreFileSizeSignal() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction current {};
        if (sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            struct sigaction ignore {};
            ignore.sa_handler = SIG_IGN;
            sigemptyset(&ignore.sa_mask);
            sigaction(SIGXFSZ, &ignore, nullptr);
        }
    });
}

}  // namespace

RequestLog::RequestLog(Options options) : state_(std::make_shared<State>(std::move(options))) {
    ignoreFileSizeSignal();
    state_->thread = std::thread([state = state_] { runWriter(state); });
}

RequestLog::~RequestLog() { close(); }

bool RequestLog::submit(Entry entry) {
    std::size_t bytes = entry.bytes();
    std::string overflow;
    {
        std::lock_guard lock(state_->mutex);
        if (!state_->stopping && state_->queue.size() < state_->options.maxQueued &&
            bytes <= state_->options.maxQueuedBytes - std::min(state_->queuedBytes, state_->options.maxQueuedBytes)) {
            state_->queue.push_back(std::move(entry));
            state_->queuedBytes += bytes;
            ++state_->stats.accepted;
            // The writer wakes by itself every flush interval; a full batch (or a close) wakes it at once.
            if (state_->queue.size() == kBatchEntries) state_->wake.notify_one();
            return true;
        }
        ++state_->stats.dropped;
        if (!state_->stopping) {
            overflow = bytes > state_->options.maxQueuedBytes
                           ? "a request of " + std::to_string(bytes >> 10) + " KiB is larger than the request log's " +
                                 std::to_string(state_->options.maxQueuedBytes >> 10) + " KiB queue; it is not logged"
                           : "the request log's queue is full (the file is slower than the requests); entries are "
                             "dropped";
        }
    }
    if (!overflow.empty()) state_->warn(&State::warnedQueue, overflow);
    return false;
}

bool RequestLog::close() {
    std::lock_guard closing(state_->closeMutex);
    std::unique_lock lock(state_->mutex);
    if (!state_->thread.joinable()) return state_->stopped;  // closed before
    state_->stopping = true;
    state_->wake.notify_one();
    bool finished = state_->idle.wait_for(lock, state_->options.closeWait, [&] { return state_->stopped; });
    if (!finished) {
        // The writer is stuck in I/O: forget what is still queued and stop reporting. It ends after its batch, on
        // its own: the state it holds stays alive until then.
        state_->stats.dropped += state_->queue.size();
        state_->queue.clear();
        state_->queuedBytes = 0;
    }
    lock.unlock();
    if (finished) {
        state_->thread.join();
    } else {
        state_->thread.detach();
        std::lock_guard silence(state_->warnMutex);
        state_->silenced = true;
    }
    return finished;
}

Stats RequestLog::stats() const {
    std::lock_guard lock(state_->mutex);
    return state_->stats;
}

const std::filesystem::path &RequestLog::path() const { return state_->options.path; }

}  // namespace moltbot::requestlog

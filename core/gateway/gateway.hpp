// The gateway's request path, independent of the server library: routes a request, runs chat completions through
// the session's pipeline and writes OpenAI's shapes back (docs/gateway.md). Thread-safe: one Gateway serves every
// connection at once.
#pragma once

#include "core/gateway/access_log.hpp"
#include "core/gateway/exchange.hpp"
#include "core/gateway/guarded_exchange.hpp"
#include "core/gateway/stuck_calls.hpp"
#include "core/gateway/key_gate.hpp"
#include "core/gateway/metrics.hpp"
#include "core/requestlog/request_log.hpp"
#include "core/gateway/settings.hpp"
#include "core/session/session.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace moltbot::gateway {

// The session requests use now. A reload swaps it; requests already running keep the one they started with.
class SessionHolder {
public:
    explicit SessionHolder(std::shared_ptr<session::Session> session) : session_(std::move(session)) {}
    std::shared_ptr<session::Session> current() const {
        std::lock_guard lock(mutex_);
        return session_;
    }
    void replace(std::shared_ptr<session::Session> session) {
        std::lock_guard lock(mutex_);
        session_.swap(session);
    }  // the old one is released outside the lock, by its last request

private:
    mutable std::mutex mutex_;
    std::shared_ptr<session::Session> session_;
};

class Gateway {
public:
    // `requests` is the request log, nullptr when logs are off.
    Gateway(SessionHolder &sessions, Settings settings, AccessLog &log, KeyGate &keys, Metrics &metrics,
            requestlog::RequestLog *requests)
        : sessions_(sessions), settings_(std::move(settings)), log_(log), keys_(keys), metrics_(metrics),
          requests_(requests), stuck_([this](const std::string &ref) { writtenOff(ref); }) {}

    // Held by the server around each request, from its head to the last byte of its response (Poco writes a
    // stream's last chunk after handle() returned): a drain waits for every one.
    class InFlight {
    public:
        explicit InFlight(Gateway &gateway);
        ~InFlight();
        InFlight(const InFlight &) = delete;
        InFlight &operator=(const InFlight &) = delete;

    private:
        Gateway &gateway_;
    };

    void handle(Exchange &exchange);
    // Names this instance in the request log (Settings::instanceName once the port is known). Before serving only.
    void setInstanceId(std::string id) { instanceId_ = std::move(id); }

    // SIGTERM: new requests get 503 and /ready says so; running ones go on.
    void startDraining() { draining_.store(true); }
    bool draining() const { return draining_.load(); }
    // Waits until no request runs or `deadline` passed; true when none runs.
    bool waitIdle(std::chrono::steady_clock::time_point deadline);
    int inFlight() const { return inFlight_.load(); }

private:
    void chatCompletions(GuardedExchange &exchange, AccessRecord &record, std::chrono::steady_clock::time_point started,
                         const Caller &caller, requestlog::Entry &logged);
    void submitToLog(const AccessRecord &record, requestlog::Entry &logged);
    void writtenOff(const std::string &ref);
    void stickyFailed(const std::string &why);
    static bool servedByOpenRouter(session::Session &session, const std::string &prefix);
    void listModels(Exchange &exchange);
    std::shared_ptr<const std::string> modelsJson(const std::shared_ptr<session::Session> &session);

    SessionHolder &sessions_;
    const Settings settings_;
    AccessLog &log_;
    KeyGate &keys_;
    Metrics &metrics_;
    requestlog::RequestLog *requests_;
    StuckCalls stuck_;  // last: its thread calls writtenOff(), which uses the members above
    std::atomic<bool> draining_{false};
    std::atomic<bool> stickyWarned_{false};
    std::string instanceId_;
    std::atomic<int> inFlight_{0};     // requests between head and the end of their response (InFlight)
    std::atomic<int> chatsRunning_{0}; // chat completions, against maxConcurrent
    std::mutex idleMutex_;
    std::condition_variable idle_;
    std::mutex modelsMutex_;
    std::weak_ptr<session::Session> modelsOf_;
    std::shared_ptr<const std::string> models_;
};

}  // namespace moltbot::gateway

// An Exchange that another thread can take over: the gateway's stuck-call watch answers the client of a request whose
// plugin call never returns (docs/gateway.md, "A plugin that hangs"), while the request's own thread stays inside the
// plugin. Every call goes through one mutex; once abandoned, the request thread's later calls do nothing.
#pragma once

#include "core/gateway/exchange.hpp"

#include <chrono>
#include <mutex>
#include <thread>

namespace moltbot::gateway {

class GuardedExchange : public Exchange {
public:
    explicit GuardedExchange(Exchange &inner) : inner_(inner) {}

    std::string_view method() const override { return inner_.method(); }
    std::string_view path() const override { return inner_.path(); }
    std::optional<std::string> header(std::string_view name) const override { return inner_.header(name); }
    int64_t contentLength() const override { return inner_.contentLength(); }
    BodyRead readBody(std::size_t limit, std::string &into) override { return inner_.readBody(limit, into); }

    void respond(int status, const Headers &headers, std::string_view contentType, std::string_view body) override {
        std::lock_guard lock(mutex_);
        if (!abandoned_) inner_.respond(status, headers, contentType, body);
    }
    bool beginStream(int status, const Headers &headers, std::string_view contentType) override {
        std::lock_guard lock(mutex_);
        return !abandoned_ && inner_.beginStream(status, headers, contentType);
    }
    bool write(std::string_view data) override {
        std::lock_guard lock(mutex_);
        return !abandoned_ && inner_.write(data);
    }
    bool clientGone() override {
        std::lock_guard lock(mutex_);
        return abandoned_ || inner_.clientGone();
    }
    void closeAfter() override {
        std::lock_guard lock(mutex_);
        if (!abandoned_) inner_.closeAfter();
    }
    void abandon(int status, std::string_view errorJson) override {
        // A request thread blocked inside a write holds the lock until the socket's send timeout: wait a second at
        // most, then close the connection under it. Polled with try_lock rather than timed_mutex::try_lock_for:
        // that one is pthread_mutex_clocklock, which GCC 12's ThreadSanitizer does not see, so it reported the
        // unlock as one of an unlocked mutex (and this path is rare enough for a 5 ms poll).
        std::unique_lock lock(mutex_, std::defer_lock);
        auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!lock.try_lock()) {
            if (std::chrono::steady_clock::now() >= giveUp) {
                inner_.abandon(-1, {});
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (abandoned_) return;
        abandoned_ = true;
        inner_.abandon(status, errorJson);
    }

private:
    Exchange &inner_;
    std::mutex mutex_;
    bool abandoned_ = false;
};

}  // namespace moltbot::gateway

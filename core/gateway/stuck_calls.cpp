#include "core/gateway/stuck_calls.hpp"

#include "core/gateway/api_error.hpp"


namespace moltbot::gateway {

StuckCalls::StuckCalls(std::function<void(const std::string &ref)> writtenOff)
    : writtenOff_(std::move(writtenOff)), thread_([this] { watch(); }) {}

StuckCalls::~StuckCalls() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

StuckCalls::Watch::Watch(StuckCalls &calls, GuardedExchange &exchange, Clock::time_point deadline) : calls_(calls) {
    std::lock_guard lock(calls_.mutex_);
    entry_ = calls_.entries_.insert(calls_.entries_.end(), Entry{&exchange, deadline, {}});
}

StuckCalls::Watch::~Watch() {
    std::lock_guard lock(calls_.mutex_);
    calls_.entries_.erase(entry_);
}

void StuckCalls::Watch::attempting(const std::string &ref) {
    std::lock_guard lock(calls_.mutex_);
    entry_->ref = ref;
}

void StuckCalls::watch() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) {
        Clock::time_point now = Clock::now();
        for (auto &entry : entries_) {
            if (entry.done || now < entry.deadline + kGrace) continue;
            entry.done = true;  // the entry stays registered: its thread is still inside the plugin
            // Under the lock, so the request cannot end and take its exchange away meanwhile (its thread would
            // wait in ~Watch; abandon waits a second at most).
            ApiError error;
            error.status = 504;
            error.type = "timeout_error";
            error.code = "plugin_timeout";
            error.message = "the plugin serving " + (entry.ref.empty() ? std::string("the request") : entry.ref) +
                            " did not return within " + std::to_string(kGrace.count() / 1000) +
                            " s of the request's deadline (gateway.requestTimeoutSeconds); it was left behind";
            entry.exchange->abandon(error.status, errorBody(error));
            writtenOff_(entry.ref);
        }
    }
}

}  // namespace moltbot::gateway

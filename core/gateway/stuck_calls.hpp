// Requests whose plugin call runs past the request's deadline. A plugin that polls is_cancelled stops at the deadline
// by itself; one that does not is given a grace, then its client is answered from here (504, or an SSE error event
// when the stream had begun) and the request's thread is written off: it stays inside the plugin, the server serves
// on (docs/gateway.md, "A plugin that hangs").
#pragma once

#include "core/gateway/guarded_exchange.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

namespace moltbot::gateway {

class StuckCalls {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kGrace{2000};

    // `writtenOff` is told the model ref of each call written off (for the log and the metrics).
    explicit StuckCalls(std::function<void(const std::string &ref)> writtenOff);
    ~StuckCalls();
    StuckCalls(const StuckCalls &) = delete;
    StuckCalls &operator=(const StuckCalls &) = delete;

    struct Entry {
        GuardedExchange *exchange;
        Clock::time_point deadline;
        std::string ref;     // the model being tried now
        bool done = false;   // written off already
    };

    // Watches one request's pipeline run for as long as it lives.
    class Watch {
    public:
        Watch(StuckCalls &calls, GuardedExchange &exchange, Clock::time_point deadline);
        ~Watch();
        Watch(const Watch &) = delete;
        Watch &operator=(const Watch &) = delete;
        // The attempt now running.
        void attempting(const std::string &ref);

    private:
        StuckCalls &calls_;
        std::list<Entry>::iterator entry_;
    };

private:
    void watch();

    std::function<void(const std::string &)> writtenOff_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::list<Entry> entries_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace moltbot::gateway

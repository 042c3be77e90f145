// Cancelling transfers from another thread or from a signal handler, and the per-call limits a transfer obeys.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

namespace moltbot::http {

// A one-shot cancellation flag that blocking transfers can wait on. cancel() is async-signal-safe, so a SIGINT
// handler may call it directly; once triggered the token stays cancelled (create a new one for the next call).
// Transfers watch fd() alongside their sockets, so a stalled transfer notices the trigger at once.
class CancelToken {
public:
    CancelToken();  // throws std::system_error when no pipe can be created
    ~CancelToken();
    CancelToken(const CancelToken &) = delete;
    CancelToken &operator=(const CancelToken &) = delete;

    // Async-signal-safe, idempotent, callable from any thread; preserves errno.
    void cancel() noexcept;
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
    // Becomes readable once cancel() ran and stays readable: poll it for POLLIN, never read it.
    int fd() const noexcept { return readFd_; }

private:
    static_assert(std::atomic<bool>::is_always_lock_free, "cancel() must be async-signal-safe");
    std::atomic<bool> cancelled_{false};
    int readFd_ = -1;
    int writeFd_ = -1;
};

// What a plugin call imposes on every transfer made on its behalf. The host builds one for the mb_call of each
// mb_host_api::http_request (from what it keeps for that call, e.g. behind mb_call::host_data) and passes it to
// Transport::request; a transfer outside a call passes none. Every member is optional.
struct CallControl {
    using Clock = std::chrono::steady_clock;
    // Cancelling it aborts the transfer at once (MB_ERR_CANCELLED): the transfer waits on its fd.
    const CancelToken *cancel = nullptr;
    // For hosts that track cancellation as a flag: polled on the transfer's thread every 50 ms at most.
    std::function<bool()> cancelled{};
    // The call's end: transfers stop here (MB_ERR_TIMEOUT).
    Clock::time_point deadline = Clock::time_point::max();
};

}  // namespace moltbot::http

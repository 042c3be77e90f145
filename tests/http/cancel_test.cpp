#include "core/http/cancel.hpp"

#include <doctest/doctest.h>

#include <poll.h>

#include <cerrno>
#include <csignal>
#include <thread>

using moltbot::http::CancelToken;

namespace {

bool readable(int fd, int waitMs) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, waitMs) == 1 && (p.revents & POLLIN) != 0;
}

CancelToken *signalTarget = nullptr;
void cancelFromSignal(int) { signalTarget->cancel(); }

}  // namespace

TEST_CASE("a cancel token wakes pollers from another thread and stays cancelled") {
    CancelToken token;
    CHECK_FALSE(token.cancelled());
    CHECK_FALSE(readable(token.fd(), 0));
    std::thread canceller([&] { token.cancel(); });
    CHECK(readable(token.fd(), 5000));
    canceller.join();
    CHECK(token.cancelled());
    token.cancel();  // idempotent
    CHECK(readable(token.fd(), 0));  // level-triggered: every later watcher sees it too
}

TEST_CASE("a cancel token can be triggered from a signal handler without touching errno") {
    CancelToken token;
    signalTarget = &token;
    struct sigaction action {};
    action.sa_handler = cancelFromSignal;
    struct sigaction previous {};
    REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);
    errno = EAGAIN;
    ::raise(SIGUSR1);
    CHECK(errno == EAGAIN);
    ::sigaction(SIGUSR1, &previous, nullptr);
    CHECK(token.cancelled());
    CHECK(readable(token.fd(), 0));
}

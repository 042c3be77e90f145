#include "core/http/cancel.hpp"

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace moltbot::http {

CancelToken::CancelToken() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "cannot create a cancel pipe");
    readFd_ = fds[0];
    writeFd_ = fds[1];
    for (int fd : fds) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

CancelToken::~CancelToken() {
    ::close(readFd_);
    ::close(writeFd_);
}

void CancelToken::cancel() noexcept {
    if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
    // A signal handler must leave errno as it found it; one byte makes the pipe readable for every watcher.
    const int savedErrno = errno;
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(writeFd_, &byte, 1);
    errno = savedErrno;
}

}  // namespace moltbot::http

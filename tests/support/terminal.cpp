#include "tests/support/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace moltbot::test {

TerminalResult runOnTerminal(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env,
                             const std::vector<TerminalStep> &script, std::chrono::milliseconds timeout) {
    std::map<std::string, std::string> variables{{"LANG", "C.UTF-8"}, {"TERM", "dumb"}};
    for (const char *keep : {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char *value = std::getenv(keep)) variables[keep] = value;
    }
    for (const auto &[name, value] : env) variables[name] = value;
    std::vector<std::string> flat;
    for (const auto &[name, value] : variables) flat.push_back(name + "=" + value);
    std::vector<char *> envp, args;
    for (auto &entry : flat) envp.push_back(entry.data());
    envp.push_back(nullptr);
    for (const auto &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);

    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::setsid();
        ::ioctl(slave, TIOCSCTTY, 0);
        ::dup2(slave, 0);
        ::dup2(slave, 1);
        ::dup2(slave, 2);
        ::close(master);
        ::close(slave);
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    ::close(slave);

    TerminalResult result;
    std::size_t step = 0, searchFrom = 0;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (step < script.size()) {
            std::size_t found = result.transcript.find(script[step].waitFor, searchFrom);
            termios mode{};
            bool cooked = script[step].raw && ::tcgetattr(master, &mode) == 0 && (mode.c_lflag & ICANON) != 0;
            if (found != std::string::npos && cooked) {
                ::usleep(5000);  // seen, but the program has not switched the terminal to raw mode yet
            } else if (found != std::string::npos) {
                searchFrom = found + script[step].waitFor.size();
                if (::write(master, script[step].send.data(), script[step].send.size()) < 0) break;
                ++step;
                continue;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timedOut = true;
            ::kill(pid, SIGKILL);
            break;
        }
        pollfd fd{master, POLLIN, 0};
        int ready = ::poll(&fd, 1, static_cast<int>(std::min<long>(left.count(), 100)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        char buffer[4096];
        ssize_t got = ::read(master, buffer, sizeof buffer);
        if (got > 0) {
            result.transcript.append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
            break;  // EIO: the program exited and closed the terminal
        }
    }
    termios settings{};
    result.echoAtEnd = ::tcgetattr(master, &settings) == 0 && (settings.c_lflag & ECHO) != 0;
    ::close(master);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        result.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exitCode = 128 + WTERMSIG(status);
    }
    return result;
}

}  // namespace moltbot::test

// peak-rss FILE PROGRAM [ARG...]: runs PROGRAM, writes its peak resident set (KiB) to FILE and exits as PROGRAM did.
// wait4's figure for a child includes the memory it held before exec, so a program spawned straight from a large
// test process reports at least the test's own size; spawned from this small process, the figure is PROGRAM's own.
// For tests and benchmarks: it forwards the signals it is sent, and shares PROGRAM's process group (a terminal's
// Ctrl-C reaches both).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <initializer_list>

namespace {

volatile sig_atomic_t gChild = 0;

void forward(int signal) { kill(static_cast<pid_t>(gChild), signal); }

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fputs("usage: peak-rss FILE PROGRAM [ARG...]\n", stderr);
        return 2;
    }
    // Signals meant for PROGRAM (a test's Ctrl-C) are passed on; blocked until the handler knows the child.
    sigset_t passed, previous;
    sigemptyset(&passed);
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&passed, signal);
    sigprocmask(SIG_BLOCK, &passed, &previous);
    pid_t child = fork();
    if (child < 0) {
        std::perror("peak-rss: fork");
        return 2;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &previous, nullptr);
        execvp(argv[2], argv + 2);
        std::perror("peak-rss: exec");
        _exit(127);
    }
    gChild = child;
    struct sigaction action {};
    action.sa_handler = forward;
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(signal, &action, nullptr);
    sigprocmask(SIG_SETMASK, &previous, nullptr);

    // Wait for the end without reaping, stop forwarding, then reap: a signal never reaches a pid already reused.
    siginfo_t ended{};
    while (waitid(P_PID, static_cast<id_t>(child), &ended, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    sigprocmask(SIG_BLOCK, &passed, nullptr);
    int status = 0;
    rusage usage{};
    if (wait4(child, &status, 0, &usage) < 0) {
        std::perror("peak-rss: wait4");
        return 2;
    }
    if (FILE *file = std::fopen(argv[1], "w")) {
        std::fprintf(file, "%ld\n", usage.ru_maxrss);
        std::fclose(file);
    }
    if (WIFSIGNALED(status)) {  // die the same way, so the caller sees what PROGRAM did
        signal(WTERMSIG(status), SIG_DFL);
        sigprocmask(SIG_SETMASK, &previous, nullptr);
        raise(WTERMSIG(status));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

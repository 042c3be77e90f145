#include "core/plugin/crash_report.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace moltbot::plugin {

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

// The plugin call running on this thread. initial-exec: reading it in the handler never allocates.
thread_local const PluginCallMark::Record *tCurrent __attribute__((tls_model("initial-exec"))) = nullptr;

struct sigaction gPrevious[NSIG];

// The handler's stack for the thread that installed it, so that a stack overflow there is still reported.
alignas(16) char gAltStack[64 * 1024];

const char *signalName(int signal) {
    switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "a fatal signal";
    }
}

// write(2) until done: the only output allowed in a signal handler.
void writeAll(const char *text, std::size_t length) {
    while (length > 0) {
        ssize_t written = ::write(STDERR_FILENO, text, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        text += written;
        length -= static_cast<std::size_t>(written);
    }
}

void writeText(const char *text) { writeAll(text, std::strlen(text)); }

void onFatalSignal(int signal, siginfo_t *info, void *) {
    int savedErrno = errno;
    if (const PluginCallMark::Record *call = tCurrent) {
        writeText("moltbot: ");
        writeText(call->who);
        writeText(" crashed with ");
        writeText(signalName(signal));
        writeText(" in ");
        writeAll(call->function, call->functionLength);
        writeText("; to go on without it: ");
        writeText(call->fix);
        writeText("\n");
        // The plugin, not the host, failed: die of the signal itself rather than a sanitizer's or a test
        // framework's report about the host.
        struct sigaction fallback {};
        fallback.sa_handler = SIG_DFL;
        sigemptyset(&fallback.sa_mask);
        ::sigaction(signal, &fallback, nullptr);
    } else {
        ::sigaction(signal, &gPrevious[signal], nullptr);
    }
    errno = savedErrno;
    // A fault (SIGSEGV from a bad access, ...) happens again when the handler returns, now with the action just
    // restored; a signal someone sent (kill, abort) is sent again.
    if (info == nullptr || info->si_code <= 0) ::raise(signal);
}

}  // namespace

void installCrashReport() {
    static std::once_flag once;
    std::call_once(once, [] {
        stack_t current{};
        if (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) != 0) {
            stack_t stack{};
            stack.ss_sp = gAltStack;
            stack.ss_size = sizeof gAltStack;
            ::sigaltstack(&stack, nullptr);
        }
        struct sigaction action {};
        action.sa_sigaction = onFatalSignal;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        for (int signal : kFatalSignals) ::sigaction(signal, &action, &gPrevious[signal]);
    });
}

PluginCallMark::PluginCallMark(const CrashSubject &subject, std::string_view function) noexcept
    : record_{subject.who.c_str(), subject.fix.c_str(), function.data(), function.size(), tCurrent} {
    tCurrent = &record_;
}

PluginCallMark::~PluginCallMark() { tCurrent = record_.outer; }

}  // namespace moltbot::plugin

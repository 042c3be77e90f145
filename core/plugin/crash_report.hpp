// A fatal signal inside a plugin (docs/abi.md §8): one line on stderr naming the plugin file, its provider, the
// function that was running and how to go on without it; then the process dies of that signal, as it would have
// anyway. Every call into plugin code is marked with a PluginCallMark, which the signal handler reads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moltbot::plugin {

// Installs the handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT, once per process. A signal outside any
// plugin call goes to the handler that was there before (the default action, a sanitizer's, a test framework's).
void installCrashReport();

// Who a crash report names, formatted before any call so that the signal handler only writes it out.
struct CrashSubject {
    std::string who;  // "plugin /path/x.so (ai.example.x)"
    std::string fix;  // "moltbot plugins disable ai.example.x"
};

// While alive, this thread runs `function` of `subject`'s plugin. Both must outlive the mark. Marks nest: the
// innermost one is reported.
class PluginCallMark {
public:
    PluginCallMark(const CrashSubject &subject, std::string_view function) noexcept;
    ~PluginCallMark();
    PluginCallMark(const PluginCallMark &) = delete;
    PluginCallMark &operator=(const PluginCallMark &) = delete;

    struct Record {
        const char *who;
        const char *fix;
        const char *function;
        std::size_t functionLength;
        const Record *outer;
    };

private:
    Record record_;
};

}  // namespace moltbot::plugin

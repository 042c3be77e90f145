// Running a program on a pseudo-terminal, for the interactive paths (prompts, hidden input) that need a real tty.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace moltbot::test {

// When `waitFor` has appeared in the output (after the previous step's match), `send` is typed.
struct TerminalStep {
    std::string waitFor;
    std::string send;
    // Also wait until the program has put the terminal in raw mode (a line editor reading keys), so that keys are
    // never typed into the cooked terminal of the moment before, as a person could not type them.
    bool raw = false;
};

struct TerminalResult {
    int exitCode = -1;
    std::string transcript;  // everything the terminal showed: output and the echo of what was typed
    bool timedOut = false;
    bool echoAtEnd = false;  // whether the terminal echoed input when the program was done with it
};

// Runs `argv` with the pty as stdin, stdout and stderr, in a clean environment (PATH, LANG, sanitizer options) plus
// `env`.
TerminalResult runOnTerminal(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env,
                             const std::vector<TerminalStep> &script,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace moltbot::test

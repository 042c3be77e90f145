// The chat of `moltbot agent` on a terminal: reads lines, answers the slash commands itself and sends every other
// line as the next turn (docs/cli.md, "The chat").
#pragma once

#include "host/commands/line_editor.hpp"

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

namespace moltbot::cli {

// What the chat needs from the agent command. A hook reports a user error (an unknown model, a file that cannot be
// written) by throwing UsageError; the chat prints it and goes on.
struct ChatHooks {
    std::function<int(const std::string &message)> ask;  // one turn: prints the answer, returns the turn's exit code
    std::function<std::string(const std::string &ref)> switchModel;  // returns the ref now chatted with
    std::function<void()> clear;                                     // a new conversation, the system prompt kept
    std::function<void(const std::string &text)> setSystem;          // "" removes it
    std::function<void(const std::filesystem::path &path)> save;
    // Whether the whole session ended during a turn (--timeout): then the chat ends with that turn's code.
    std::function<bool()> sessionOver;
};

// Runs the chat until /exit, end of input (Ctrl-D) or two Ctrl-C in a row at the prompt. Returns the exit code:
// the last turn's on /exit or Ctrl-D, 130 after the two Ctrl-C.
int runChat(const ChatHooks &hooks, LineEditor &editor, std::ostream &err);

}  // namespace moltbot::cli

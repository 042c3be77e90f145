// The chat's prompt: line editing, history (kept in the state folder) and Ctrl-R search through Debian's libedit.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

struct editline;
struct history;

namespace moltbot::cli {

class LineEditor {
public:
    // `historyFile`: where the lines typed are kept between runs (created 0600); "" keeps none.
    LineEditor(const std::string &prompt, std::filesystem::path historyFile);
    ~LineEditor();
    LineEditor(const LineEditor &) = delete;
    LineEditor &operator=(const LineEditor &) = delete;

    enum class Status { Line, End, Interrupted };
    // Reads one line (without its newline) into `line`. End: end of input (Ctrl-D on an empty line). Interrupted:
    // a signal (Ctrl-C) broke the read; the line typed so far is dropped.
    Status read(std::string &line);
    // Adds a line to the history and saves the history file. Returns why it could not be saved, or "".
    std::string remember(const std::string &line);
    // For the SIGINT handler at the prompt (async-signal-safe). A Ctrl-C that comes while no read is waiting (a
    // quick second press, while the first one's message is printed) interrupts the next read instead of being lost.
    static void noteInterrupt() noexcept;

private:
    std::string prompt_;
    std::filesystem::path historyFile_;
    struct editline *editor_ = nullptr;
    struct history *history_ = nullptr;
};

}  // namespace moltbot::cli

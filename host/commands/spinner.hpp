// Something moving on a terminal while the agent waits: for the first token, and through a retry's wait ("rate
// limited, retrying in 3 s"). It draws on standard error only when that is a terminal, and clears its line before
// anything else is written there or to standard output.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace moltbot::cli {

class Spinner {
public:
    // `enabled`: standard error is a terminal that can take "\r" redraws (not TERM=dumb), and no --json/--quiet.
    explicit Spinner(bool enabled);
    ~Spinner();
    Spinner(const Spinner &) = delete;
    Spinner &operator=(const Spinner &) = delete;

    // Shows `label` after a spinning mark, replacing what it showed before.
    void show(const std::string &label);
    // Clears the line; returns once the line is clear (call it before writing anything).
    void clear();

    // Whether a terminal should get one: standard error is a tty and TERM is set and not "dumb".
    static bool wanted();

private:
    void draw();  // with mutex_ held
    void run();

    bool enabled_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string label_;  // "" = nothing shown
    bool drawn_ = false;
    bool stopping_ = false;
    unsigned frame_ = 0;
    std::thread thread_;
};

}  // namespace moltbot::cli

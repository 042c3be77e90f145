#include "host/commands/spinner.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace moltbot::cli {

namespace {

constexpr const char *kFrames[] = {"|", "/", "-", "\\"};
constexpr auto kFrameTime = std::chrono::milliseconds(100);

}  // namespace

bool Spinner::wanted() {
    const char *term = std::getenv("TERM");
    return isatty(STDERR_FILENO) == 1 && term != nullptr && *term != '\0' && std::strcmp(term, "dumb") != 0;
}

Spinner::Spinner(bool enabled) : enabled_(enabled) {
    if (enabled_) thread_ = std::thread([this] { run(); });
}

Spinner::~Spinner() {
    if (!enabled_) return;
    clear();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void Spinner::show(const std::string &label) {
    if (!enabled_) return;
    {
        std::lock_guard lock(mutex_);
        label_ = label;
        draw();
    }
    changed_.notify_all();
}

void Spinner::clear() {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    label_.clear();
    if (drawn_) {
        std::fputs("\r\x1b[K", stderr);  // back to the line's start, erase it
        std::fflush(stderr);
        drawn_ = false;
    }
}

void Spinner::draw() {
    std::fprintf(stderr, "\r\x1b[K%s %s", kFrames[frame_ % 4], label_.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Spinner::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        changed_.wait_for(lock, kFrameTime);
        if (stopping_) break;
        if (label_.empty()) continue;
        ++frame_;
        draw();
    }
}

}  // namespace moltbot::cli

#include "host/commands/line_editor.hpp"

#include "core/config/files.hpp"

#include <histedit.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace moltbot::cli {

namespace {

constexpr int kHistoryLines = 1000;

// libedit asks a function for the prompt; the editor's client data holds the LineEditor's text.
char *promptOf(EditLine *editor) {
    void *text = nullptr;
    el_get(editor, EL_CLIENTDATA, &text);
    return text == nullptr ? const_cast<char *>("") : static_cast<std::string *>(text)->data();
}

}  // namespace

LineEditor::LineEditor(const std::string &prompt, std::filesystem::path historyFile)
    : prompt_(prompt), historyFile_(std::move(historyFile)) {
    // Prompt and echo go to standard error, like every status line: standard output holds the answers only.
    editor_ = el_init("moltbot", stdin, stderr, stderr);
    history_ = history_init();
    if (editor_ == nullptr || history_ == nullptr) return;  // read() falls back to plain lines
    HistEvent event;
    history(history_, &event, H_SETSIZE, kHistoryLines);
    history(history_, &event, H_SETUNIQUE, 1);
    el_set(editor_, EL_CLIENTDATA, &prompt_);
    el_set(editor_, EL_PROMPT, promptOf);
    el_set(editor_, EL_EDITOR, "emacs");
    el_set(editor_, EL_HIST, history, history_);
    el_set(editor_, EL_SIGNAL, 0);  // SIGINT stays the agent's: it breaks the read (Interrupted)
    // Ctrl-R searches the history backwards, as in bash (libedit binds it to a redraw by default).
    el_set(editor_, EL_BIND, "^R", "em-inc-search-prev", nullptr);
    el_source(editor_, nullptr);  // the user's ~/.editrc, when there is one
    if (!historyFile_.empty() && std::filesystem::exists(historyFile_)) {
        history(history_, &event, H_LOAD, historyFile_.c_str());
    }
}

LineEditor::~LineEditor() {
    if (editor_ != nullptr) el_end(editor_);
    if (history_ != nullptr) history_end(history_);
}

namespace {
volatile sig_atomic_t gPendingInterrupt = 0;  // a Ctrl-C at the prompt that no read has reported yet
}  // namespace

void LineEditor::noteInterrupt() noexcept { gPendingInterrupt = 1; }

LineEditor::Status LineEditor::read(std::string &line) {
    line.clear();
    if (gPendingInterrupt != 0) {  // pressed before this read began
        gPendingInterrupt = 0;
        return Status::Interrupted;
    }
    if (editor_ == nullptr) {
        std::cerr << prompt_ << std::flush;
        if (std::getline(std::cin, line)) return Status::Line;
        bool interrupted = errno == EINTR;
        if (interrupted) gPendingInterrupt = 0;
        std::cin.clear();
        std::clearerr(stdin);
        return interrupted ? Status::Interrupted : Status::End;
    }
    int count = 0;
    errno = 0;
    const char *text = el_gets(editor_, &count);
    if (text == nullptr || count <= 0) {
        if (count < 0 && errno == EINTR) {
            gPendingInterrupt = 0;  // this read reports it
            el_reset(editor_);  // the terminal back to how it was; the next read starts a fresh line
            return Status::Interrupted;
        }
        return Status::End;
    }
    line.assign(text, static_cast<std::size_t>(count));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return Status::Line;
}

std::string LineEditor::remember(const std::string &line) {
    if (history_ == nullptr || line.empty()) return {};
    HistEvent event;
    history(history_, &event, H_ENTER, line.c_str());
    if (historyFile_.empty()) return {};
    try {
        config::ensurePrivateFolder(historyFile_.parent_path());
    } catch (const std::exception &error) {
        return error.what();
    }
    // libedit writes with fopen, which keeps the mode of a file that exists: create it 0600 first.
    int fd = ::open(historyFile_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return historyFile_.string() + ": " + std::strerror(errno);
    ::fchmod(fd, 0600);
    ::close(fd);
    if (history(history_, &event, H_SAVE, historyFile_.c_str()) < 0) return historyFile_.string() + ": cannot write it";
    return {};
}

}  // namespace moltbot::cli

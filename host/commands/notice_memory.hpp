// The informational notices `moltbot agent` has already shown, kept in <state dir>/notices-shown.json so that one
// (a model id the catalog normalised: "claude-sonnet-4-5" to "claude-sonnet-4.5") is shown once, not on every run.
// Warnings are not remembered: they show every time.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>

namespace moltbot::cli {

class NoticeMemory {
public:
    // Reads `file` when it exists; an unreadable or damaged file counts as empty (the cost is a notice shown again).
    explicit NoticeMemory(std::filesystem::path file);

    bool shown(std::string_view notice) const;
    void remember(std::string_view notice);
    // Writes the file (0600, atomically, merged with what another run wrote meanwhile) when something was
    // remembered. Returns "" or why it could not be written.
    std::string save();

private:
    std::filesystem::path file_;
    std::set<std::string, std::less<>> shown_;
    std::set<std::string, std::less<>> added_;
};

}  // namespace moltbot::cli

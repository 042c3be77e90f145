// A temporary HOME for end-to-end runs of the moltbot binary, with a snapshot of every file in it so that a failed
// command can be shown to have left the disk byte-identical.
#pragma once

#include "tests/support/process.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moltbot::test {

// A realistic OpenRouter key; tests check that no output contains its middle.
inline const std::string kOpenRouterKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";

class Home {
public:
    const std::filesystem::path &path() const { return dir_.path(); }
    std::filesystem::path state() const { return path() / ".moltbot"; }
    std::filesystem::path config() const { return state() / "moltbot.json"; }
    std::filesystem::path credentials() const { return state() / "credentials.json"; }

    // moltbot ARGS with HOME set to this folder, plus `env`.
    RunResult run(const std::vector<std::string> &args, const std::map<std::string, std::optional<std::string>> &env = {},
                  const std::string &input = {}) const;
    void writeConfig(const std::string &text) const { dir_.write(".moltbot/moltbot.json", text); }

    // Every file under the home, by relative path: its mode and content.
    std::map<std::string, std::string> snapshot() const;

private:
    TempDir dir_;
};

// Whether `text` shows any long piece of the key (so a masked key passes, the full one never does).
bool leaksKey(const std::string &text, const std::string &key = kOpenRouterKey);

// File permission bits.
unsigned modeOf(const std::filesystem::path &path);

}  // namespace moltbot::test

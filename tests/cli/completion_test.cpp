// `moltbot completion bash|zsh|fish` through the real shells: each script is loaded into bash, zsh or fish and asked
// for the completions of a command line, as the shell does when the user presses Tab.
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <set>
#include <sstream>

using namespace moltbot::test;

namespace {

std::set<std::string> linesOf(const std::string &text) {
    std::set<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.insert(line.substr(0, line.find('\t')));  // fish adds "\tdescription"
    }
    return lines;
}

// A folder holding the three scripts and one file to complete file names against.
struct Scripts {
    Scripts() {
        for (const char *shell : {"bash", "zsh", "fish"}) {
            RunResult script = run({moltbotBinary().string(), "completion", shell});
            REQUIRE(script.exitCode == 0);
            REQUIRE(script.err.empty());
            folder.write(std::string("moltbot.") + shell, script.out);
        }
        folder.write("notes.txt", "a system prompt\n");
    }
    std::filesystem::path script(const std::string &shell) const { return folder.path() / ("moltbot." + shell); }
    RunOptions options() const {
        RunOptions options;
        options.env["HOME"] = folder.path().string();  // fish wants a home for its own files
        options.cwd = folder.path();
        return options;
    }
    TempDir folder;
};

// The words before the cursor, and the word being completed (possibly empty).
struct Line {
    std::vector<std::string> before;
    std::string current;
};

std::string shellWords(const Line &line) {
    std::string words = "moltbot";
    for (const auto &word : line.before) words += " '" + word + "'";
    return words + " '" + line.current + "'";
}

std::set<std::string> bash(const Scripts &scripts, const Line &line) {
    std::string program = "source '" + scripts.script("bash").string() + "'\nCOMP_WORDS=(" + shellWords(line) +
                          ")\nCOMP_CWORD=" + std::to_string(line.before.size() + 1) +
                          "\n_moltbot\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
    RunResult result = run({"bash", "--norc", "--noprofile", "-c", program}, scripts.options());
    INFO(result.err);
    REQUIRE(result.exitCode == 0);
    return linesOf(result.out);
}

// zsh's completion system needs a terminal; the two functions the script calls are replaced by ones that print
// what they would offer for the word being completed.
std::set<std::string> zsh(const Scripts &scripts, const Line &line) {
    std::string program = "compadd() { [[ $1 == -- ]] && shift; local w; for w in \"$@\"; do "
                          "[[ $w == ${words[CURRENT]}* ]] && print -- $w; done; return 0; }\n"
                          "_files() { print -l -- ${words[CURRENT]}*(N); }\n"
                          "compdef() { }\n"
                          "source '" + scripts.script("zsh").string() + "'\nwords=(" + shellWords(line) +
                          ")\nCURRENT=" + std::to_string(line.before.size() + 2) + "\n_moltbot\n";
    RunResult result = run({"zsh", "-f", "-c", program}, scripts.options());
    INFO(result.err);
    REQUIRE(result.exitCode == 0);
    CHECK(result.err.empty());
    return linesOf(result.out);
}

std::set<std::string> fish(const Scripts &scripts, const Line &line) {
    std::string commandLine = "moltbot";
    for (const auto &word : line.before) commandLine += " " + word;
    commandLine += " " + line.current;
    std::string program = "source '" + scripts.script("fish").string() + "'\ncomplete -C '" + commandLine + "'\n";
    RunResult result = run({"fish", "--no-config", "-c", program}, scripts.options());
    INFO(result.err);
    REQUIRE(result.exitCode == 0);
    CHECK(result.err.empty());
    return linesOf(result.out);
}

bool has(const std::set<std::string> &words, const std::string &word) { return words.count(word) != 0; }

}  // namespace

TEST_CASE("completion: commands, subcommands, options and option values in bash, zsh and fish") {
    Scripts scripts;
    using Ask = std::set<std::string> (*)(const Scripts &, const Line &);
    for (auto [shell, ask] : {std::pair<std::string, Ask>{"bash", bash}, {"zsh", zsh}, {"fish", fish}}) {
        CAPTURE(shell);
        // The first word: every command, and nothing else for a prefix.
        std::set<std::string> top = ask(scripts, {{}, ""});
        for (const char *command : {"agent", "models", "config", "keys", "serve", "help", "completion"}) {
            CHECK(has(top, command));
        }
        CHECK(ask(scripts, {{}, "mo"}) == std::set<std::string>{"models"});
        // A group's subcommands, also after `help`.
        std::set<std::string> models = ask(scripts, {{"models"}, ""});
        CHECK(has(models, "list"));
        CHECK(has(models, "status"));
        CHECK(ask(scripts, {{"help", "models"}, ""}) == models);
        CHECK(ask(scripts, {{"keys"}, "cr"}) == std::set<std::string>{"create"});
        // The options of the command the line is in, not of another.
        std::set<std::string> listFlags = ask(scripts, {{"models", "list"}, "--"});
        CHECK(has(listFlags, "--json"));
        CHECK(has(listFlags, "--help"));
        CHECK_FALSE(has(listFlags, "--model"));
        // An option's value is not a subcommand: `-o KEY VALUE` takes two words, and the line stays in `agent`.
        std::set<std::string> agentFlags = ask(scripts, {{"agent", "-o", "models", "list", "--model", "x"}, "--"});
        CHECK(has(agentFlags, "--model"));
        CHECK(has(agentFlags, "--system-file"));
        CHECK_FALSE(has(agentFlags, "--all"));
        // A path completes file names; another value offers no words.
        CHECK(ask(scripts, {{"agent", "--system-file"}, "no"}) == std::set<std::string>{"notes.txt"});
        CHECK(ask(scripts, {{"agent", "--model"}, ""}).empty());
    }
}

TEST_CASE("completion: an unknown or missing shell is a usage error naming the shells") {
    RunResult unknown = run({moltbotBinary().string(), "completion", "bsh"});
    CHECK(unknown.exitCode == 1);
    CHECK(unknown.err == "moltbot: no completion for the shell 'bsh' (bash, zsh or fish); did you mean 'bash'?\n");
    CHECK(unknown.out.empty());
    RunResult missing = run({moltbotBinary().string(), "completion"});
    CHECK(missing.exitCode == 1);
    CHECK(missing.err.find("needs one shell: bash, zsh or fish") != std::string::npos);
}

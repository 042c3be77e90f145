// `moltbot completion bash|zsh|fish`: a shell completion script generated from the command table itself, so every
// command, subcommand and option completes the moment it is registered. `meson install` installs the three scripts
// (host/meson.build); docs/cli.md says how to load them by hand.
#include "host/cli.hpp"

#include <Poco/Util/Option.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>

namespace moltbot::cli {

namespace {

struct CompletedOption {
    std::string longName, shortName, description;
    int values = 0;     // words the option takes after it: 0, 1, or 2 (`-o KEY VALUE`)
    bool file = false;  // its value is a path: the shell completes file names there
};

// One place on the command line: the command words so far ("" at the top, "models", "models list"), the words that
// may come next, and the options valid there.
struct Level {
    std::string words;
    std::vector<std::pair<std::string, std::string>> subs;  // word, summary
    std::vector<CompletedOption> options;
};

bool isPathArgument(const std::string &name) { return name == "PATH" || name == "FILE" || name == "DIR"; }

std::vector<CompletedOption> optionsOf(const Command &command) {
    Poco::Util::OptionSet set;
    command.defineOptions(set);
    addCommonOptions(set);
    std::vector<std::string> pairs = command.pairOptions();
    std::vector<CompletedOption> options;
    for (const auto &option : set) {
        CompletedOption completed{option.fullName(), option.shortName(), option.description()};
        if (option.takesArgument()) completed.values = 1;
        if (std::find(pairs.begin(), pairs.end(), option.fullName()) != pairs.end()) completed.values = 2;
        completed.file = isPathArgument(option.argumentName());
        options.push_back(std::move(completed));
    }
    return options;
}

// Every level of the CLI: the top, each command, each word that starts a group of commands, and `help` followed by
// the words it accepts (`moltbot help models list`).
std::vector<Level> levelsOf(const CommandList &commands) {
    std::map<std::string, Level> levels;
    std::map<std::string, std::string> summaries;
    for (const auto &command : commands) summaries[command->name()] = command->summary();
    auto addSub = [&](const std::string &at, const std::string &word, const std::string &full) {
        Level &level = levels[at];
        level.words = at;
        for (const auto &[existing, summary] : level.subs) {
            if (existing == word) return;
        }
        level.subs.emplace_back(word, summaries.count(full) != 0 ? summaries[full] : "");
    };
    for (const auto &command : commands) {
        std::istringstream split(command->name());
        std::string word, at;
        while (split >> word) {
            std::string full = at.empty() ? word : at + " " + word;
            addSub(at, word, full);
            if (word != "help" || !at.empty()) addSub(at.empty() ? "help" : "help " + at, word, full);
            at = full;
        }
        Level &level = levels[at];
        level.words = at;
        level.options = optionsOf(*command);
    }
    Level &top = levels[""];
    top.options = {{"help", "h", "show the commands and exit"}, {"version", "V", "show the version and exit"}};
    std::vector<Level> ordered;
    for (auto &[words, level] : levels) ordered.push_back(std::move(level));
    return ordered;
}

std::string joinedSubs(const Level &level) {
    std::string text;
    for (const auto &[word, summary] : level.subs) text += (text.empty() ? "" : " ") + word;
    return text;
}

std::string joinedFlags(const Level &level) {
    std::string text;
    for (const auto &option : level.options) {
        text += (text.empty() ? "" : " ") + ("--" + option.longName);
        if (!option.shortName.empty()) text += " -" + option.shortName;
    }
    return text;
}

// The case table both POSIX-like shells share: which words follow a level, which options it has, how many values
// an option takes, and whether that value is a file. Command words and option names are [a-z0-9 -] only, so they
// need no quoting inside double quotes.
void writeShellTables(std::ostream &out) {
    std::vector<Level> levels = levelsOf(allCommands());
    out << "_moltbot_subs() {\n    case \"$1\" in\n";
    for (const auto &level : levels) {
        if (!level.subs.empty()) out << "        \"" << level.words << "\") printf '%s\\n' \"" << joinedSubs(level) << "\" ;;\n";
    }
    out << "    esac\n}\n\n_moltbot_flags() {\n    case \"$1\" in\n";
    for (const auto &level : levels) {
        if (!level.options.empty()) out << "        \"" << level.words << "\") printf '%s\\n' \"" << joinedFlags(level) << "\" ;;\n";
    }
    out << "    esac\n}\n\n# The words an option takes after it; 'file' when its value is a path.\n"
        << "_moltbot_values() {\n    case \"$1|$2\" in\n";
    for (const auto &level : levels) {
        for (const auto &option : level.options) {
            if (option.values == 0) continue;
            std::string names = "\"" + level.words + "|--" + option.longName + "\"";
            if (!option.shortName.empty()) names += "|\"" + level.words + "|-" + option.shortName + "\"";
            out << "        " << names << ") echo " << (option.file ? "file" : std::to_string(option.values))
                << " ;;\n";
        }
    }
    out << "        *) echo 0 ;;\n    esac\n}\n\n";
    // The walk over the words before the cursor, the same in both shells: it finds the command words and whether
    // the cursor is on an option's value. $1 is the number of words before the cursor, the rest are those words.
    out << "_moltbot_walk() {\n"
           "    local count=$1 i word takes\n"
           "    shift\n"
           "    _moltbot_at=\"\" _moltbot_pending=0 _moltbot_file=0\n"
           "    for ((i = 1; i <= count; i++)); do\n"
           "        word=${@:$i:1}\n"
           "        if ((_moltbot_pending > 0)); then\n"
           "            _moltbot_pending=$((_moltbot_pending - 1))\n"
           "            continue\n"
           "        fi\n"
           "        _moltbot_file=0\n"
           "        case \"$word\" in\n"
           "            -*=*) ;;\n"
           "            -*)\n"
           "                takes=$(_moltbot_values \"$_moltbot_at\" \"$word\")\n"
           "                if [[ $takes == file ]]; then _moltbot_pending=1 _moltbot_file=1; else _moltbot_pending=$takes; fi\n"
           "                ;;\n"
           "            *)\n"
           "                if [[ \" $(_moltbot_subs \"$_moltbot_at\") \" == *\" $word \"* ]]; then\n"
           "                    _moltbot_at=${_moltbot_at:+$_moltbot_at }$word\n"
           "                fi\n"
           "                ;;\n"
           "        esac\n"
           "    done\n"
           "}\n\n";
}

void writeBash(std::ostream &out) {
    out << "# bash completion for moltbot, generated by 'moltbot completion bash'.\n"
           "# Load it with: source <(moltbot completion bash)\n\n";
    writeShellTables(out);
    out << "_moltbot() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]}\n"
           "    _moltbot_walk $((COMP_CWORD - 1)) \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"\n"
           "    if ((_moltbot_pending > 0)); then\n"
           "        if ((_moltbot_file)); then COMPREPLY=($(compgen -f -- \"$cur\")); else COMPREPLY=(); fi\n"
           "        return 0\n"
           "    fi\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$(_moltbot_flags \"$_moltbot_at\")\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -W \"$(_moltbot_subs \"$_moltbot_at\")\" -- \"$cur\"))\n"
           "    fi\n"
           "}\n"
           "complete -F _moltbot moltbot\n";
}

void writeZsh(std::ostream &out) {
    out << "#compdef moltbot\n"
           "# zsh completion for moltbot, generated by 'moltbot completion zsh'.\n"
           "# Load it with: source <(moltbot completion zsh) after compinit, or put it on $fpath as _moltbot.\n\n";
    writeShellTables(out);
    out << "_moltbot() {\n"
           "    local cur=${words[CURRENT]}\n"
           "    _moltbot_walk $((CURRENT - 2)) \"${(@)words[2,CURRENT-1]}\"\n"
           "    if ((_moltbot_pending > 0)); then\n"
           "        if ((_moltbot_file)); then _files; fi\n"
           "        return 0\n"
           "    fi\n"
           "    if [[ $cur == -* ]]; then\n"
           "        compadd -- ${=$(_moltbot_flags \"$_moltbot_at\")}\n"
           "    else\n"
           "        compadd -- ${=$(_moltbot_subs \"$_moltbot_at\")}\n"
           "    fi\n"
           "}\n\n"
           "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then\n"
           "    _moltbot \"$@\"\n"
           "else\n"
           "    compdef _moltbot moltbot\n"
           "fi\n";
}

std::string fishQuoted(const std::string &text) {
    std::string quoted = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

void writeFish(std::ostream &out) {
    std::vector<Level> levels = levelsOf(allCommands());
    out << "# fish completion for moltbot, generated by 'moltbot completion fish'.\n"
           "# Load it with: moltbot completion fish | source\n\n"
           "function __moltbot_subs\n    switch \"$argv[1]\"\n";
    for (const auto &level : levels) {
        if (level.subs.empty()) continue;
        out << "        case " << fishQuoted(level.words) << "\n            printf '%s\\n' " << joinedSubs(level) << "\n";
    }
    out << "    end\nend\n\nfunction __moltbot_values\n    switch \"$argv[1]|$argv[2]\"\n";
    for (const auto &level : levels) {
        for (const auto &option : level.options) {
            if (option.values == 0) continue;
            out << "        case " << fishQuoted(level.words + "|--" + option.longName);
            if (!option.shortName.empty()) out << " " << fishQuoted(level.words + "|-" + option.shortName);
            out << "\n            echo " << option.values << "\n";
        }
    }
    out << "        case '*'\n            echo 0\n    end\nend\n\n"
           "# The command words before the cursor (\"models list\"), skipping options and their values.\n"
           "function __moltbot_at\n"
           "    set -l at ''\n"
           "    set -l pending 0\n"
           "    for word in (commandline -opc)[2..-1]\n"
           "        if test $pending -gt 0\n"
           "            set pending (math $pending - 1)\n"
           "            continue\n"
           "        end\n"
           "        switch $word\n"
           "            case '-*=*'\n"
           "            case '-*'\n"
           "                set pending (__moltbot_values \"$at\" $word)\n"
           "            case '*'\n"
           "                if contains -- $word (__moltbot_subs \"$at\")\n"
           "                    set at (string trim -- \"$at $word\")\n"
           "                end\n"
           "        end\n"
           "    end\n"
           "    echo $at\n"
           "end\n\n"
           "function __moltbot_is\n    test \"$(__moltbot_at)\" = \"$argv[1]\"\nend\n\n"
           "complete -c moltbot -f\n";
    for (const auto &level : levels) {
        std::string condition = "-n " + fishQuoted("__moltbot_is " + fishQuoted(level.words));
        for (const auto &[word, summary] : level.subs) {
            out << "complete -c moltbot " << condition << " -a " << word;
            if (!summary.empty()) out << " -d " << fishQuoted(summary);
            out << "\n";
        }
        for (const auto &option : level.options) {
            out << "complete -c moltbot " << condition << " -l " << option.longName;
            if (!option.shortName.empty()) out << " -s " << option.shortName;
            if (option.values > 0) out << (option.file ? " -r -F" : " -x");  // -x: a value, but no file names
            if (!option.description.empty()) out << " -d " << fishQuoted(option.description);
            out << "\n";
        }
    }
}

class CompletionCommand : public Command {
public:
    std::string name() const override { return "completion"; }
    std::string summary() const override { return "print a shell completion script (bash, zsh or fish)"; }
    std::string usage() const override { return "bash|zsh|fish"; }
    std::string details() const override {
        return "Load it for this shell session with 'source <(moltbot completion bash)' (bash, zsh after compinit) "
               "or 'moltbot completion fish | source'. 'meson install' installs all three where the shells look "
               "for them.";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        const std::vector<std::string> shells = {"bash", "zsh", "fish"};
        if (invocation.positionals.size() != 1) {
            throw UsageError{"'moltbot completion' needs one shell: bash, zsh or fish"};
        }
        const std::string &shell = invocation.positionals.front();
        if (shell == "bash") {
            writeBash(streams.out);
        } else if (shell == "zsh") {
            writeZsh(streams.out);
        } else if (shell == "fish") {
            writeFish(streams.out);
        } else {
            std::string message = "no completion for the shell '" + shell + "' (bash, zsh or fish)";
            if (std::string near = nearest(shell, shells); !near.empty()) message += "; did you mean '" + near + "'?";
            throw UsageError{message};
        }
        return kOk;
    }
};

}  // namespace

void addCompletionCommand(CommandList &commands) { commands.push_back(std::make_unique<CompletionCommand>()); }

}  // namespace moltbot::cli

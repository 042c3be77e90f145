#include "host/commands/group.hpp"

#include <algorithm>
#include <ostream>

namespace moltbot::cli {

std::vector<std::string> subcommandsOf(const std::string &group) {
    std::vector<std::string> names;
    for (const auto &command : allCommands()) {
        const std::string full = command->name();
        if (full.size() > group.size() + 1 && full.compare(0, group.size() + 1, group + " ") == 0) {
            // "models fallbacks add" is a subcommand of "models fallbacks", which is the one "models" lists.
            std::string next = full.substr(group.size() + 1);
            next = next.substr(0, next.find(' '));
            if (std::find(names.begin(), names.end(), next) == names.end()) names.push_back(next);
        }
    }
    return names;
}

namespace {

std::string listed(const std::vector<std::string> &names) {
    std::string list;
    for (const auto &sub : names) list += (list.empty() ? "" : ", ") + sub;
    return list;
}

}  // namespace

UsageError unknownSubcommand(const std::string &group, const std::string &word) {
    std::vector<std::string> names = subcommandsOf(group);
    if (names.empty()) return UsageError{"'moltbot " + group + "' has no subcommand '" + word + "'"};
    std::string message = "unknown subcommand '" + word + "' for 'moltbot " + group + "'";
    if (std::string suggestion = nearest(word, names); !suggestion.empty()) {
        message += " (did you mean '" + suggestion + "'?)";
    }
    return UsageError{message + "; subcommands: " + listed(names)};
}

std::string GroupCommand::details() const {
    std::string text = "subcommands:";
    for (const auto &sub : subcommandsOf(name_)) text += " " + sub;
    return text + "\nRun 'moltbot " + name_ + " <subcommand> --help' for its options.";
}

int GroupCommand::run(const Invocation &invocation, Streams) const {
    if (invocation.positionals.empty()) {
        throw UsageError{"'moltbot " + name_ + "' needs a subcommand: " + listed(subcommandsOf(name_)) +
                         "; see 'moltbot " + name_ + " --help'"};
    }
    throw unknownSubcommand(name_, invocation.positionals.front());
}

}  // namespace moltbot::cli

#include "host/commands/group.hpp"

#include <ostream>

namespace moltbot::cli {

std::vector<std::string> GroupCommand::subcommands() const {
    std::vector<std::string> names;
    for (const auto &command : allCommands()) {
        const std::string full = command->name();
        if (full.size() > name_.size() + 1 && full.compare(0, name_.size() + 1, name_ + " ") == 0) {
            names.push_back(full.substr(name_.size() + 1));
        }
    }
    return names;
}

std::string GroupCommand::details() const {
    std::string text = "subcommands:";
    for (const auto &sub : subcommands()) text += " " + sub;
    return text + "\nRun 'moltbot " + name_ + " <subcommand> --help' for its options.";
}

int GroupCommand::run(const Invocation &invocation, Streams) const {
    std::vector<std::string> names = subcommands();
    std::string list;
    for (const auto &sub : names) list += (list.empty() ? "" : ", ") + sub;
    if (invocation.positionals.empty()) {
        throw UsageError{"'moltbot " + name_ + "' needs a subcommand: " + list + "; see 'moltbot " + name_ + " --help'"};
    }
    const std::string &word = invocation.positionals.front();
    std::string message = "unknown subcommand '" + word + "' for 'moltbot " + name_ + "'";
    if (std::string suggestion = nearest(word, names); !suggestion.empty()) {
        message += " (did you mean '" + suggestion + "'?)";
    }
    throw UsageError{message + "; subcommands: " + list};
}

}  // namespace moltbot::cli

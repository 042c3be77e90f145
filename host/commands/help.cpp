// `moltbot help [COMMAND [SUBCOMMAND]]`: what `moltbot COMMAND --help` prints, for those who type help first.
#include "host/cli.hpp"
#include "host/commands/group.hpp"

namespace moltbot::cli {

namespace {

class HelpCommand : public Command {
public:
    std::string name() const override { return "help"; }
    std::string summary() const override { return "show the options of a command (moltbot help models list)"; }
    std::string usage() const override { return "[COMMAND [SUBCOMMAND]]"; }

    int run(const Invocation &invocation, Streams streams) const override {
        CommandList commands = allCommands();
        const std::vector<std::string> &words = invocation.positionals;
        if (words.empty()) {
            printTopHelp(commands, streams.out);
            return kOk;
        }
        std::size_t used = 0;
        const Command *command = findCommand(commands, words, used);
        if (command == nullptr) throw unknownCommand(commands, words.front());
        if (used < words.size()) throw unknownSubcommand(command->name(), words[used]);
        printCommandHelp(*command, streams.out);
        return kOk;
    }
};

}  // namespace

void addHelpCommand(CommandList &commands) { commands.push_back(std::make_unique<HelpCommand>()); }

}  // namespace moltbot::cli

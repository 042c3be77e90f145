// The command framework of the moltbot CLI: every subcommand is a Command with its own options and --help.
#pragma once

#include "core/util/suggest.hpp"

#include <Poco/Util/OptionSet.h>

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::cli {

// Exit codes, documented in docs/cli.md.
enum Exit : int {
    kOk = 0,
    kUsage = 1,        // bad flags, bad config, bad input
    kAllFailed = 2,    // every model of the chain failed
    kCancelled = 130,  // SIGINT
};

// Raised by a command for a user error: printed as "moltbot: <message>" and exits with `code`.
struct UsageError {
    std::string message;
    int code = kUsage;
};

// What the parser found on the command line for one command.
struct Invocation {
    std::vector<std::string> positionals;
    // long name -> values ("" for flags); a two-value option (Command::pairOptions) holds KEY, VALUE, KEY, VALUE...
    std::map<std::string, std::vector<std::string>> options;

    bool has(std::string_view name) const;
    // The last value given, or `fallback` when absent.
    std::string value(std::string_view name, std::string fallback = {}) const;
};

struct Streams {
    std::ostream &out;
    std::ostream &err;
};

class Command {
public:
    virtual ~Command() = default;
    // Words after "moltbot", e.g. "plugins list".
    virtual std::string name() const = 0;
    virtual std::string summary() const = 0;
    // Positional usage shown in --help, e.g. "PATH VALUE".
    virtual std::string usage() const { return {}; }
    // Longer text shown at the end of --help.
    virtual std::string details() const { return {}; }
    virtual void defineOptions(Poco::Util::OptionSet &) const {}
    // Long names of the options that take two values, as in `-o KEY VALUE`: the parser takes the argument after the
    // option's own value as its second value, whatever it starts with.
    virtual std::vector<std::string> pairOptions() const { return {}; }
    virtual int run(const Invocation &invocation, Streams streams) const = 0;
};

using CommandList = std::vector<std::unique_ptr<Command>>;

// Every command of the CLI; host/commands/registry.cpp lists them.
CommandList allCommands();

// Runs the CLI on argv (without the program name). Returns the exit code.
int runCli(const std::vector<std::string> &args, Streams streams);

// The command whose name matches the longest run of leading words of `words`, with `used` set to that word count;
// nullptr when none does.
const Command *findCommand(const CommandList &commands, const std::vector<std::string> &words, std::size_t &used);
// The error for a first word that names no command, with the nearest command when one is close.
UsageError unknownCommand(const CommandList &commands, const std::string &word);
// The options every command has besides its own: --help and --color (host/commands/style.hpp).
void addCommonOptions(Poco::Util::OptionSet &options);

// What `moltbot --help` prints, and what `moltbot COMMAND --help` prints.
void printTopHelp(const CommandList &commands, std::ostream &out);
void printCommandHelp(const Command &command, std::ostream &out);

// The closest candidate by edit distance, or "" when nothing is close enough to suggest.
using util::nearest;

}  // namespace moltbot::cli

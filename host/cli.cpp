#include "host/cli.hpp"
#include "host/commands/style.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <moltbot/plugin.h>

#include <algorithm>
#include <ostream>
#include <sstream>

namespace moltbot::cli {

bool Invocation::has(std::string_view name) const { return options.find(std::string(name)) != options.end(); }

std::string Invocation::value(std::string_view name, std::string fallback) const {
    auto it = options.find(std::string(name));
    if (it == options.end() || it->second.empty()) return fallback;
    return it->second.back();
}

namespace {

std::vector<std::string> optionNames(const Poco::Util::OptionSet &options) {
    std::vector<std::string> names;
    for (const auto &option : options) names.push_back("--" + option.fullName());
    return names;
}

Invocation parse(const Command &command, const std::vector<std::string> &args, bool &wantsHelp) {
    Poco::Util::OptionSet options;
    command.defineOptions(options);
    addCommonOptions(options);
    Poco::Util::OptionProcessor processor(options);
    processor.setUnixStyle(true);
    Invocation invocation;
    const std::vector<std::string> pairs = command.pairOptions();
    bool onlyPositionals = false;
    bool awaitingValue = false;  // the previous flag takes this argument as its value: "--mode local"
    std::string awaitingSecond;  // the two-value option whose VALUE this argument is: "-o KEY VALUE"
    for (const auto &arg : args) {
        if (!awaitingSecond.empty()) {
            invocation.options[awaitingSecond].push_back(arg);  // taken as it is, so "-o seed -1" works
            awaitingSecond.clear();
            continue;
        }
        if (!awaitingValue && (onlyPositionals || arg == "-" || arg.empty() || arg[0] != '-')) {
            invocation.positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            onlyPositionals = true;
            continue;
        }
        std::string name, value;
        try {
            if (!processor.process(arg, name, value)) {
                invocation.positionals.push_back(arg);
                continue;
            }
        } catch (const Poco::Util::UnknownOptionException &) {
            std::string flag = arg.substr(0, arg.find('='));
            std::string message = "unknown option " + flag + " for 'moltbot " + command.name() + "'";
            std::string suggestion = nearest(flag, optionNames(options));
            if (!suggestion.empty()) message += " (did you mean " + suggestion + "?)";
            throw UsageError{message + "; see 'moltbot " + command.name() + " --help'"};
        } catch (const Poco::Util::OptionException &error) {
            throw UsageError{error.displayText() + " for 'moltbot " + command.name() + "'; see 'moltbot " +
                             command.name() + " --help'"};
        }
        awaitingValue = name.empty();  // Poco deferred the flag until its value arrives
        if (!name.empty()) invocation.options[name].push_back(value);
        if (std::find(pairs.begin(), pairs.end(), name) != pairs.end()) awaitingSecond = name;
    }
    if (!awaitingSecond.empty()) {
        const Poco::Util::Option &option = options.getOption(awaitingSecond);
        std::string flag = option.shortName().empty() ? "--" + option.fullName() : "-" + option.shortName();
        throw UsageError{flag + " takes two values, " + flag + " " + option.argumentName() + ", for 'moltbot " +
                         command.name() + "'; see 'moltbot " + command.name() + " --help'"};
    }
    try {
        processor.checkRequired();
    } catch (const Poco::Util::OptionException &error) {
        throw UsageError{error.displayText() + " for 'moltbot " + command.name() + "'"};
    }
    wantsHelp = invocation.has("help");
    return invocation;
}

}  // namespace

void addCommonOptions(Poco::Util::OptionSet &options) {
    options.addOption(Poco::Util::Option("help", "h", "show this help and exit"));
    options.addOption(Poco::Util::Option("color", "", "colours on a terminal: auto (default; none with NO_COLOR or on a "
                                                      "pipe), always or never")
                          .argument("WHEN"));
}

void printCommandHelp(const Command &command, std::ostream &out) {
    Poco::Util::OptionSet options;
    command.defineOptions(options);
    addCommonOptions(options);
    Poco::Util::HelpFormatter formatter(options);
    formatter.setUnixStyle(true);
    formatter.setWidth(100);
    formatter.setCommand("moltbot " + command.name());
    formatter.setUsage(std::string("[options]") + (command.usage().empty() ? "" : " " + command.usage()));
    formatter.setHeader(command.summary());
    formatter.setFooter(command.details());
    formatter.format(out);
}

void printTopHelp(const CommandList &commands, std::ostream &out) {
    out << "moltbot " MOLTBOT_VERSION " - a native host for LLM provider plugins\n\n"
        << "usage: moltbot [--version] [--help] <command> [options]\n\ncommands:\n";
    std::size_t width = 0;
    for (const auto &command : commands) width = std::max(width, command->name().size());
    for (const auto &command : commands) {
        out << "  " << command->name() << std::string(width - command->name().size() + 2, ' ') << command->summary()
            << "\n";
    }
    out << "\nRun 'moltbot <command> --help' or 'moltbot help <command>' for the options of a command.\n";
}

const Command *findCommand(const CommandList &commands, const std::vector<std::string> &args, std::size_t &used) {
    const Command *best = nullptr;
    used = 0;
    for (const auto &command : commands) {
        std::istringstream words(command->name());
        std::string word;
        std::size_t i = 0;
        bool match = true;
        while (words >> word) {
            if (i >= args.size() || args[i] != word) {
                match = false;
                break;
            }
            ++i;
        }
        if (match && i > used) {
            best = command.get();
            used = i;
        }
    }
    return best;
}

UsageError unknownCommand(const CommandList &commands, const std::string &word) {
    std::vector<std::string> names;
    for (const auto &candidate : commands) {
        names.push_back(candidate->name());
        names.push_back(candidate->name().substr(0, candidate->name().find(' ')));
    }
    std::string message = "unknown command '" + word + "'";
    std::string suggestion = nearest(word, names);
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    return UsageError{message + "; see 'moltbot --help'"};
}

int runCli(const std::vector<std::string> &args, Streams streams) {
    CommandList commands = allCommands();
    try {
        // `moltbot help [COMMAND]` is a command of its own: host/commands/help.cpp.
        if (args.empty() || args[0] == "--help" || args[0] == "-h") {
            printTopHelp(commands, streams.out);
            return args.empty() ? kUsage : kOk;
        }
        if (args[0] == "--version" || args[0] == "-V" || args[0] == "version") {
            streams.out << "moltbot " MOLTBOT_VERSION " (plugin ABI " << MB_ABI_CURRENT_MAJOR << "."
                        << MB_ABI_CURRENT_MINOR << ")\n";
            return kOk;
        }
        std::size_t used = 0;
        const Command *command = findCommand(commands, args, used);
        if (command == nullptr) {
            if (args[0][0] == '-') throw UsageError{"unknown option " + args[0] + "; see 'moltbot --help'"};
            throw unknownCommand(commands, args[0]);
        }
        std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(used), args.end());
        bool wantsHelp = false;
        Invocation invocation = parse(*command, rest, wantsHelp);
        style::setWhen(invocation.value("color", "auto"));
        if (wantsHelp) {
            printCommandHelp(*command, streams.out);
            return kOk;
        }
        return command->run(invocation, streams);
    } catch (const UsageError &error) {
        streams.err << style::error(error.message) << "\n";
        return error.code;
    }
}

}  // namespace moltbot::cli

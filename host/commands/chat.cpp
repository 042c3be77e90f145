#include "host/commands/chat.hpp"
#include "host/commands/style.hpp"

#include "host/cli.hpp"

#include <moltbot/sdk/http.hpp>

#include <ostream>

namespace moltbot::cli {

namespace {

struct SlashCommand {
    const char *name;
    const char *argument;  // "" when it takes none
    const char *help;
};

constexpr SlashCommand kSlashCommands[] = {
    {"/help", "", "list these commands"},
    {"/model", "REF", "chat with another model (a ref or an alias) from the next turn on"},
    {"/clear", "", "start a new conversation (the system prompt stays)"},
    {"/system", "TEXT", "set the system prompt; /system alone removes it"},
    {"/save", "FILE", "write the conversation to FILE as JSON"},
    {"/exit", "", "leave (so do Ctrl-D and Ctrl-C twice at the prompt)"},
};

void printHelp(std::ostream &err) {
    err << "Commands:\n";
    for (const auto &command : kSlashCommands) {
        std::string usage = std::string(command.name) + (*command.argument ? std::string(" ") + command.argument : "");
        err << "  " << usage << std::string(usage.size() < 14 ? 14 - usage.size() : 1, ' ') << command.help << "\n";
    }
    err << "Any other line is sent to the model (start it with // to send a line that starts with /). Ctrl-C stops\n"
           "an answer; the part received stays in the conversation.\n";
}

// Runs a slash command. Returns false for /exit.
bool runSlash(const ChatHooks &hooks, const std::string &line, std::ostream &err) {
    std::size_t space = line.find_first_of(" \t");
    std::string word = line.substr(0, space);
    std::string argument = space == std::string::npos ? "" : std::string(sdk::trim(std::string_view(line).substr(space)));
    const SlashCommand *command = nullptr;
    std::vector<std::string> names;
    for (const auto &candidate : kSlashCommands) {
        names.emplace_back(candidate.name);
        if (word == candidate.name) command = &candidate;
    }
    if (command == nullptr) {
        std::string near = nearest(word, names);
        throw UsageError{"unknown command '" + word + "' (nothing was sent" +
                         (near.empty() ? "" : "; did you mean '" + near + "'?") + "); /help lists the commands"};
    }
    bool needsArgument = *command->argument != '\0' && std::string(command->name) != "/system";
    if (needsArgument && argument.empty()) {
        throw UsageError{std::string(command->name) + " needs " + command->argument + ": " + command->name + " " +
                         command->argument};
    }
    if (*command->argument == '\0' && !argument.empty()) {
        throw UsageError{std::string(command->name) + " takes no argument"};
    }
    if (word == "/exit") return false;
    if (word == "/help") {
        printHelp(err);
    } else if (word == "/model") {
        std::string now = hooks.switchModel(argument);  // before any output: it may print warnings
        err << "Chatting with " << style::model(now) << " from the next turn on.\n";
    } else if (word == "/clear") {
        hooks.clear();
        err << "A new conversation.\n";
    } else if (word == "/system") {
        hooks.setSystem(argument);
        err << (argument.empty() ? "The system prompt is removed.\n" : "The system prompt is set.\n");
    } else if (word == "/save") {
        hooks.save(argument);
        err << "Saved the conversation to " << argument << ".\n";
    }
    return true;
}

}  // namespace

int runChat(const ChatHooks &hooks, LineEditor &editor, std::ostream &err) {
    int last = kOk;
    int interruptsInARow = 0;
    for (;;) {
        std::string line;
        LineEditor::Status status = editor.read(line);
        if (status == LineEditor::Status::Interrupted) {
            // Ctrl-C at the prompt drops the line typed so far; a second one in a row leaves.
            err << "\n";
            if (++interruptsInARow >= 2) return kCancelled;
            err << "(press Ctrl-C again or Ctrl-D to leave)\n";
            continue;
        }
        if (status == LineEditor::Status::End) {
            err << "\n";  // Ctrl-D: the shell's prompt starts on a line of its own
            return last;
        }
        interruptsInARow = 0;
        std::string text(sdk::trim(line));
        if (text.empty()) continue;
        if (std::string why = editor.remember(line); !why.empty()) {
            err << style::warning(true) << "could not save the chat history: " << why << "\n";
        }
        if (text.rfind("//", 0) == 0) {
            line = line.substr(line.find('/') + 1);  // "//etc is a folder" sends "/etc is a folder"
        } else if (text[0] == '/') {
            try {
                if (!runSlash(hooks, text, err)) return last;
            } catch (const UsageError &error) {
                err << style::error(error.message) << "\n";
            }
            continue;
        }
        last = hooks.ask(line);
        if (hooks.sessionOver()) return last;
    }
}

}  // namespace moltbot::cli

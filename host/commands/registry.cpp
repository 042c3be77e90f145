// The list of every moltbot command, in the order --help shows them.
#include "host/cli.hpp"

namespace moltbot::cli {

void addAgentCommand(CommandList &commands);  // host/commands/agent.cpp
void addPluginCommands(CommandList &commands);  // host/commands/plugins.cpp
void addOnboardCommand(CommandList &commands);  // host/commands/onboard.cpp
void addConfigCommands(CommandList &commands);  // host/commands/config.cpp
void addModelsStatusCommand(CommandList &commands);  // host/commands/models_status.cpp
void addModelsListCommand(CommandList &commands);  // host/commands/models_list.cpp
void addModelsEditCommands(CommandList &commands);  // host/commands/models_edit.cpp
void addModelsCooldownsCommands(CommandList &commands);  // host/commands/models_cooldowns.cpp
void addServeCommand(CommandList &commands);  // host/commands/serve.cpp
void addKeysCommands(CommandList &commands);  // host/commands/keys.cpp
void addLogsCommands(CommandList &commands);  // host/commands/logs.cpp
void addUsageCommand(CommandList &commands);  // host/commands/usage.cpp
void addHelpCommand(CommandList &commands);  // host/commands/help.cpp
void addCompletionCommand(CommandList &commands);  // host/commands/completion.cpp

CommandList allCommands() {
    CommandList commands;
    addAgentCommand(commands);
    addPluginCommands(commands);
    addOnboardCommand(commands);
    addConfigCommands(commands);
    addModelsStatusCommand(commands);
    addModelsListCommand(commands);
    addModelsEditCommands(commands);
    addModelsCooldownsCommands(commands);
    addServeCommand(commands);
    addKeysCommands(commands);
    addLogsCommands(commands);
    addUsageCommand(commands);
    addHelpCommand(commands);
    addCompletionCommand(commands);
    return commands;
}

}  // namespace moltbot::cli

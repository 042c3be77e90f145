// A command group ("config", "models"): run without a subcommand or with an unknown one, it lists the subcommands
// and suggests the nearest, instead of the top-level "unknown command".
#pragma once

#include "host/cli.hpp"

namespace moltbot::cli {

// The word after `group` of every registered "<group> <sub> ..." command, once each; empty for a command that is
// no group.
std::vector<std::string> subcommandsOf(const std::string &group);
// The error for `word`, which names no subcommand of `group`: the nearest subcommand, and the list of them.
UsageError unknownSubcommand(const std::string &group, const std::string &word);

class GroupCommand : public Command {
public:
    GroupCommand(std::string name, std::string summary) : name_(std::move(name)), summary_(std::move(summary)) {}
    std::string name() const override { return name_; }
    std::string summary() const override { return summary_; }
    std::string usage() const override { return "<subcommand> [options]"; }
    std::string details() const override;
    int run(const Invocation &invocation, Streams streams) const override;

private:
    std::string name_;
    std::string summary_;
};

}  // namespace moltbot::cli

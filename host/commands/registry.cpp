// The list of every moltbot command, in the order --help shows them.
#include "host/cli.hpp"

namespace moltbot::cli {

CommandList allCommands() {
    CommandList commands;
    return commands;
}

}  // namespace moltbot::cli

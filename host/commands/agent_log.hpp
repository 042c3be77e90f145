// `moltbot agent`'s side of the request log (docs/request-log.md): the conversation --continue and --cid carry on,
// and one entry per request, written by the log's thread while the answer prints and flushed at exit.
#pragma once

#include "core/requestlog/entry.hpp"
#include "core/requestlog/request_log.hpp"
#include "host/cli.hpp"

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::cli {

// An earlier conversation, as the request log has it.
struct History {
    std::string conversationId;
    std::string system;  // the latest system prompt it had ("" for none)
    std::vector<std::pair<std::string, std::string>> turns;  // (prompt, answer) of each answered request, in order
};

// With --cid ID that conversation, with --continue (-c) the latest of agent's log; std::nullopt without either.
// A UsageError when logging is off, the log has no such conversation, or it cannot be read.
std::optional<History> loadHistory(const Invocation &invocation, bool loggingEnabled);

class AgentLog {
public:
    // `enabled` false (logs.enabled is false): nothing is recorded and no file is touched.
    AgentLog(bool enabled, std::string conversationId, std::ostream &err);
    // Waits (up to 2 s) for the entries to be written, then prints the log's warning, if it had one.
    ~AgentLog();
    AgentLog(const AgentLog &) = delete;
    AgentLog &operator=(const AgentLog &) = delete;

    // The conversation the entries belong to; "" when logging is off.
    const std::string &conversationId() const { return conversationId_; }
    // Queues the entry with the conversation id and front end filled in. Never waits for the disk.
    void record(requestlog::Entry entry);
    // Prints the warnings the log reported so far ("moltbot: warning: ...").
    void printWarnings();

private:
    struct Warnings;
    std::shared_ptr<Warnings> warnings_;
    std::optional<requestlog::RequestLog> log_;
    std::string conversationId_;
    std::ostream &err_;
};

}  // namespace moltbot::cli

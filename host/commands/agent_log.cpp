#include "host/commands/agent_log.hpp"
#include "host/commands/style.hpp"

#include "core/requestlog/queries.hpp"

#include <mutex>
#include <ostream>

namespace moltbot::cli {

std::optional<History> loadHistory(const Invocation &invocation, bool loggingEnabled) {
    bool latest = invocation.has("continue");
    if (!latest && !invocation.has("cid")) return std::nullopt;
    const char *flag = latest ? "--continue" : "--cid";
    if (!loggingEnabled) {
        throw UsageError{std::string(flag) + " needs the request log, and logging is off (logs.enabled is false); "
                         "'moltbot logs on' turns it on"};
    }
    std::filesystem::path path = requestlog::defaultPath();
    std::error_code missing;
    if (latest && !std::filesystem::exists(path, missing)) {
        throw UsageError{"--continue: no conversation to continue, nothing has been logged yet"};
    }
    try {
        History history;
        history.conversationId = invocation.value("cid");
        if (!std::filesystem::exists(path, missing)) {
            throw UsageError{"--cid: no conversation '" + history.conversationId + "' in the request log"};
        }
        requestlog::LogReader reader(path);
        if (latest) {
            history.conversationId = reader.latestConversation("agent");
            if (history.conversationId.empty()) {
                throw UsageError{"--continue: no conversation to continue, agent has logged none yet"};
            }
        }
        requestlog::LogQuery query;
        query.limit = 0;
        query.conversationId = history.conversationId;
        query.frontEnd = "agent";
        std::vector<requestlog::Entry> entries = reader.latest(query);
        if (entries.empty()) {
            throw UsageError{"--cid: no conversation '" + history.conversationId +
                             "' in the request log (see 'moltbot logs --json' for the ids)"};
        }
        for (auto &entry : entries) {
            if (!entry.system.empty()) history.system = entry.system;
            // Failed requests are not part of the conversation: a chat drops them too.
            if (entry.status == 0 && entry.errorCode.empty()) {
                history.turns.emplace_back(std::move(entry.prompt), std::move(entry.answer));
            }
        }
        return history;
    } catch (const requestlog::ReadError &error) {
        throw UsageError{error.what()};
    }
}

struct AgentLog::Warnings {
    std::mutex mutex;
    std::vector<std::string> pending;
};

AgentLog::AgentLog(bool enabled, std::string conversationId, std::ostream &err)
    : warnings_(std::make_shared<Warnings>()), err_(err) {
    if (!enabled) return;
    conversationId_ = conversationId.empty() ? requestlog::newConversationId() : std::move(conversationId);
    requestlog::Options options;
    // The writer's thread reports: the warning waits here for the main thread, which owns standard error.
    options.warn = [warnings = warnings_](const std::string &message) {
        std::lock_guard lock(warnings->mutex);
        warnings->pending.push_back(message);
    };
    log_.emplace(std::move(options));
}

AgentLog::~AgentLog() {
    if (log_) log_->close();
    printWarnings();
}

void AgentLog::record(requestlog::Entry entry) {
    if (!log_) return;
    entry.frontEnd = "agent";
    entry.conversationId = conversationId_;
    log_->submit(std::move(entry));
}

void AgentLog::printWarnings() {
    std::vector<std::string> pending;
    {
        std::lock_guard lock(warnings_->mutex);
        pending.swap(warnings_->pending);
    }
    for (const auto &message : pending) err_ << style::warning(true) << message << "\n";
}

}  // namespace moltbot::cli

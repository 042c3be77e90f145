// The request log's read side: the queries behind `moltbot logs`, `moltbot usage` and `moltbot agent --continue`
// (docs/request-log.md). A reader has its own connection; WAL lets it read while a writer writes.
#pragma once

#include "core/requestlog/entry.hpp"

#include <Poco/Data/Session.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::requestlog {

// The file could not be read (not a SQLite file, corrupt, unreadable); what() names it and says why.
class ReadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LogQuery {
    std::size_t limit = 10;          // the latest this many; 0: every one
    std::string modelPattern;        // a glob ('*' any run, '?' one character) over the model asked or answered
    std::string keyName;             // only this gateway key's requests
    std::optional<int64_t> sinceMs;  // only requests that arrived at or after this epoch time
    std::string conversationId;      // only this conversation's requests
    std::string frontEnd;            // only "agent" or "serve"
};

enum class GroupBy { Model, Key, Day, Provider, Instance };

// "model", "key", "day", "provider", "instance"; std::nullopt for anything else.
std::optional<GroupBy> parseGroupBy(std::string_view text);

struct UsageRow {
    // The model that answered (or was asked), the gateway key ("(agent)" / "(serve)" for none), the UTC day
    // (YYYY-MM-DD) or the provider ("(unknown)"). Empty for the totals.
    std::string group;
    int64_t requests = 0;
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
    int64_t cachedTokens = 0;
    int64_t cacheWriteTokens = 0;
    double costUsd = 0;         // the sum of the costs known
    int64_t costEstimated = 0;  // requests whose cost is an estimate
    int64_t costUnknown = 0;    // requests without a cost

    // Cached prompt tokens over prompt tokens; 0 without prompt tokens.
    double cachedShare() const;
    void add(const UsageRow &other);
};

struct UsageReport {
    std::vector<UsageRow> groups;  // days in order; otherwise the costliest first
    UsageRow total;
};

class LogReader {
public:
    // Opens the request log at `path`, which must exist (a missing file means nothing was logged: check first, as
    // opening never creates one here), and brings an older schema up to date. Throws ReadError.
    explicit LogReader(const std::filesystem::path &path);

    // The latest `query.limit` matching entries, oldest first.
    std::vector<Entry> latest(const LogQuery &query);
    UsageReport usage(GroupBy by, std::optional<int64_t> sinceMs);
    // The conversation id of the latest entry of `frontEnd` that has one; "" when none has.
    std::string latestConversation(std::string_view frontEnd);

private:
    std::filesystem::path path_;
    std::optional<Poco::Data::Session> session_;
};

}  // namespace moltbot::requestlog

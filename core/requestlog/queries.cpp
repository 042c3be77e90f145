#include "core/requestlog/queries.hpp"

#include "core/requestlog/schema.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <utility>

namespace moltbot::requestlog {

using namespace Poco::Data::Keywords;

std::optional<GroupBy> parseGroupBy(std::string_view text) {
    if (text == "model") return GroupBy::Model;
    if (text == "key") return GroupBy::Key;
    if (text == "day") return GroupBy::Day;
    if (text == "provider") return GroupBy::Provider;
    if (text == "instance") return GroupBy::Instance;
    return std::nullopt;
}

double UsageRow::cachedShare() const {
    return promptTokens > 0 ? static_cast<double>(cachedTokens) / static_cast<double>(promptTokens) : 0;
}

void UsageRow::add(const UsageRow &other) {
    requests += other.requests;
    promptTokens += other.promptTokens;
    completionTokens += other.completionTokens;
    cachedTokens += other.cachedTokens;
    cacheWriteTokens += other.cacheWriteTokens;
    costUsd += other.costUsd;
    costEstimated += other.costEstimated;
    costUnknown += other.costUnknown;
}

namespace {

// Runs `body`, turning what Poco or the folder check throws into a ReadError that names the file.
template <typename Body>
auto reading(const std::filesystem::path &path, Body &&body) -> decltype(body()) {
    try {
        return body();
    } catch (const Poco::Exception &error) {
        throw ReadError("cannot read the request log " + path.string() + ": " + error.displayText());
    } catch (const ReadError &) {
        throw;
    } catch (const std::exception &error) {
        throw ReadError("cannot read the request log " + path.string() + ": " + error.what());
    }
}

std::string text(Poco::Data::RecordSet &rows, std::size_t column, std::size_t row) {
    return rows.isNull(column, row) ? std::string() : rows.value(column, row).convert<std::string>();
}

int64_t number(Poco::Data::RecordSet &rows, std::size_t column, std::size_t row, int64_t null) {
    return rows.isNull(column, row) ? null : rows.value(column, row).convert<Poco::Int64>();
}

}  // namespace

LogReader::LogReader(const std::filesystem::path &path) : path_(path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) throw ReadError("there is no request log at " + path.string());
    reading(path_, [&] {
        session_.emplace(openDatabase(path_));
        migrate(*session_);
    });
}

std::vector<Entry> LogReader::latest(const LogQuery &query) {
    return reading(path_, [&] {
        std::string sql =
            "SELECT id, time_ms, front_end, key_name, model_asked, model, provider, attempts, prompt_tokens,"
            " completion_tokens, cached_tokens, cache_write_tokens, cost_usd, cost_estimated, latency_ms, ttft_ms,"
            " status, error_code, conversation_id, prompt, system_prompt, answer, instance FROM requests WHERE 1 = 1";
        // Poco binds by reference: the values live here until the statement ran.
        std::string pattern = query.modelPattern, key = query.keyName, conversation = query.conversationId,
                    frontEnd = query.frontEnd;
        Poco::Int64 since = query.sinceMs.value_or(0);
        Poco::Data::Statement select(*session_);
        if (!pattern.empty()) sql += " AND (model GLOB ? OR model_asked GLOB ?)";
        if (!key.empty()) sql += " AND key_name = ?";
        if (query.sinceMs) sql += " AND time_ms >= ?";
        if (!conversation.empty()) sql += " AND conversation_id = ?";
        if (!frontEnd.empty()) sql += " AND front_end = ?";
        sql += " ORDER BY time_ms DESC, id DESC LIMIT " + (query.limit == 0 ? std::string("-1") : std::to_string(query.limit));
        select << sql;
        if (!pattern.empty()) select, use(pattern), use(pattern);
        if (!key.empty()) select, use(key);
        if (query.sinceMs) select, use(since);
        if (!conversation.empty()) select, use(conversation);
        if (!frontEnd.empty()) select, use(frontEnd);
        select.execute();
        Poco::Data::RecordSet rows(select);
        std::vector<Entry> entries(rows.rowCount());
        for (std::size_t row = 0; row < rows.rowCount(); ++row) {
            Entry &entry = entries[rows.rowCount() - 1 - row];  // newest came first
            entry.id = number(rows, 0, row, 0);
            entry.timeMs = number(rows, 1, row, 0);
            entry.frontEnd = text(rows, 2, row);
            entry.keyName = text(rows, 3, row);
            entry.modelAsked = text(rows, 4, row);
            entry.model = text(rows, 5, row);
            entry.provider = text(rows, 6, row);
            entry.attempts = parseAttempts(text(rows, 7, row));
            entry.usageKnown = !rows.isNull(8, row);
            entry.promptTokens = number(rows, 8, row, 0);
            entry.completionTokens = number(rows, 9, row, 0);
            entry.cachedTokens = number(rows, 10, row, 0);
            entry.cacheWriteTokens = number(rows, 11, row, 0);
            entry.costUsd = rows.isNull(12, row) ? -1 : rows.value(12, row).convert<double>();
            entry.costEstimated = number(rows, 13, row, 0) != 0;
            entry.latencyMs = number(rows, 14, row, -1);
            entry.ttftMs = number(rows, 15, row, -1);
            entry.status = static_cast<int>(number(rows, 16, row, 0));
            entry.errorCode = text(rows, 17, row);
            entry.conversationId = text(rows, 18, row);
            entry.prompt = text(rows, 19, row);
            entry.system = text(rows, 20, row);
            entry.answer = text(rows, 21, row);
            entry.instance = text(rows, 22, row);
        }
        return entries;
    });
}

UsageReport LogReader::usage(GroupBy by, std::optional<int64_t> sinceMs) {
    return reading(path_, [&] {
        std::string group;
        switch (by) {
        case GroupBy::Model: group = "COALESCE(model, model_asked, '(none)')"; break;
        case GroupBy::Key: group = "COALESCE(key_name, '(' || front_end || ')')"; break;
        case GroupBy::Day: group = "strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch')"; break;
        case GroupBy::Provider: group = "COALESCE(provider, '(unknown)')"; break;
        case GroupBy::Instance: group = "COALESCE(instance, '(' || front_end || ')')"; break;
        }
        std::string sql = "SELECT " + group +
                          " AS grp, COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),"
                          " COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),"
                          " COALESCE(SUM(cost_usd), 0.0), SUM(cost_usd IS NOT NULL AND cost_estimated != 0),"
                          " SUM(cost_usd IS NULL) FROM requests";
        if (sinceMs) sql += " WHERE time_ms >= ?";
        sql += " GROUP BY grp ORDER BY ";
        sql += by == GroupBy::Day ? "grp" : "7 DESC, 2 DESC, grp";
        std::vector<std::string> groups;
        std::vector<Poco::Int64> requests, prompt, completion, cached, cacheWrite, estimated, unknown;
        std::vector<double> cost;
        Poco::Int64 since = sinceMs.value_or(0);
        Poco::Data::Statement select(*session_);
        select << sql, into(groups), into(requests), into(prompt), into(completion), into(cached), into(cacheWrite),
            into(cost), into(estimated), into(unknown);
        if (sinceMs) select, use(since);
        select.execute();
        UsageReport report;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            report.groups.push_back({groups[i], requests[i], prompt[i], completion[i], cached[i], cacheWrite[i], cost[i],
                                     estimated[i], unknown[i]});
            report.total.add(report.groups.back());
        }
        return report;
    });
}

std::string LogReader::latestConversation(std::string_view frontEnd) {
    return reading(path_, [&] {
        std::string side(frontEnd);
        std::vector<std::string> ids;
        *session_ << "SELECT conversation_id FROM requests WHERE front_end = ? AND conversation_id IS NOT NULL"
                     " ORDER BY time_ms DESC, id DESC LIMIT 1",
            use(side), into(ids), now;
        return ids.empty() ? std::string() : ids.front();
    });
}

}  // namespace moltbot::requestlog

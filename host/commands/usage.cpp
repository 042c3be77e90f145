// moltbot usage: requests, tokens and cost from the request log (docs/request-log.md), grouped by model, gateway
// key, UTC day or provider, the totals last.
#include "core/config/files.hpp"
#include "core/requestlog/queries.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/request_log_support.hpp"
#include "host/commands/table.hpp"

#include <Poco/Util/Option.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <ostream>

namespace moltbot::cli {

namespace {

using requestlog::GroupBy;
using requestlog::UsageRow;

const char *groupTitle(GroupBy by) {
    switch (by) {
    case GroupBy::Model: return "Model";
    case GroupBy::Key: return "Key";
    case GroupBy::Day: return "Day (UTC)";
    case GroupBy::Provider: return "Provider";
    case GroupBy::Instance: return "Instance";
    }
    return "";
}

std::string percent(double share) {
    char text[16];
    std::snprintf(text, sizeof text, "%.1f%%", share * 100);
    return text;
}

// "$0.001069", "~$0.001069" when part of it is estimated, "-" when no request of the group has a cost, and a "*"
// when some have none.
std::string costCell(const UsageRow &row) {
    if (row.costUnknown == row.requests) return "-";
    return costText(row.costUsd, row.costEstimated > 0) + (row.costUnknown > 0 ? " *" : "");
}

void printUsage(const requestlog::UsageReport &report, GroupBy by, std::ostream &out) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({groupTitle(by), "Requests", "Prompt", "Completion", "Cached", "Cost"});
    auto add = [&rows](const std::string &label, const UsageRow &row) {
        rows.push_back({label, std::to_string(row.requests), std::to_string(row.promptTokens),
                        std::to_string(row.completionTokens), percent(row.cachedShare()), costCell(row)});
    };
    for (const auto &group : report.groups) add(group.group, group);
    add("Total", report.total);
    printTable(out, rows);
    if (report.total.costEstimated > 0) out << "~ includes estimated costs\n";
    if (report.total.costUnknown > 0 && report.total.costUnknown < report.total.requests) {
        out << "* " << report.total.costUnknown << " request" << (report.total.costUnknown == 1 ? "" : "s")
            << " without a cost\n";
    }
}

rapidjson::Value rowJson(const UsageRow &row, rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("requests", row.requests, allocator);
    item.AddMember("prompt_tokens", row.promptTokens, allocator);
    item.AddMember("completion_tokens", row.completionTokens, allocator);
    item.AddMember("cached_tokens", row.cachedTokens, allocator);
    item.AddMember("cache_write_tokens", row.cacheWriteTokens, allocator);
    item.AddMember("cached_share", row.cachedShare(), allocator);
    item.AddMember("cost", row.costUsd, allocator);
    item.AddMember("cost_estimated", row.costEstimated > 0, allocator);
    item.AddMember("estimated_requests", row.costEstimated, allocator);
    item.AddMember("unknown_cost_requests", row.costUnknown, allocator);
    return item;
}

class UsageCommand : public Command {
public:
    std::string name() const override { return "usage"; }
    std::string summary() const override { return "requests, tokens and cost from the request log, per group"; }
    std::string details() const override {
        return "Groups are the model that answered, the gateway key, the UTC day, the provider or the gateway instance. Cached is the "
               "share of prompt tokens read from the provider's cache. A cost marked '~' includes estimates.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        options.addOption(Option("since", "", "only requests of the last 30m, 12h, 7d, 2w, ...").argument("DURATION"));
        options.addOption(Option("by", "", "group by model (default), key, day, provider or instance").argument("GROUP"));
        options.addOption(Option("json", "", "print {by, since_ms, groups: [...], total}"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"unexpected argument '" + invocation.positionals.front() + "'; see 'moltbot usage --help'"};
        }
        std::string byText = invocation.value("by", "model");
        std::optional<GroupBy> by = requestlog::parseGroupBy(byText);
        if (!by) throw UsageError{"--by takes model, key, day, provider or instance, not '" + byText + "'"};
        std::optional<int64_t> since = sinceFlag(invocation);

        std::optional<requestlog::LogReader> reader = openRequestLog();
        requestlog::UsageReport report;
        if (reader) {
            try {
                report = reader->usage(*by, since);
            } catch (const requestlog::ReadError &error) {
                throw UsageError{error.what()};
            }
        }
        if (invocation.has("json")) {
            rapidjson::Document out(rapidjson::kObjectType);
            auto &allocator = out.GetAllocator();
            out.AddMember("by", jsonString(byText, allocator), allocator);
            out.AddMember("since_ms", since ? rapidjson::Value(*since) : rapidjson::Value(), allocator);
            rapidjson::Value groups(rapidjson::kArrayType);
            for (const auto &group : report.groups) {
                rapidjson::Value item = rowJson(group, allocator);
                item.AddMember("group", jsonString(group.group, allocator), allocator);
                groups.PushBack(item, allocator);
            }
            out.AddMember("groups", groups, allocator);
            out.AddMember("total", rowJson(report.total, allocator), allocator);
            streams.out << config::toPrettyJson(out);
            if (!reader) streams.err << "no requests logged yet\n";
            return kOk;
        }
        if (!reader) {
            streams.out << "no requests logged yet\n";
        } else if (report.groups.empty()) {
            streams.out << "no requests" << (since ? " in that time" : "") << "\n";
        } else {
            printUsage(report, *by, streams.out);
        }
        return kOk;
    }
};

}  // namespace

void addUsageCommand(CommandList &commands) { commands.push_back(std::make_unique<UsageCommand>()); }

}  // namespace moltbot::cli

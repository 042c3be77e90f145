// moltbot logs [on|off|path]: the request log (<state>/logs.db, docs/request-log.md) read back, newest last, and
// logging switched on or off through logs.enabled in the config.
#include "core/config/config.hpp"
#include "core/config/files.hpp"
#include "core/config/json_path.hpp"
#include "core/requestlog/queries.hpp"
#include "core/requestlog/request_log.hpp"
#include "core/util/time.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/style.hpp"
#include "host/commands/request_log_support.hpp"

#include <Poco/Util/Option.h>
#include <rapidjson/document.h>

#include <ostream>

namespace moltbot::cli {

namespace {

using requestlog::Entry;

std::size_t countFlag(const Invocation &invocation) {
    if (!invocation.has("count")) return 10;
    std::string text = invocation.value("count");
    if (!text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos) {
        return static_cast<std::size_t>(std::stoul(text));
    }
    throw UsageError{"-n/--count takes a number of entries (0 for all), not '" + text + "'"};
}

// "812 ms (first token 210 ms)"
std::string timing(const Entry &entry) {
    if (entry.latencyMs < 0) return {};
    std::string text = std::to_string(entry.latencyMs) + " ms";
    if (entry.ttftMs >= 0) text += " (first token " + std::to_string(entry.ttftMs) + " ms)";
    return text;
}

// "ok", or the error code with the status: an exit code for agent, an HTTP status for serve.
std::string statusText(const Entry &entry) {
    bool serve = entry.frontEnd == "serve";
    bool succeeded = serve ? entry.status >= 200 && entry.status < 400 : entry.status == 0;
    if (entry.errorCode.empty() && succeeded) return "ok";
    std::string what = entry.errorCode.empty() ? "failed" : entry.errorCode;
    return what + (serve ? " (HTTP " : " (exit ") + std::to_string(entry.status) + ")";
}

std::string modelText(const Entry &entry) {
    std::string text = entry.model.empty() ? entry.modelAsked : entry.model;
    if (!entry.modelAsked.empty() && !entry.model.empty() && entry.modelAsked != entry.model) {
        text = entry.modelAsked + " -> " + entry.model;
    }
    if (text.empty()) text = "(no model)";
    if (!entry.provider.empty()) text += " via " + entry.provider;
    return text;
}

// One line per entry, the fields joined as on agent's usage line:
// 2026-01-05T12:34:56Z agent · openrouter/x via Anthropic · ok · 2613 in (2613 cached, 0 written), 19 out · $0.001069 · 812 ms
void printLine(const Entry &entry, std::ostream &out) {
    std::vector<std::string> parts;
    std::string who = entry.frontEnd;
    if (!entry.instance.empty()) who += " " + entry.instance;
    if (!entry.keyName.empty()) who += " (key " + entry.keyName + ")";
    parts.push_back(who);
    parts.push_back(modelText(entry));
    parts.push_back(statusText(entry));
    if (entry.usageKnown) {
        std::string tokens = std::to_string(entry.promptTokens) + " in";
        if (entry.cachedTokens > 0 || entry.cacheWriteTokens > 0) {
            tokens += " (" + std::to_string(entry.cachedTokens) + " cached, " + std::to_string(entry.cacheWriteTokens) +
                      " written)";
        }
        parts.push_back(tokens + ", " + std::to_string(entry.completionTokens) + " out");
    }
    if (entry.costUsd >= 0) parts.push_back(costText(entry.costUsd, entry.costEstimated));
    if (std::string time = timing(entry); !time.empty()) parts.push_back(time);
    if (entry.attempts.size() > 1) parts.push_back(std::to_string(entry.attempts.size()) + " attempts");
    if (!entry.conversationId.empty()) parts.push_back("conversation " + entry.conversationId);
    out << util::utcTime(entry.timeMs);
    for (std::size_t i = 0; i < parts.size(); ++i) out << (i == 0 ? " " : " · ") << parts[i];
    out << "\n";
}

// The conversation view, Markdown as `llm logs` prints it.
void printConversation(const Entry &entry, std::ostream &out) {
    out << "# " << util::utcTime(entry.timeMs);
    if (!entry.conversationId.empty()) out << "    conversation: " << entry.conversationId;
    out << "\n\nModel: **" << (entry.model.empty() ? entry.modelAsked : entry.model) << "**";
    if (!entry.provider.empty()) out << " via " << entry.provider;
    out << " (" << entry.frontEnd << ", " << statusText(entry) << ")\n\n";
    auto section = [&out](const char *title, const std::string &text) {
        out << "## " << title << "\n\n" << (text.empty() ? "(not stored)" : text) << "\n\n";
    };
    if (!entry.system.empty()) section("System", entry.system);
    section("Prompt", entry.prompt);
    section("Response", entry.answer);
}

rapidjson::Value optionalString(const std::string &text, rapidjson::Document::AllocatorType &allocator) {
    return text.empty() ? rapidjson::Value() : jsonString(text, allocator);
}

rapidjson::Value optionalNumber(int64_t value) { return value < 0 ? rapidjson::Value() : rapidjson::Value(value); }

rapidjson::Value entryJson(const Entry &entry, rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value item(rapidjson::kObjectType);
    auto add = [&](const char *name, rapidjson::Value value) {
        item.AddMember(rapidjson::StringRef(name), value, allocator);
    };
    add("id", rapidjson::Value(entry.id));
    add("time", jsonString(util::utcTime(entry.timeMs), allocator));
    add("time_ms", rapidjson::Value(entry.timeMs));
    add("front_end", jsonString(entry.frontEnd, allocator));
    add("instance", optionalString(entry.instance, allocator));
    add("key", optionalString(entry.keyName, allocator));
    add("model_asked", optionalString(entry.modelAsked, allocator));
    add("model", optionalString(entry.model, allocator));
    add("provider", optionalString(entry.provider, allocator));
    add("status", rapidjson::Value(entry.status));
    add("error", optionalString(entry.errorCode, allocator));
    rapidjson::Value attempts(rapidjson::kArrayType);
    for (const auto &attempt : entry.attempts) {
        rapidjson::Value one(rapidjson::kObjectType);
        one.AddMember("ref", jsonString(attempt.ref, allocator), allocator);
        one.AddMember("attempt", attempt.attempt, allocator);
        one.AddMember("outcome", jsonString(attempt.outcome, allocator), allocator);
        one.AddMember("http_status", attempt.httpStatus, allocator);
        one.AddMember("ms", attempt.ms, allocator);
        attempts.PushBack(one, allocator);
    }
    add("attempts", std::move(attempts));
    if (entry.usageKnown) {
        rapidjson::Value usage(rapidjson::kObjectType);
        usage.AddMember("prompt_tokens", entry.promptTokens, allocator);
        usage.AddMember("completion_tokens", entry.completionTokens, allocator);
        usage.AddMember("cached_tokens", entry.cachedTokens, allocator);
        usage.AddMember("cache_write_tokens", entry.cacheWriteTokens, allocator);
        add("usage", std::move(usage));
    } else {
        add("usage", rapidjson::Value());
    }
    add("cost", entry.costUsd >= 0 ? rapidjson::Value(entry.costUsd) : rapidjson::Value());
    add("cost_estimated", rapidjson::Value(entry.costEstimated));
    add("latency_ms", optionalNumber(entry.latencyMs));
    add("ttft_ms", optionalNumber(entry.ttftMs));
    add("conversation_id", optionalString(entry.conversationId, allocator));
    add("prompt", optionalString(entry.prompt, allocator));
    add("system", optionalString(entry.system, allocator));
    add("answer", optionalString(entry.answer, allocator));
    return item;
}

// A warning when logging is off, so that an old list is not taken for a current one. The config is only looked at:
// a broken one does not keep the log from being read.
void warnWhenOff(std::ostream &err) {
    try {
        config::Config config = config::Config::load({}, /*requireValid=*/false);
        printWarnings(config.validation().warnings, err);
        if (!requestlog::enabledIn(config)) {
            err << style::warning() << "request logging is off (logs.enabled is false); 'moltbot logs on' turns it back on\n";
        }
    } catch (const std::exception &) {
    }
}

class LogsCommand : public Command {
public:
    std::string name() const override { return "logs"; }
    std::string summary() const override { return "show the latest requests of agent and serve (the request log)"; }
    std::string usage() const override { return "[on|off|path]"; }
    std::string details() const override {
        return "Entries come from <state>/logs.db, newest last. 'moltbot logs off' and 'moltbot logs on' switch "
               "logging (logs.enabled); 'moltbot logs path' prints the file. See docs/request-log.md.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        options.addOption(Option("count", "n", "how many of the latest entries (default 10; 0 for all)").argument("N"));
        options.addOption(Option("json", "", "print an array of objects, every stored field"));
        options.addOption(Option("model", "", "only models matching a glob ('*' any run): asked or answered")
                              .argument("PATTERN"));
        options.addOption(Option("key", "", "only the requests of this gateway key").argument("NAME"));
        options.addOption(Option("since", "", "only requests of the last 30m, 12h, 7d, 2w, ...").argument("DURATION"));
        options.addOption(Option("cid", "", "only the requests of this conversation").argument("ID"));
        options.addOption(Option("conversation", "", "show the prompts and answers (the conversation view)"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            const std::string &word = invocation.positionals.front();
            std::string message = "unknown subcommand '" + word + "' for 'moltbot logs'";
            if (std::string suggestion = nearest(word, {"off", "on", "path"}); !suggestion.empty()) {
                message += " (did you mean '" + suggestion + "'?)";
            }
            throw UsageError{message + "; subcommands: on, off, path"};
        }
        requestlog::LogQuery query;
        query.limit = countFlag(invocation);
        query.modelPattern = invocation.value("model");
        query.keyName = invocation.value("key");
        query.sinceMs = sinceFlag(invocation);
        query.conversationId = invocation.value("cid");
        bool json = invocation.has("json");
        warnWhenOff(streams.err);

        std::optional<requestlog::LogReader> reader = openRequestLog();
        std::vector<Entry> entries;
        if (reader) {
            try {
                entries = reader->latest(query);
            } catch (const requestlog::ReadError &error) {
                throw UsageError{error.what()};
            }
        }
        if (json) {
            rapidjson::Document out(rapidjson::kArrayType);
            for (const auto &entry : entries) out.PushBack(entryJson(entry, out.GetAllocator()), out.GetAllocator());
            streams.out << config::toPrettyJson(out);
            if (!reader) streams.err << "no requests logged yet\n";
            return kOk;
        }
        if (!reader) {
            streams.out << "no requests logged yet\n";
        } else if (entries.empty()) {
            streams.out << "no requests match\n";
        }
        for (const auto &entry : entries) {
            if (invocation.has("conversation")) {
                printConversation(entry, streams.out);
            } else {
                printLine(entry, streams.out);
            }
        }
        return kOk;
    }
};

// Sets logs.enabled through the config editor (validated, atomic, with a backup), unless it already says so.
class LogsSwitch : public Command {
public:
    explicit LogsSwitch(bool on) : on_(on) {}
    std::string name() const override { return on_ ? "logs on" : "logs off"; }
    std::string summary() const override {
        return on_ ? "log every request again (logs.enabled = true)" : "stop logging requests (logs.enabled = false)";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"'moltbot " + name() + "' takes no arguments"};
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            config::PathSegments path = config::parsePath("logs.enabled");
            const rapidjson::Value *current = config::findPath(editor.document(), path);
            bool enabled = current == nullptr || !current->IsBool() || current->GetBool();
            if (enabled != on_ || (current != nullptr && !current->IsBool())) {
                editor.set(path, rapidjson::Value(on_));
                printSaveNotes(editor, editor.save(), streams.err);
            }
            streams.out << "Request logging is " << (on_ ? "on" : "off") << " (logs.enabled in "
                        << editor.path().string() << ")";
            if (on_) streams.out << "; requests are logged to " << requestlog::defaultPath().string();
            streams.out << "\n";
            return kOk;
        });
    }

private:
    bool on_;
};

class LogsPath : public Command {
public:
    std::string name() const override { return "logs path"; }
    std::string summary() const override { return "print where the request log is (<state>/logs.db)"; }
    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"'moltbot logs path' takes no arguments"};
        streams.out << requestlog::defaultPath().string() << "\n";
        return kOk;
    }
};

}  // namespace

void addLogsCommands(CommandList &commands) {
    commands.push_back(std::make_unique<LogsCommand>());
    commands.push_back(std::make_unique<LogsSwitch>(true));
    commands.push_back(std::make_unique<LogsSwitch>(false));
    commands.push_back(std::make_unique<LogsPath>());
}

}  // namespace moltbot::cli

// moltbot config get|set|unset|path|validate: reading and changing ~/.moltbot/moltbot.json from the command line.
#include "core/config/config.hpp"
#include "core/config/json5.hpp"
#include "core/config/json_path.hpp"
#include "core/config/paths.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/style.hpp"
#include "host/commands/group.hpp"

#include <Poco/Util/Option.h>

#include <algorithm>
#include <ostream>

namespace moltbot::cli {

namespace {

void addJsonOption(Poco::Util::OptionSet &options, const char *what) {
    options.addOption(Poco::Util::Option("json", "", what));
}

std::string onePath(const Invocation &invocation, const std::string &command, std::size_t expected) {
    if (invocation.positionals.size() != expected) {
        throw UsageError{"'moltbot " + command + "' takes " + (expected == 1 ? "one argument, PATH" : "two arguments, PATH VALUE") +
                         " (got " + std::to_string(invocation.positionals.size()) + "); see 'moltbot " + command + " --help'"};
    }
    return invocation.positionals[0];
}

config::PathSegments parsePathOrThrow(const std::string &path) {
    return reportConfigErrors([&] { return config::parsePath(path); });
}

void printJson(const rapidjson::Value &value, std::ostream &out) { out << config::toPrettyJson(value); }

class ConfigGet : public Command {
public:
    std::string name() const override { return "config get"; }
    std::string summary() const override { return "print the config value at PATH (secrets masked)"; }
    std::string usage() const override { return "PATH"; }
    std::string details() const override {
        return "PATH uses dots and brackets: agents.defaults.model.primary, "
               "agents.defaults.models[\"openrouter/anthropic/claude-sonnet-4-5\"].params. Strings print raw, objects "
               "as JSON. API keys, tokens, secrets and passwords are masked.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addJsonOption(options, "print the value as JSON"); }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string path = onePath(invocation, name(), 1);
        config::PathSegments segments = parsePathOrThrow(path);
        config::Config config = loadConfig(/*requireValid=*/false, streams.err);
        const rapidjson::Value *found = config::findPath(config.document(), segments);
        if (found == nullptr) throw UsageError{"Config path not found: " + path};
        rapidjson::Document value;
        value.CopyFrom(*found, value.GetAllocator());
        bool secret = std::any_of(segments.begin(), segments.end(), [](const auto &key) { return config::isSecretKey(key); });
        config::maskSecrets(value, value.GetAllocator(), secret);
        if (invocation.has("json") || value.IsObject() || value.IsArray()) {
            printJson(value, streams.out);
        } else if (value.IsString()) {
            streams.out << std::string_view(value.GetString(), value.GetStringLength()) << "\n";
        } else {
            streams.out << config::toCompactJson(value) << "\n";
        }
        if (!config.validation().ok()) {
            streams.err << style::warning() << config.path().string() << " has errors; see 'moltbot config validate'\n";
        }
        return kOk;
    }
};

class ConfigSet : public Command {
public:
    std::string name() const override { return "config set"; }
    std::string summary() const override { return "set the config value at PATH, creating parents"; }
    std::string usage() const override { return "PATH VALUE"; }
    std::string details() const override {
        return "VALUE is read as JSON5 (4096, true, [\"a\"], {only: [\"anthropic\"]}); anything else is taken as a "
               "string. The result is validated before the file is written atomically; only the text of the value "
               "changes, so comments stay, and the last 5 versions are kept (FILE.bak, FILE.bak.1 ... .bak.4).";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addJsonOption(options, "print the result as JSON"); }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string path = onePath(invocation, name(), 2);
        config::PathSegments segments = parsePathOrThrow(path);
        rapidjson::Document value = parseValueArgument(invocation.positionals[1], "VALUE", "; nothing was changed");
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            editor.set(segments, value);
            config::ConfigEditor::Saved saved = editor.save();
            reportSaved(invocation, streams, editor, saved, "set", path);
            return kOk;
        });
    }
};

class ConfigUnset : public Command {
public:
    std::string name() const override { return "config unset"; }
    std::string summary() const override { return "remove the config value at PATH"; }
    std::string usage() const override { return "PATH"; }
    void defineOptions(Poco::Util::OptionSet &options) const override { addJsonOption(options, "print the result as JSON"); }

    int run(const Invocation &invocation, Streams streams) const override {
        std::string path = onePath(invocation, name(), 1);
        config::PathSegments segments = parsePathOrThrow(path);
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            if (!editor.unset(segments)) throw UsageError{"Config path not found: " + path};
            config::ConfigEditor::Saved saved = editor.save();
            reportSaved(invocation, streams, editor, saved, "unset", path);
            return kOk;
        });
    }
};

class ConfigPath : public Command {
public:
    std::string name() const override { return "config path"; }
    std::string summary() const override { return "print where the config file is (MOLTBOT_CONFIG_PATH, MOLTBOT_STATE_DIR)"; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        addJsonOption(options, "print the config, state and credentials paths as JSON");
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"'moltbot config path' takes no arguments"};
        std::filesystem::path file = config::configPath();
        if (!invocation.has("json")) {
            streams.out << file.string() << "\n";
            return kOk;
        }
        std::error_code error;
        rapidjson::Document out(rapidjson::kObjectType);
        auto &allocator = out.GetAllocator();
        out.AddMember("configPath", jsonString(file.string(), allocator), allocator);
        out.AddMember("exists", std::filesystem::exists(file, error), allocator);
        out.AddMember("stateDir", jsonString(config::stateDir().string(), allocator), allocator);
        out.AddMember("credentialsPath", jsonString(config::credentialsPath().string(), allocator), allocator);
        printJson(out, streams.out);
        return kOk;
    }
};

class ConfigValidate : public Command {
public:
    std::string name() const override { return "config validate"; }
    std::string summary() const override { return "check the config file: exit 0 when valid, 1 when not"; }
    std::string details() const override {
        return "Errors (bad syntax, a wrong type at a known key) fail; unknown keys are warnings on stderr, with the "
               "nearest known key. The plugins check the per-model options too (OpenRouter: the provider slugs of "
               "provider.order/only/ignore against its provider list, from its cache or the network).";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addJsonOption(options, "print the result as JSON"); }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"'moltbot config validate' takes no arguments"};
        bool json = invocation.has("json");
        std::filesystem::path file = config::configPath();
        rapidjson::Document out(rapidjson::kObjectType);
        auto &allocator = out.GetAllocator();
        out.AddMember("path", jsonString(file.string(), allocator), allocator);
        try {
            config::Config config = config::Config::load(file, /*requireValid=*/false);
            const config::Validation &result = config.validation();
            // The schema's warnings, then what the plugins find in the per-model options (provider slugs).
            std::vector<config::Issue> warnings = result.warnings;
            for (auto &issue : pluginOptionWarnings(config, streams.err)) warnings.push_back(std::move(issue));
            printWarnings(warnings, streams.err);
            if (json) {
                out.AddMember("valid", result.ok(), allocator);
                out.AddMember("exists", config.fileExists(), allocator);
                out.AddMember("errors", jsonIssues(result.errors, allocator), allocator);
                out.AddMember("warnings", jsonIssues(warnings, allocator), allocator);
                printJson(out, streams.out);
            } else if (result.ok()) {
                streams.out << "Config valid: " << file.string() << (config.fileExists() ? "" : " (no file yet)") << "\n";
            } else {
                streams.err << style::error("invalid config " + file.string() + ":") << "\n";
                for (const auto &issue : result.errors) streams.err << "  - " << issue.text() << "\n";
            }
            return result.ok() ? kOk : kUsage;
        } catch (const config::Json5Error &error) {
            if (!json) throw UsageError{error.what()};
            rapidjson::Value issue(rapidjson::kObjectType);
            issue.AddMember("line", static_cast<uint64_t>(error.line()), allocator);
            issue.AddMember("column", static_cast<uint64_t>(error.column()), allocator);
            issue.AddMember("message", jsonString(error.reason(), allocator), allocator);
            rapidjson::Value errors(rapidjson::kArrayType);
            errors.PushBack(issue, allocator);
            out.AddMember("valid", false, allocator);
            out.AddMember("errors", errors, allocator);
            printJson(out, streams.out);
            return kUsage;
        } catch (const config::ConfigError &error) {
            throw UsageError{error.what()};
        }
    }
};

}  // namespace

void addConfigCommands(CommandList &commands) {
    commands.push_back(std::make_unique<GroupCommand>("config", "read and change the config file"));
    commands.push_back(std::make_unique<ConfigGet>());
    commands.push_back(std::make_unique<ConfigSet>());
    commands.push_back(std::make_unique<ConfigUnset>());
    commands.push_back(std::make_unique<ConfigPath>());
    commands.push_back(std::make_unique<ConfigValidate>());
}

}  // namespace moltbot::cli

// `moltbot plugins list` and `moltbot plugins path`: what the loader found, skipped (or was told to skip) and
// shadowed, and where it looked.
#include "host/cli.hpp"
#include "host/commands/style.hpp"
#include "host/commands/group.hpp"
#include "host/commands/table.hpp"

#include "core/plugin/registry.hpp"
#include "core/runtime/plugin_policy.hpp"
#include "host/commands/config_support.hpp"

#include <Poco/DigestStream.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/Util/Option.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <ostream>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace moltbot::cli {

namespace {

namespace fs = std::filesystem;
using plugin::Registry;

std::string join(const std::vector<std::string> &items, std::string_view separator) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : std::string(separator)) + item;
    return out;
}

std::vector<std::string> capabilityNames(uint32_t capabilities) {
    static const std::pair<uint32_t, const char *> kNames[] = {
        {MB_CAP_STREAM, "stream"},
        {MB_CAP_TOOLS, "tools"},
        {MB_CAP_LIST_MODELS, "list_models"},
        {MB_CAP_REASONING, "reasoning"},
        {MB_CAP_PROMPT_CACHE, "prompt_cache"},
        {MB_CAP_CONFIG_PREFIXES, "config_prefixes"},
        {MB_CAP_NO_API_KEY, "no_api_key"},
    };
    std::vector<std::string> names;
    for (const auto &[flag, name] : kNames) {
        if (capabilities & flag) names.emplace_back(name);
    }
    return names;
}

// The SHA-256 of a plugin file as hex, so users can check they run the file they meant to; "" if unreadable.
std::string sha256(const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    Poco::DigestOutputStream digest(engine);
    Poco::StreamCopier::copyStream(in, digest);
    digest.close();
    return Poco::DigestEngine::digestToHex(engine.digest());
}

// The config's say over loading (plugins.prefixes); a config that cannot be read is reported and left out, so
// that the list still shows what there is.
plugin::LoadPolicy loadPolicy(std::ostream &err) {
    try {
        return runtime::pluginPolicy(loadConfig(/*requireValid=*/false, err));
    } catch (const UsageError &error) {
        err << style::error("not applying the plugins settings of the config: " + error.message) << "\n";
        return {};
    }
}

Registry loadRegistry(std::ostream &err) {
    // Plugins log through stderr; the list itself goes to stdout.
    return Registry::load(plugin::searchFolders(), std::make_shared<plugin::DefaultHostServices>(err),
                          loadPolicy(err));
}

// Each prefix a provider declares, as the PREFIXES column shows it: "echo", "echo (pinned)" when plugins.prefixes
// gave it to this provider, "echo (shadowed)" when another provider serves it.
std::vector<std::string> prefixLabels(const Registry &registry, const std::shared_ptr<const plugin::Provider> &provider) {
    std::vector<std::string> labels;
    for (const auto &prefix : provider->info.prefixes) {
        if (registry.find(prefix) != provider) {
            labels.push_back(prefix + " (shadowed)");
        } else {
            labels.push_back(registry.pinned(prefix) ? prefix + " (pinned)" : prefix);
        }
    }
    return labels;
}

std::string describe(const plugin::Provider &provider) {
    return provider.info.id + " (" + provider.path.string() + ")";
}

// "echo: served by <id> (<file>) [pinned by plugins.prefixes.echo]; shadowed: <id> (<file>), ..." per prefix.
void printShadowed(const Registry &registry, std::ostream &out) {
    std::vector<std::string> prefixes;
    for (const auto &entry : registry.shadowed()) {
        if (std::find(prefixes.begin(), prefixes.end(), entry.prefix) == prefixes.end()) prefixes.push_back(entry.prefix);
    }
    for (const auto &prefix : prefixes) {
        std::string line = "  " + prefix + ": ";
        std::vector<std::string> losers;
        for (const auto &entry : registry.shadowed()) {
            if (entry.prefix != prefix) continue;
            if (losers.empty()) {
                line += entry.winner == nullptr ? "served by nobody" : "served by " + describe(*entry.winner);
                if (entry.pinned) line += ", pinned by plugins.prefixes." + prefix;
            }
            losers.push_back(describe(*entry.loser));
        }
        out << line << "; shadowed: " << join(losers, ", ") << "\n";
    }
}

void printText(const Registry &registry, std::ostream &out) {
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "VERSION", "ABI", "PREFIXES", "PATH", "SHA-256"}};
    for (const auto &loaded : registry.plugins()) {
        std::string digest = sha256(loaded.path);
        for (const auto &provider : loaded.providers) {
            rows.push_back({provider->info.id, provider->info.name, provider->info.version,
                            plugin::versionString(provider->abiVersion), join(prefixLabels(registry, provider), ", "),
                            provider->path.string(), digest});
        }
    }
    if (rows.size() == 1) {
        out << "No plugins found (see 'moltbot plugins path' for the folders searched).\n";
    } else {
        printTable(out, rows);
    }
    if (!registry.shadowed().empty()) {
        out << "\nShadowed prefixes (the first plugin in search order serves a prefix, unless plugins.prefixes pins "
               "it):\n";
        printShadowed(registry, out);
    }
    if (!registry.pinProblems().empty()) {
        out << "\nPrefix pins that cannot be honoured:\n";
        for (const auto &problem : registry.pinProblems()) out << "  " << problem.message << "\n";
    }
    if (!registry.skipped().empty()) {
        out << "\nSkipped files:\n";
        for (const auto &entry : registry.skipped()) out << "  " << entry.path.string() << ": " << entry.reason << "\n";
    }
    if (!registry.folderProblems().empty()) {
        out << "\nUnreadable folders:\n";
        for (const auto &entry : registry.folderProblems()) {
            out << "  " << entry.path.string() << ": " << entry.reason << "\n";
        }
    }
}

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void writeString(Writer &writer, std::string_view key, std::string_view value) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void writeList(Writer &writer, std::string_view key, const std::vector<std::string> &values) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    writer.StartArray();
    for (const auto &value : values) writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    writer.EndArray();
}

void printJson(const Registry &registry, std::ostream &out) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.SetIndent(' ', 2);  // the one --json style (docs/cli.md): what config::toPrettyJson prints
    writer.StartObject();
    writer.Key("plugins");
    writer.StartArray();
    for (const auto &loaded : registry.plugins()) {
        std::string digest = sha256(loaded.path);
        for (const auto &provider : loaded.providers) {
            const auto &info = provider->info;
            writer.StartObject();
            writeString(writer, "id", info.id);
            writeString(writer, "name", info.name);
            writeString(writer, "version", info.version);
            writeString(writer, "vendor", info.vendor);
            writeString(writer, "url", info.url);
            writeString(writer, "description", info.description);
            writeString(writer, "abi", plugin::versionString(provider->abiVersion));
            writeList(writer, "prefixes", info.prefixes);
            std::vector<std::string> served, shadowed;
            for (const auto &prefix : info.prefixes) (registry.find(prefix) == provider ? served : shadowed).push_back(prefix);
            writeList(writer, "served_prefixes", served);
            writeList(writer, "shadowed_prefixes", shadowed);
            writeList(writer, "apis", info.apis);
            writeList(writer, "capabilities", capabilityNames(info.capabilities));
            writeString(writer, "path", provider->path.string());
            writeString(writer, "sha256", digest);
            writer.EndObject();
        }
    }
    writer.EndArray();
    writer.Key("shadowed");
    writer.StartArray();
    for (const auto &entry : registry.shadowed()) {
        writer.StartObject();
        writeString(writer, "prefix", entry.prefix);
        writeString(writer, "id", entry.loser->info.id);
        writeString(writer, "path", entry.loser->path.string());
        if (entry.winner != nullptr) {
            writeString(writer, "winner_id", entry.winner->info.id);
            writeString(writer, "winner_path", entry.winner->path.string());
        }
        writer.Key("pinned");
        writer.Bool(entry.pinned);
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("pin_problems");
    writer.StartArray();
    for (const auto &problem : registry.pinProblems()) {
        writer.StartObject();
        writeString(writer, "prefix", problem.prefix);
        writeString(writer, "id", problem.providerId);
        writeString(writer, "message", problem.message);
        writer.EndObject();
    }
    writer.EndArray();
    // Skipped files and unreadable folders alike: [{path, reason}], skipped files with whether the user disabled them.
    auto problems = [&writer](const char *key, const auto &entries) {
        writer.Key(key);
        writer.StartArray();
        for (const auto &entry : entries) {
            writer.StartObject();
            writeString(writer, "path", entry.path.string());
            writeString(writer, "reason", entry.reason);
            if constexpr (std::is_same_v<std::decay_t<decltype(entry)>, plugin::SkippedPlugin>) {
                writer.Key("disabled");
                writer.Bool(entry.disabled);
            }
            writer.EndObject();
        }
        writer.EndArray();
    };
    problems("skipped", registry.skipped());
    problems("unreadable_folders", registry.folderProblems());
    writer.EndObject();
    out << buffer.GetString() << "\n";
}

class PluginsListCommand : public Command {
public:
    std::string name() const override { return "plugins list"; }
    std::string summary() const override { return "list the provider plugins found, skipped and shadowed"; }
    std::string details() const override {
        return "A file that is not a usable plugin is listed with the reason it was skipped; the exit status is 0 "
               "even then. See docs/abi.md for the search order.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print machine-readable JSON"));
    }
    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"'moltbot plugins list' takes no arguments, got '" + invocation.positionals[0] + "'"};
        }
        Registry registry = loadRegistry(streams.err);
        if (invocation.has("json")) {
            printJson(registry, streams.out);
        } else {
            printText(registry, streams.out);
        }
        return kOk;
    }
};

class PluginsPathCommand : public Command {
public:
    std::string name() const override { return "plugins path"; }
    std::string summary() const override { return "print the folders searched for plugins, in order"; }
    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) {
            throw UsageError{"'moltbot plugins path' takes no arguments, got '" + invocation.positionals[0] + "'"};
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto &folder : plugin::searchFolders()) {
            std::error_code ec;
            fs::file_status status = fs::status(folder.path, ec);
            const char *state = fs::is_directory(status) ? "exists" : fs::exists(status) ? "not a folder" : "missing";
            rows.push_back({folder.path.string(), std::string(plugin::originName(folder.origin)), state});
        }
        printTable(streams.out, rows);
        return kOk;
    }
};

}  // namespace

void addPluginSwitchCommands(CommandList &commands);  // host/commands/plugins_disable.cpp

void addPluginCommands(CommandList &commands) {
    commands.push_back(
        std::make_unique<GroupCommand>("plugins", "show the provider plugins, where they are found, disable one"));
    commands.push_back(std::make_unique<PluginsListCommand>());
    commands.push_back(std::make_unique<PluginsPathCommand>());
    addPluginSwitchCommands(commands);
}

}  // namespace moltbot::cli

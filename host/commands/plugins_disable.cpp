// `moltbot plugins disable ID|FILE` and `moltbot plugins enable ID|FILE`: the deny list plugins.disabled, written
// the way `moltbot config set` writes (validated, atomic, with a backup). Neither loads a plugin: the one being
// disabled may crash as soon as it is loaded.
#include "core/config/json_path.hpp"
#include "core/config/paths.hpp"
#include "core/runtime/plugin_policy.hpp"
#include "host/cli.hpp"
#include "host/commands/config_support.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace moltbot::cli {

namespace {

const config::PathSegments kDisabledPath{"plugins", "disabled"};

// The one argument, as it is kept: a path made absolute (a later run may start elsewhere), an id or a file name
// as given.
std::string entryOf(const Invocation &invocation, const std::string &command) {
    if (invocation.positionals.size() != 1 || invocation.positionals[0].empty()) {
        throw UsageError{"'moltbot " + command + "' takes one argument: a provider id (ai.example.name), a plugin "
                         "file name (name.so) or the path to one, as 'moltbot plugins list' shows them"};
    }
    const std::string &entry = invocation.positionals[0];
    if (!plugin::isPathEntry(entry)) return entry;
    return std::filesystem::absolute(config::expandHome(entry)).lexically_normal().string();
}

// plugins.disabled of the file being edited, created empty when missing.
rapidjson::Value &disabledList(config::ConfigEditor &editor) {
    rapidjson::Document &document = editor.document();
    if (config::findPath(document, kDisabledPath) == nullptr) {
        rapidjson::Value empty(rapidjson::kArrayType);
        config::setPath(document, kDisabledPath, empty);
    }
    // findPath hands out a const view of the document this editor owns.
    auto &list = const_cast<rapidjson::Value &>(*config::findPath(document, kDisabledPath));
    if (!list.IsArray()) {
        throw UsageError{"plugins.disabled in " + editor.path().string() + " is not a list; see 'moltbot config get "
                         "plugins.disabled'"};
    }
    return list;
}

bool listed(const rapidjson::Value &list, const std::string &entry) {
    return std::any_of(list.Begin(), list.End(), [&](const rapidjson::Value &each) {
        return each.IsString() && std::string_view(each.GetString(), each.GetStringLength()) == entry;
    });
}

class PluginsDisableCommand : public Command {
public:
    std::string name() const override { return "plugins disable"; }
    std::string usage() const override { return "ID|FILE"; }
    std::string summary() const override { return "stop loading a plugin (plugins.disabled), e.g. one that crashes"; }
    std::string details() const override {
        return "ID is a provider id; FILE a plugin's file name or path (a plugin that crashes while it is loaded has "
               "no id yet: the crash report names its file). The plugin is skipped from the next command on; "
               "'moltbot plugins list' shows it as disabled. " + std::string(runtime::kDisableVariable) +
               "=a,b disables more for one run.";
    }
    int run(const Invocation &invocation, Streams streams) const override {
        std::string entry = entryOf(invocation, name());
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            rapidjson::Value &list = disabledList(editor);
            if (listed(list, entry)) {
                streams.out << "'" << entry << "' is already disabled (plugins.disabled in " << editor.path().string()
                            << ")\n";
                return kOk;
            }
            list.PushBack(rapidjson::Value(entry.c_str(), editor.document().GetAllocator()),
                          editor.document().GetAllocator());
            printSaveNotes(editor, editor.save(), streams.err);
            streams.out << "Disabled '" << entry << "': moltbot no longer loads it (plugins.disabled in "
                        << editor.path().string() << "); 'moltbot plugins enable " << entry << "' undoes it\n";
            return kOk;
        });
    }
};

class PluginsEnableCommand : public Command {
public:
    std::string name() const override { return "plugins enable"; }
    std::string usage() const override { return "ID|FILE"; }
    std::string summary() const override { return "load a disabled plugin again (removes it from plugins.disabled)"; }
    int run(const Invocation &invocation, Streams streams) const override {
        std::string entry = entryOf(invocation, name());
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            rapidjson::Value &list = disabledList(editor);
            if (!listed(list, entry)) {
                auto environment = runtime::disabledByEnvironment();
                bool byEnvironment = std::find(environment.begin(), environment.end(), entry) != environment.end();
                throw UsageError{"'" + entry + "' is not in plugins.disabled of " + editor.path().string() +
                                 (byEnvironment ? "; $" + std::string(runtime::kDisableVariable) + " disables it"
                                                : std::string())};
            }
            for (auto each = list.Begin(); each != list.End();) {
                bool same = each->IsString() && std::string_view(each->GetString(), each->GetStringLength()) == entry;
                each = same ? list.Erase(each) : each + 1;
            }
            printSaveNotes(editor, editor.save(), streams.err);
            streams.out << "Enabled '" << entry << "': moltbot loads it again (plugins.disabled in "
                        << editor.path().string() << ")\n";
            return kOk;
        });
    }
};

}  // namespace

void addPluginSwitchCommands(CommandList &commands) {
    commands.push_back(std::make_unique<PluginsDisableCommand>());
    commands.push_back(std::make_unique<PluginsEnableCommand>());
}

}  // namespace moltbot::cli

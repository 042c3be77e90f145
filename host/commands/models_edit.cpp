// moltbot models set | fallbacks list|add|remove|clear | aliases list|set|remove: choosing the default model, the
// fallbacks and the aliases. Each edit goes through config::ConfigEditor, as `moltbot config set` does (validated,
// atomic, with a backup), and a model that does not exist is refused, as `moltbot agent` refuses it, unless --force.
#include "core/config/config.hpp"
#include "core/config/json_path.hpp"
#include "core/pipeline/cooldown_store.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/session/session.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/group.hpp"
#include "host/commands/table.hpp"

#include <Poco/Util/Option.h>

#include <algorithm>
#include <ostream>

namespace moltbot::cli {

namespace {

using config::PathSegments;

const PathSegments kModel{"agents", "defaults", "model"};
const PathSegments kPrimary{"agents", "defaults", "model", "primary"};
const PathSegments kFallbacks{"agents", "defaults", "model", "fallbacks"};

PathSegments modelEntry(const std::string &ref) { return {"agents", "defaults", "models", ref}; }
PathSegments aliasPath(const std::string &ref) { return {"agents", "defaults", "models", ref, "alias"}; }

void addForceOption(Poco::Util::OptionSet &options) {
    options.addOption(Poco::Util::Option("force", "f", "write the model even if no plugin knows it (no catalog check)"));
}

void addJsonOption(Poco::Util::OptionSet &options, const char *what) {
    options.addOption(Poco::Util::Option("json", "", what));
}

void expectArguments(const Invocation &invocation, const std::string &command, std::size_t count, const char *names) {
    if (invocation.positionals.size() == count) return;
    std::string wanted = count == 0 ? "no arguments" : count == 1 ? std::string("one argument, ") + names
                                                                   : std::to_string(count) + " arguments, " + names;
    throw UsageError{"'moltbot " + command + "' takes " + wanted + " (got " +
                     std::to_string(invocation.positionals.size()) + "); see 'moltbot " + command + " --help'"};
}

// Refuses `name` (a ref, or an alias when `aliasAllowed`) unless it names a model that exists: the same check and
// suggestions as `moltbot agent --model` (Session::requireKnown). --force skips the catalog check, not the syntax.
void requireExisting(const Invocation &invocation, const std::string &name, bool aliasAllowed, Streams streams) {
    auto config = std::make_shared<config::Config>(loadConfig(/*requireValid=*/false, streams.err));
    if (invocation.has("force") || !aliasAllowed) {
        std::string why;
        if (!pipeline::parseModelRef(name, &why) && !(aliasAllowed && config->resolveAlias(name))) {
            throw UsageError{"invalid model '" + name + "': " + why + (aliasAllowed ? ", or a configured alias" : "")};
        }
    }
    if (invocation.has("force")) return;
    config->applyEnvBlock();
    session::Session session(config, std::make_shared<pipeline::CooldownStore>(), runtime::RuntimeOptions{},
                             streams.err);
    try {
        session.requireKnown(session.resolve({name, "REF"}), name);
    } catch (const session::ModelError &error) {
        throw UsageError{std::string(error.what()) + " (--force writes it anyway)"};
    }
}

// A document holding one string, for ConfigEditor::set.
rapidjson::Document stringValue(const std::string &text) {
    rapidjson::Document value;
    value.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), value.GetAllocator());
    return value;
}

// agents.defaults.model written as a string is short for {primary: "..."}: turned into the object before a key of it
// is set.
void modelAsObject(config::ConfigEditor &editor) {
    const rapidjson::Value *model = config::findPath(editor.document(), kModel);
    if (model == nullptr || !model->IsString()) return;
    rapidjson::Document object(rapidjson::kObjectType);
    object.AddMember("primary", rapidjson::Value(*model, object.GetAllocator()), object.GetAllocator());
    editor.set(kModel, object);
}

std::vector<std::string> fallbacksOf(const config::ConfigEditor &editor) {
    std::vector<std::string> out;
    const rapidjson::Value *list = config::findPath(editor.document(), kFallbacks);
    if (list == nullptr) return out;
    if (!list->IsArray()) {
        throw UsageError{"agents.defaults.model.fallbacks in " + editor.path().string() +
                         " is not a list; see 'moltbot config get agents.defaults.model.fallbacks'"};
    }
    for (const auto &entry : list->GetArray()) {
        if (entry.IsString()) out.emplace_back(entry.GetString(), entry.GetStringLength());
    }
    return out;
}

void saveFallbacks(config::ConfigEditor &editor, const std::vector<std::string> &fallbacks) {
    modelAsObject(editor);
    rapidjson::Document list(rapidjson::kArrayType);
    for (const auto &ref : fallbacks) list.PushBack(jsonString(ref, list.GetAllocator()), list.GetAllocator());
    editor.set(kFallbacks, list);
}

// Saves the editor and reports it as `config set` does, then `summary` (a line for people).
void saveAndReport(const Invocation &invocation, Streams streams, config::ConfigEditor &editor,
                   const std::string &action, const PathSegments &path, const std::string &summary) {
    config::ConfigEditor::Saved saved = editor.save();
    reportSaved(invocation, streams, editor, saved, action, config::formatPath(path));
    streams.out << summary << "\n";
}

// The alias or ref as it resolves in `config`: what a fallback is compared by.
std::string resolved(const config::Config &config, const std::string &name) {
    return config.resolveAlias(name).value_or(name);
}

class ModelsSet : public Command {
public:
    std::string name() const override { return "models set"; }
    std::string summary() const override { return "set the default model (agents.defaults.model.primary)"; }
    std::string usage() const override { return "REF|ALIAS"; }
    std::string details() const override {
        return "REF is <provider>/<model> (openrouter/anthropic/claude-sonnet-4.5) or a configured alias. A model no "
               "plugin serves or no catalog lists is refused with the nearest refs, as 'moltbot agent --model' "
               "refuses it; --force writes it anyway. The fallbacks stay. The config is validated and written "
               "atomically, with a backup, as by 'moltbot config set'.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addForceOption(options); }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 1, "REF");
        const std::string &ref = invocation.positionals[0];
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            if (config::primaryModelOf(editor.document()) == ref) {
                streams.out << "The default model is already " << ref << "; nothing changed\n";
                return kOk;
            }
            requireExisting(invocation, ref, /*aliasAllowed=*/true, streams);
            modelAsObject(editor);
            editor.set(kPrimary, stringValue(ref));
            saveAndReport(invocation, streams, editor, "set", kPrimary, "Default model: " + ref);
            return kOk;
        });
    }
};

class FallbacksList : public Command {
public:
    std::string name() const override { return "models fallbacks list"; }
    std::string summary() const override { return "list the fallback models, in the order they are tried"; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        addJsonOption(options, "print {\"fallbacks\": [...]}");
    }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 0, "");
        config::Config config = loadConfig(/*requireValid=*/false, streams.err);
        std::vector<std::string> fallbacks = config.fallbacks();
        if (invocation.has("json")) {
            rapidjson::Document out(rapidjson::kObjectType);
            rapidjson::Value list(rapidjson::kArrayType);
            for (const auto &ref : fallbacks) list.PushBack(jsonString(ref, out.GetAllocator()), out.GetAllocator());
            out.AddMember("fallbacks", list, out.GetAllocator());
            streams.out << config::toPrettyJson(out);
        } else if (fallbacks.empty()) {
            streams.err << "no fallbacks configured (moltbot models fallbacks add REF)\n";
        } else {
            for (const auto &ref : fallbacks) streams.out << ref << "\n";
        }
        return kOk;
    }
};

class FallbacksAdd : public Command {
public:
    std::string name() const override { return "models fallbacks add"; }
    std::string summary() const override { return "add a fallback model at the end of the list"; }
    std::string usage() const override { return "REF|ALIAS"; }
    std::string details() const override {
        return "The model must exist, as for 'moltbot models set'; --force writes it anyway. A model already in the "
               "list is not added twice.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addForceOption(options); }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 1, "REF");
        const std::string &ref = invocation.positionals[0];
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            std::vector<std::string> fallbacks = fallbacksOf(editor);
            if (std::find(fallbacks.begin(), fallbacks.end(), ref) != fallbacks.end()) {
                streams.out << ref << " is already a fallback; nothing changed\n";
                return kOk;
            }
            requireExisting(invocation, ref, /*aliasAllowed=*/true, streams);
            fallbacks.push_back(ref);
            saveFallbacks(editor, fallbacks);
            saveAndReport(invocation, streams, editor, "set", kFallbacks, "Fallbacks: " + commaListOrDash(fallbacks));
            return kOk;
        });
    }
};

class FallbacksRemove : public Command {
public:
    std::string name() const override { return "models fallbacks remove"; }
    std::string summary() const override { return "remove a model from the fallbacks"; }
    std::string usage() const override { return "REF|ALIAS"; }
    std::string details() const override {
        return "Removes the entries written as REF, or naming the same model through an alias.";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 1, "REF");
        const std::string &ref = invocation.positionals[0];
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            config::Config config = loadConfig(/*requireValid=*/false, streams.err);
            std::vector<std::string> fallbacks = fallbacksOf(editor);
            std::vector<std::string> kept;
            std::string target = resolved(config, ref);
            for (const auto &entry : fallbacks) {
                if (entry != ref && resolved(config, entry) != target) kept.push_back(entry);
            }
            if (kept.size() == fallbacks.size()) {
                throw UsageError{"'" + ref + "' is not in agents.defaults.model.fallbacks (" + commaListOrDash(fallbacks) + ")" +
                                 util::didYouMean(util::nearest(ref, fallbacks, 2))};
            }
            saveFallbacks(editor, kept);
            saveAndReport(invocation, streams, editor, "set", kFallbacks, "Fallbacks: " + commaListOrDash(kept));
            return kOk;
        });
    }
};

class FallbacksClear : public Command {
public:
    std::string name() const override { return "models fallbacks clear"; }
    std::string summary() const override { return "remove every fallback model"; }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 0, "");
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            if (config::findPath(editor.document(), kFallbacks) == nullptr) {
                streams.out << "No fallbacks configured; nothing changed\n";
                return kOk;
            }
            editor.unset(kFallbacks);
            saveAndReport(invocation, streams, editor, "unset", kFallbacks, "Fallbacks: -");
            return kOk;
        });
    }
};

class AliasesList : public Command {
public:
    std::string name() const override { return "models aliases list"; }
    std::string summary() const override { return "list the model aliases (alias -> ref)"; }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        addJsonOption(options, "print {\"aliases\": {ALIAS: REF, ...}}");
    }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 0, "");
        config::Config config = loadConfig(/*requireValid=*/false, streams.err);
        auto aliases = config.aliases();
        if (invocation.has("json")) {
            rapidjson::Document out(rapidjson::kObjectType);
            auto &allocator = out.GetAllocator();
            rapidjson::Value map(rapidjson::kObjectType);
            for (const auto &[alias, ref] : aliases) map.AddMember(jsonString(alias, allocator), jsonString(ref, allocator), allocator);
            out.AddMember("aliases", map, allocator);
            streams.out << config::toPrettyJson(out);
        } else if (aliases.empty()) {
            streams.err << "no aliases configured (moltbot models aliases set ALIAS REF)\n";
        } else {
            for (const auto &[alias, ref] : aliases) streams.out << alias << " -> " << ref << "\n";
        }
        return kOk;
    }
};

// The configured ref whose alias is `alias` (case-insensitive), or "".
std::string refWithAlias(const config::ConfigEditor &editor, const std::string &alias) {
    const rapidjson::Value *models = config::findPath(editor.document(), {"agents", "defaults", "models"});
    if (models == nullptr || !models->IsObject()) return {};
    for (const auto &entry : models->GetObject()) {
        if (!entry.value.IsObject()) continue;
        auto found = config::memberNamed(entry.value, "alias");
        if (found != entry.value.MemberEnd() && found->value.IsString() &&
            config::foldCase(found->value.GetString()) == config::foldCase(alias)) {
            return {entry.name.GetString(), entry.name.GetStringLength()};
        }
    }
    return {};
}

// Removes the alias of `ref`, and its agents.defaults.models entry when nothing else is left in it.
void dropAlias(config::ConfigEditor &editor, const std::string &ref) {
    editor.unset(aliasPath(ref));
    const rapidjson::Value *entry = config::findPath(editor.document(), modelEntry(ref));
    if (entry != nullptr && entry->IsObject() && entry->MemberCount() == 0) editor.unset(modelEntry(ref));
}

class AliasesSet : public Command {
public:
    std::string name() const override { return "models aliases set"; }
    std::string summary() const override { return "give a model a short name (agents.defaults.models[REF].alias)"; }
    std::string usage() const override { return "ALIAS REF"; }
    std::string details() const override {
        return "ALIAS works wherever a model is asked for (moltbot agent --model sonnet). It is case-insensitive and "
               "may not hold '/' or spaces. A model has one alias: a new one replaces the old, and an alias that "
               "named another model moves to REF. REF must exist, as for 'moltbot models set'; --force writes it "
               "anyway.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override { addForceOption(options); }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 2, "ALIAS REF");
        const std::string &alias = invocation.positionals[0];
        const std::string &ref = invocation.positionals[1];
        if (alias.empty() || alias.find_first_of("/ \t\r\n") != std::string::npos) {
            throw UsageError{"invalid alias '" + alias + "': an alias is one word without '/' (e.g. sonnet)"};
        }
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            std::string previous = refWithAlias(editor, alias);
            const rapidjson::Value *current = config::findPath(editor.document(), aliasPath(ref));
            if (previous == ref && current != nullptr && current->IsString() && current->GetString() == alias) {
                streams.out << "The alias " << alias << " already names " << ref << "; nothing changed\n";
                return kOk;
            }
            requireExisting(invocation, ref, /*aliasAllowed=*/false, streams);
            if (!previous.empty() && previous != ref) dropAlias(editor, previous);
            editor.set(aliasPath(ref), stringValue(alias));
            std::string summary = "Alias: " + alias + " -> " + ref;
            if (!previous.empty() && previous != ref) summary += " (was " + previous + ")";
            saveAndReport(invocation, streams, editor, "set", aliasPath(ref), summary);
            return kOk;
        });
    }
};

class AliasesRemove : public Command {
public:
    std::string name() const override { return "models aliases remove"; }
    std::string summary() const override { return "remove a model alias"; }
    std::string usage() const override { return "ALIAS"; }
    std::string details() const override {
        return "The model's agents.defaults.models entry is removed too when the alias was all it held.";
    }

    int run(const Invocation &invocation, Streams streams) const override {
        expectArguments(invocation, name(), 1, "ALIAS");
        const std::string &alias = invocation.positionals[0];
        return reportConfigErrors([&] {
            config::ConfigEditor editor;
            std::string ref = refWithAlias(editor, alias);
            if (ref.empty()) {
                config::Config config = loadConfig(/*requireValid=*/false, streams.err);
                std::vector<std::string> names;
                for (const auto &[name, target] : config.aliases()) names.push_back(name);
                throw UsageError{"no alias '" + alias + "'" + util::didYouMean(util::nearest(alias, names, 2)) +
                                 "; see 'moltbot models aliases list'"};
            }
            dropAlias(editor, ref);
            saveAndReport(invocation, streams, editor, "unset", aliasPath(ref), "Removed the alias " + alias + " of " + ref);
            return kOk;
        });
    }
};

}  // namespace

void addModelsEditCommands(CommandList &commands) {
    commands.push_back(std::make_unique<ModelsSet>());
    commands.push_back(std::make_unique<GroupCommand>("models fallbacks", "list and change the fallback models"));
    commands.push_back(std::make_unique<FallbacksList>());
    commands.push_back(std::make_unique<FallbacksAdd>());
    commands.push_back(std::make_unique<FallbacksRemove>());
    commands.push_back(std::make_unique<FallbacksClear>());
    commands.push_back(std::make_unique<GroupCommand>("models aliases", "list and change the model aliases"));
    commands.push_back(std::make_unique<AliasesList>());
    commands.push_back(std::make_unique<AliasesSet>());
    commands.push_back(std::make_unique<AliasesRemove>());
}

}  // namespace moltbot::cli

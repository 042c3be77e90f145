// moltbot models status: the default model, fallbacks, aliases, and for each provider in use where its API key
// comes from (masked), or that it needs none (MB_CAP_NO_API_KEY). --check makes a missing key of the default model's
// provider an error.
#include "core/config/config.hpp"
#include "core/config/paths.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/option_checks.hpp"
#include "core/session/session.hpp"
#include "core/util/secrets.hpp"
#include "host/commands/config_support.hpp"
#include "host/commands/style.hpp"
#include "host/commands/group.hpp"
#include "host/commands/table.hpp"
#include "host/commands/models_probe.hpp"

#include <Poco/Util/Option.h>

#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>

namespace moltbot::cli {

namespace {

struct ProviderKey {
    std::string provider;
    config::ApiKey key;
    bool keyRequired = true;  // false when the plugin serving it needs no key (MB_CAP_NO_API_KEY)

    bool missing() const { return key.key.empty() && keyRequired; }
};

// "Label (n)     : " padded as the original tool did, so the values line up.
std::string label(const std::string &text) {
    std::string padded = text;
    if (padded.size() < 14) padded.resize(14, ' ');
    return padded + ": ";
}

class ModelsStatus : public Command {
public:
    std::string name() const override { return "models status"; }
    std::string summary() const override { return "show the default model, fallbacks, aliases and API-key sources"; }
    std::string details() const override {
        return "Keys are looked up per provider: the <NAME>_API_KEY variable, or the one models.providers.<name>."
               "apiKeyEnv names (possibly filled by the config's env block), then the credentials file, then "
               "models.providers.<name>.apiKey. Keys are shown masked. A provider shows when the config uses it or "
               "when a key for it is found: the key shown is the one a request would use. A provider whose plugin "
               "needs no API key (a local server) shows effective=none needed and never counts as missing one.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        options.addOption(Poco::Util::Option("json", "", "print the status as JSON"));
        options.addOption(Poco::Util::Option("check", "", "exit 1 when no default model is set, its provider has no API "
                                                          "key, it or a fallback names a model that does not exist "
                                                          "(the catalogs are read), or --probe finds a key rejected"));
        options.addOption(Poco::Util::Option("probe", "", "ask each provider whether its key is valid, and its limits"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"'moltbot models status' takes no arguments"};
        config::Config config = loadConfig(/*requireValid=*/true, streams.err);
        config.applyEnvBlock();
        // The config's own warnings are on stderr already (loadConfig); --json has them with the others.
        std::vector<std::string> warnings;
        for (const auto &issue : config.validation().warnings) warnings.push_back(issue.text());
        const std::size_t configWarnings = warnings.size();

        std::string primary = config.primaryModel();
        std::string resolvedPrimary = resolve(config, primary);
        std::vector<std::string> fallbacks = config.fallbacks();
        std::vector<std::string> providers;
        auto usesProvider = [&](const std::string &ref) {
            std::optional<pipeline::ModelRef> parsed = pipeline::parseModelRef(resolve(config, ref));
            if (!parsed) {
                warnings.push_back("'" + ref + "' is neither a model ref (<provider>/<model>) nor an alias");
                return;
            }
            if (std::find(providers.begin(), providers.end(), parsed->prefix) == providers.end()) {
                providers.push_back(parsed->prefix);
            }
        };
        if (primary.empty()) {
            warnings.push_back("no default model: run 'moltbot onboard' or 'moltbot config set "
                               "agents.defaults.model.primary <provider>/<model>'");
        } else {
            usesProvider(primary);
        }
        for (const auto &ref : fallbacks) usesProvider(ref);
        for (const auto &ref : config.configuredModels()) usesProvider(ref);
        // A provider configured under models.providers is shown too, even before a model of it is chosen.
        if (const rapidjson::Value *configured = config.get("models.providers"); configured && configured->IsObject()) {
            for (const auto &entry : configured->GetObject()) {
                std::string provider(entry.name.GetString(), entry.name.GetStringLength());
                if (std::find(providers.begin(), providers.end(), provider) == providers.end()) providers.push_back(provider);
            }
        }

        // The plugins tell which prefixes exist: a provider whose key is found (an exported OPENROUTER_API_KEY, the
        // credentials file) is the one a request will use, so it shows even when the config names none of its
        // models; with --check, the models the config names must exist. The session's own messages (a catalog that
        // cannot be read counts every id as known) are left out: status reports what it checked.
        std::ostringstream sessionLog;
        session::Session session(std::shared_ptr<const config::Config>(&config, [](const config::Config *) {}),
                                 std::make_shared<pipeline::CooldownStore>(std::filesystem::path()),
                                 runtime::RuntimeOptions{}, sessionLog);
        std::vector<ProviderKey> keys;
        reportConfigErrors([&] {
            for (const auto &prefix : session.prefixes()) {
                if (std::find(providers.begin(), providers.end(), prefix) != providers.end()) continue;
                if (!config.resolveApiKey(prefix).key.empty()) providers.push_back(prefix);
            }
            for (const auto &provider : providers) keys.push_back({provider, config.resolveApiKey(provider)});
        });
        for (const auto &provider : providers) {
            if (std::string problem = runtime::baseUrlVariableProblem(provider); !problem.empty()) {
                warnings.push_back(problem);
            }
        }
        reportConfigErrors([&] {
            for (const auto &issue : session::checkModelOptions(session.runtime(), config)) warnings.push_back(issue.text());
        });
        std::vector<std::string> unknownModels;
        if (invocation.has("check")) unknownModels = missingModels(session, primary);
        for (const auto &problem : unknownModels) warnings.push_back(problem);
        for (auto &entry : keys) {
            if (entry.key.key.empty()) entry.keyRequired = !session.runtime().needsNoApiKey(entry.provider);
        }
        for (const auto &[provider, key, keyRequired] : keys) {
            if (key.key.empty() && !keyRequired) continue;
            if (key.key.empty()) {
                warnings.push_back("no API key for provider '" + provider + "': set " + config.keyVariable(provider) +
                                   (provider == "openrouter" ? " or run 'moltbot onboard'" : ""));
            } else if (provider == "openrouter" && key.key.rfind("sk-or-", 0) != 0) {
                warnings.push_back("the OpenRouter key " + util::maskSecret(key.key) + " (" +
                                   std::string(config::keySourceName(key.source)) +
                                   ") does not start with 'sk-or-' as OpenRouter keys do");
            }
        }

        std::vector<std::string> keyed;
        for (const auto &entry : keys) {
            if (!entry.key.key.empty()) keyed.push_back(entry.provider);
        }
        StatusExtras extras = collectStatusExtras(session.runtime(), keyed, invocation.has("probe"));
        if (invocation.has("json")) {
            printJson(config, primary, resolvedPrimary, keys, warnings, extras, streams.out);
        } else {
            printText(config, primary, resolvedPrimary, keys, streams.out);
            extras.printText(streams.out);
        }
        for (std::size_t i = configWarnings; i < warnings.size(); ++i) streams.err << style::warning() << warnings[i] << "\n";

        if (!invocation.has("check")) return kOk;
        if (!extras.keysAccepted()) {
            streams.err << style::error("check failed: a provider rejected its API key") << "\n";
            return kUsage;
        }
        if (!unknownModels.empty()) {
            streams.err << style::error("check failed: the default model or a fallback names a model that does not exist")
                        << "\n";
            return kUsage;
        }
        return check(resolvedPrimary, keys, streams.err);
    }

private:
    // The default model and the fallbacks that name no model (an unknown prefix or alias, an id in no catalog), each
    // as "<where>: unknown model ...; did you mean ...?", as `agent` would refuse or skip them.
    static std::vector<std::string> missingModels(session::Session &session, const std::string &primary) {
        std::vector<session::ModelName> names = session.configuredFallbacks();
        if (!primary.empty()) names.insert(names.begin(), {primary, "agents.defaults.model.primary"});
        std::vector<std::string> problems;
        for (const auto &name : names) {
            try {
                session.requireKnown(session.resolve(name), name.name);
            } catch (const session::ModelError &error) {
                std::string message = error.what();
                if (message.find(name.where) == std::string::npos) message = name.where + ": " + message;
                problems.push_back(message);
            }
        }
        return problems;
    }

    // An alias becomes its ref; anything else stays as written.
    static std::string resolve(const config::Config &config, const std::string &ref) {
        if (ref.find('/') != std::string::npos) return ref;
        return config.resolveAlias(ref).value_or(ref);
    }

    static int check(const std::string &resolvedPrimary, const std::vector<ProviderKey> &keys, std::ostream &err) {
        if (resolvedPrimary.empty()) {
            err << style::error("check failed: no default model is set") << "\n";
            return kUsage;
        }
        std::optional<pipeline::ModelRef> ref = pipeline::parseModelRef(resolvedPrimary);
        if (!ref) {
            err << style::error("check failed: the default model '" + resolvedPrimary + "' is not a model ref") << "\n";
            return kUsage;
        }
        auto found = std::find_if(keys.begin(), keys.end(), [&](const auto &entry) { return entry.provider == ref->prefix; });
        if (found == keys.end() || found->missing()) {
            err << style::error("check failed: no API key for provider '" + ref->prefix + "' of the default model " +
                                resolvedPrimary)
                << "\n";
            return kUsage;
        }
        return kOk;
    }

    static void printText(const config::Config &config, const std::string &primary, const std::string &resolvedPrimary,
                          const std::vector<ProviderKey> &keys, std::ostream &out) {
        std::vector<std::string> fallbacks = config.fallbacks();
        std::vector<std::string> aliases;
        for (const auto &[alias, ref] : config.aliases()) aliases.push_back(alias + " -> " + ref);
        std::vector<std::string> configured = config.configuredModels();
        std::string defaultText = primary.empty() ? "-" : resolvedPrimary;
        if (resolvedPrimary != primary) defaultText += " (from " + primary + ")";
        out << label("Config") << config.path().string() << (config.fileExists() ? "" : " (no file yet)") << "\n"
            << label("Default") << defaultText << "\n"
            << label("Fallbacks (" + std::to_string(fallbacks.size()) + ")") << commaListOrDash(fallbacks) << "\n"
            << label("Aliases (" + std::to_string(aliases.size()) + ")") << commaListOrDash(aliases) << "\n"
            << label("Configured models (" + std::to_string(configured.size()) + ")") << commaListOrDash(configured) << "\n"
            << "\nAuth overview\n"
            << label("Credentials") << config::credentialsPath().string() << "\n";
        if (keys.empty()) out << "- no provider in use\n";
        for (const auto &[provider, key, keyRequired] : keys) {
            out << "- " << provider << " ";
            if (key.key.empty() && !keyRequired) {
                out << "effective=none needed | its plugin needs no API key\n";
            } else if (key.key.empty()) {
                out << "effective=missing | set " << config.keyVariable(provider) << "\n";
            } else {
                out << "effective=" << config::keySourceName(key.source) << " | key=" << util::maskSecret(key.key)
                    << " | source=" << key.where << "\n";
            }
        }
    }

    static void printJson(const config::Config &config, const std::string &primary, const std::string &resolvedPrimary,
                          const std::vector<ProviderKey> &keys, const std::vector<std::string> &warnings,
                          const StatusExtras &extras, std::ostream &out) {
        rapidjson::Document doc(rapidjson::kObjectType);
        auto &allocator = doc.GetAllocator();
        auto strings = [&](const std::vector<std::string> &list) {
            rapidjson::Value array(rapidjson::kArrayType);
            for (const auto &entry : list) array.PushBack(jsonString(entry, allocator), allocator);
            return array;
        };
        auto stringOrNull = [&](const std::string &text) {
            return text.empty() ? rapidjson::Value() : jsonString(text, allocator);
        };
        doc.AddMember("configPath", jsonString(config.path().string(), allocator), allocator);
        doc.AddMember("configExists", config.fileExists(), allocator);
        doc.AddMember("defaultModel", stringOrNull(primary), allocator);
        doc.AddMember("resolvedDefault", stringOrNull(resolvedPrimary), allocator);
        doc.AddMember("fallbacks", strings(config.fallbacks()), allocator);
        rapidjson::Value aliases(rapidjson::kObjectType);
        for (const auto &[alias, ref] : config.aliases()) {
            aliases.AddMember(jsonString(alias, allocator), jsonString(ref, allocator), allocator);
        }
        doc.AddMember("aliases", aliases, allocator);
        doc.AddMember("configuredModels", strings(config.configuredModels()), allocator);
        doc.AddMember("credentialsPath", jsonString(config::credentialsPath().string(), allocator), allocator);
        rapidjson::Value providers(rapidjson::kArrayType);
        for (const auto &[provider, key, keyRequired] : keys) {
            rapidjson::Value entry(rapidjson::kObjectType);
            entry.AddMember("provider", jsonString(provider, allocator), allocator);
            entry.AddMember("envVar", jsonString(config.keyVariable(provider), allocator), allocator);
            std::string source(key.key.empty() && !keyRequired ? "none needed" : config::keySourceName(key.source));
            entry.AddMember("source", jsonString(source, allocator), allocator);
            entry.AddMember("keyRequired", keyRequired, allocator);
            entry.AddMember("where", stringOrNull(key.where), allocator);
            entry.AddMember("key", key.key.empty() ? rapidjson::Value() : jsonString(util::maskSecret(key.key), allocator),
                            allocator);
            providers.PushBack(entry, allocator);
        }
        doc.AddMember("providers", providers, allocator);
        doc.AddMember("warnings", strings(warnings), allocator);
        extras.addJson(doc);
        out << config::toPrettyJson(doc);
    }
};

}  // namespace

void addModelsStatusCommand(CommandList &commands) {
    commands.push_back(std::make_unique<GroupCommand>("models", "show and choose models"));
    commands.push_back(std::make_unique<ModelsStatus>());
}

}  // namespace moltbot::cli

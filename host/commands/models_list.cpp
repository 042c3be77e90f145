// `moltbot models list`: the configured models (default, fallbacks, configured entries) or, with --all, every model
// the plugins know, as a table, one key per line (--plain) or JSON.
#include "host/cli.hpp"
#include "host/commands/config_support.hpp"

#include "core/http/cancel.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/catalogs.hpp"
#include "core/util/loopback.hpp"

#include <Poco/URI.h>
#include <Poco/Util/Option.h>
#include <rapidjson/document.h>
#include <rapidjson/writer.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>
#include <set>
#include <string_view>

namespace moltbot::cli {

namespace {

using session::CatalogModel;
using session::Catalogs;

// How a row's provider is reached: whether its base URL is on this machine, and whether it can be used as configured.
struct Access {
    bool local = false;
    bool hasKey = false;     // an API key is configured for the prefix
    bool keyFree = false;    // its provider needs none (MB_CAP_NO_API_KEY)
    bool available() const { return hasKey || keyFree; }
    // The Auth column: "yes" (a key is configured), "none needed" (the provider needs none) or "no".
    const char *authText() const { return hasKey ? "yes" : keyFree ? "none needed" : "no"; }
};

struct Row {
    std::string key;  // "<prefix>/<id>"
    const CatalogModel *model = nullptr;
    std::vector<std::string> tags;
};

bool isLoopbackUrl(const std::string &url) {
    try {
        std::string host = Poco::URI(url).getHost();
        return util::isLoopbackHost(host) || (host.size() > 6 && host.compare(host.size() - 6, 6, ".local") == 0);
    } catch (const std::exception &) {
        return false;
    }
}

// The base URL an instance of `prefix` would use, from the create config the host hands the plugin.
std::string baseUrlOf(const config::Config &config, const std::string &prefix) {
    rapidjson::Document instance;
    std::string json = runtime::instanceConfigJson(config, prefix);
    instance.Parse(json.c_str());
    const auto &settings = instance["config"];
    return settings.HasMember("baseUrl") && settings["baseUrl"].IsString() ? settings["baseUrl"].GetString() : "";
}

std::string contextText(int64_t tokens) {
    if (tokens <= 0) return "-";
    // Decimal thousands, as providers state windows (200,000 is "200k", not 195k).
    return std::to_string((tokens + 500) / 1000) + "k";
}

std::string fit(const std::string &text, std::size_t width) {
    if (text.size() <= width) return text + std::string(width - text.size(), ' ');
    return text.substr(0, width - 3) + "...";
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

class ModelsListCommand : public Command {
public:
    std::string name() const override { return "models list"; }
    std::string summary() const override { return "list the configured models, or every model the plugins know"; }
    std::string details() const override {
        return "Without --all: the default model, the fallbacks and the keys of agents.defaults.models, tagged "
               "default, fallback#N, configured, alias:<name>, and missing when the provider does not list the id. "
               "Auth is yes when an API key is configured for the provider, 'none needed' when its plugin needs none "
               "(a local server), no otherwise; --json says the same as available and keyRequired. "
               "Catalogs are cached in the state folder; --refresh fetches them again.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        options.addOption(Option("all", "a", "every model of every plugin that lists its models"));
        options.addOption(Option("provider", "", "only the models of this prefix (e.g. openrouter)").argument("PREFIX"));
        options.addOption(Option("refresh", "", "fetch the model catalogs again instead of using the cache"));
        options.addOption(Option("json", "", "print {\"count\", \"models\": [...]} as JSON"));
        options.addOption(Option("plain", "", "print one model key per line"));
    }

    int run(const Invocation &invocation, Streams streams) const override {
        if (!invocation.positionals.empty()) throw UsageError{"unexpected argument '" + invocation.positionals[0] + "'"};
        if (invocation.has("json") && invocation.has("plain")) throw UsageError{"choose either --json or --plain, not both"};
        config::Config config = loadConfig(true);
        config.applyEnvBlock();
        http::CancelToken cancel;
        runtime::RuntimeOptions options;
        options.refreshCatalogs = invocation.has("refresh");
        runtime::Runtime host(config, cancel, options, streams.err);
        Catalogs catalogs(host, streams.err);
        std::string onlyPrefix = invocation.value("provider");

        std::vector<Row> rows =
            invocation.has("all") ? allRows(config, host, catalogs) : configuredRows(config, catalogs, streams);
        std::erase_if(rows, [&](const Row &row) { return !onlyPrefix.empty() && row.key.rfind(onlyPrefix + "/", 0) != 0; });

        std::map<std::string, Access> access;  // per prefix
        auto accessOf = [&](const std::string &key) {
            std::string prefix = key.substr(0, key.find('/'));
            auto [it, fresh] = access.try_emplace(prefix);
            if (fresh) {
                it->second.local = isLoopbackUrl(baseUrlOf(config, prefix));
                it->second.hasKey = !config.resolveApiKey(prefix).key.empty();
                it->second.keyFree = host.needsNoApiKey(prefix);
            }
            return it->second;
        };

        if (invocation.has("plain")) {
            for (const auto &row : rows) streams.out << row.key << "\n";
            return kOk;
        }
        if (invocation.has("json")) {
            rapidjson::Document document(rapidjson::kObjectType);
            auto &allocator = document.GetAllocator();
            document.AddMember("count", static_cast<uint64_t>(rows.size()), allocator);
            rapidjson::Value models(rapidjson::kArrayType);
            for (const auto &row : rows) {
                Access reach = accessOf(row.key);
                rapidjson::Value item(rapidjson::kObjectType);
                item.AddMember("key", jsonString(row.key, allocator), allocator);
                item.AddMember("name", row.model ? jsonString(row.model->name, allocator) : rapidjson::Value(), allocator);
                item.AddMember("input", row.model ? jsonString(row.model->input, allocator) : rapidjson::Value(), allocator);
                item.AddMember("contextWindow", row.model ? rapidjson::Value(row.model->contextWindow) : rapidjson::Value(), allocator);
                item.AddMember("local", reach.local, allocator);
                item.AddMember("available", reach.available(), allocator);
                item.AddMember("keyRequired", !reach.keyFree, allocator);
                rapidjson::Value tags(rapidjson::kArrayType);
                for (const auto &tag : row.tags) tags.PushBack(jsonString(tag, allocator), allocator);
                item.AddMember("tags", tags, allocator);
                item.AddMember("missing", row.model == nullptr, allocator);
                models.PushBack(item, allocator);
            }
            document.AddMember("models", models, allocator);
            rapidjson::StringBuffer buffer;
            rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
            document.Accept(writer);
            streams.out << buffer.GetString() << "\n";
            return kOk;
        }
        if (rows.empty()) {
            streams.out << "No models found.\n";
            return kOk;
        }
        // The Auth column widens for "none needed" only when a row shows it.
        std::size_t authWidth = 5;
        for (const auto &row : rows) {
            if (row.model) authWidth = std::max(authWidth, std::string_view(accessOf(row.key).authText()).size());
        }
        streams.out << fit("Model", 42) << " " << fit("Input", 10) << " " << fit("Ctx", 8) << " " << fit("Local", 5)
                    << " " << fit("Auth", authWidth) << " Tags\n";
        for (const auto &row : rows) {
            Access reach = accessOf(row.key);
            bool local = reach.local;
            bool knownInput = row.model != nullptr && !row.model->input.empty();
            streams.out << fit(row.key, 42) << " " << fit(knownInput ? row.model->input : "-", 10) << " "
                        << fit(row.model ? contextText(row.model->contextWindow) : "-", 8) << " "
                        << fit(row.model ? (local ? "yes" : "no") : "-", 5) << " "
                        << fit(row.model ? reach.authText() : "-", authWidth) << " " << join(row.tags) << "\n";
        }
        return kOk;
    }

private:
    static std::vector<Row> configuredRows(const config::Config &config, Catalogs &catalogs, Streams streams) {
        std::vector<Row> rows;
        auto rowFor = [&](const std::string &name) -> Row * {
            std::string text = config.resolveAlias(name).value_or(name);
            auto ref = pipeline::parseModelRef(text);
            if (!ref) {
                streams.err << "moltbot: warning: '" << name << "' is not a model ref (<provider>/<model>)\n";
                return nullptr;
            }
            for (auto &row : rows) {
                if (row.key == ref->full()) return &row;
            }
            rows.push_back({ref->full(), catalogs.find(*ref), {}});
            return &rows.back();
        };
        if (std::string primary = config.primaryModel(); !primary.empty()) {
            if (Row *row = rowFor(primary)) row->tags.push_back("default");
        }
        int index = 0;
        for (const auto &fallback : config.fallbacks()) {
            if (Row *row = rowFor(fallback)) row->tags.push_back("fallback#" + std::to_string(++index));
        }
        for (const auto &key : config.configuredModels()) {
            if (Row *row = rowFor(key)) row->tags.push_back("configured");
        }
        for (const auto &[alias, ref] : config.aliases()) {
            for (auto &row : rows) {
                if (row.key == ref) row.tags.push_back("alias:" + alias);
            }
        }
        for (auto &row : rows) {
            if (row.model == nullptr) row.tags.push_back("missing");
        }
        return rows;
    }

    static std::vector<Row> allRows(const config::Config &config, runtime::Runtime &host, Catalogs &catalogs) {
        std::vector<Row> rows;
        for (const auto &listed : session::listablePrefixes(config, host.registry())) {
            std::vector<std::string> tags;
            if (listed.fromConfig) tags.push_back("config-provider");
            for (const auto &[id, model] : catalogs.of(listed.prefix)) rows.push_back({listed.prefix + "/" + id, &model, tags});
        }
        return rows;  // sorted by prefix, then id: both are ordered
    }
};

}  // namespace

void addModelsListCommand(CommandList &commands) { commands.push_back(std::make_unique<ModelsListCommand>()); }

}  // namespace moltbot::cli

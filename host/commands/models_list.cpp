// `moltbot models list`: the configured models (default, fallbacks, configured entries) or, with --all, every model
// the plugins know, narrowed by search terms, --provider and --free; as a table on a terminal, one whole ref per line
// on a pipe or with --plain, or JSON. A ref is never cut: it is what scripts and --model take.
#include "host/cli.hpp"
#include "host/commands/style.hpp"
#include "host/commands/config_support.hpp"

#include "core/http/cancel.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/catalogs.hpp"
#include "core/util/loopback.hpp"

#include <Poco/URI.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <Poco/Util/Option.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstdlib>
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

// USD per million tokens from a per-token price: "3.00", "0.075", "free", or "-" when the catalog does not say.
std::string perMillionText(double perToken) {
    if (perToken < 0) return "-";
    if (perToken == 0) return "free";
    double perMillion = perToken * 1e6;
    char text[32];
    std::snprintf(text, sizeof text, perMillion >= 0.1 ? "%.2f" : "%.3g", perMillion);
    return text;
}

// A model whose prompt and completion both cost nothing (OpenRouter's ":free" variants, a local server).
bool isFree(const CatalogModel *model) {
    return model != nullptr && model->prices.prompt == 0 && model->prices.completion == 0;
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Whether every search term is in the ref or the model's name, ignoring case.
bool matchesAll(const std::string &key, const CatalogModel *model, const std::vector<std::string> &terms) {
    std::string haystack = lowered(key + "\n" + (model != nullptr ? model->name : std::string()));
    return std::all_of(terms.begin(), terms.end(),
                       [&](const std::string &term) { return haystack.find(lowered(term)) != std::string::npos; });
}

// The terminal's width: $COLUMNS when set (as shells export it), else the terminal's own, else 80.
std::size_t terminalWidth() {
    if (const char *columns = std::getenv("COLUMNS"); columns != nullptr) {
        char *end = nullptr;
        long value = std::strtol(columns, &end, 10);
        if (end != columns && *end == '\0' && value >= 20 && value <= 10000) return static_cast<std::size_t>(value);
    }
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
    return 80;
}

std::string padded(const std::string &text, std::size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// The tags in lines of at most `width` characters, broken after a comma; a single longer tag keeps its own line.
std::vector<std::string> wrapTags(const std::vector<std::string> &tags, std::size_t width) {
    std::vector<std::string> lines{""};
    for (std::size_t i = 0; i < tags.size(); ++i) {
        std::string piece = tags[i] + (i + 1 < tags.size() ? "," : "");
        if (!lines.back().empty() && lines.back().size() + piece.size() > width) lines.emplace_back();
        lines.back() += piece;
    }
    return lines;
}

// The table for a terminal `width` characters wide: every column as wide as its longest cell, the Model column
// included, so that no ref is ever cut; the Tags column, last, takes what is left and wraps onto indented lines.
void printTable(const std::vector<std::vector<std::string>> &cells, const std::vector<std::vector<std::string>> &tags,
                std::size_t width, std::ostream &out) {
    const std::vector<std::string> header = {"Model", "Input", "Ctx", "In $/M", "Out $/M", "Local", "Auth"};
    std::vector<std::size_t> widths;
    for (std::size_t column = 0; column < header.size(); ++column) {
        std::size_t widest = header[column].size();
        for (const auto &row : cells) widest = std::max(widest, row[column].size());
        widths.push_back(widest);
    }
    std::size_t tagsAt = 0;
    for (std::size_t w : widths) tagsAt += w + 2;
    // Too narrow a terminal: the tags still get a usable column, and the line runs over rather than cut anything.
    std::size_t tagsWidth = width >= tagsAt + 12 ? width - tagsAt : 12;
    auto line = [&](const std::vector<std::string> &row, const std::string &last) {
        std::string text;
        for (std::size_t column = 0; column < row.size(); ++column) text += padded(row[column], widths[column] + 2);
        text += last;
        text.erase(text.find_last_not_of(' ') + 1);
        out << text << "\n";
    };
    line(header, "Tags");
    for (std::size_t i = 0; i < cells.size(); ++i) {
        std::vector<std::string> lines = wrapTags(tags[i], tagsWidth);
        line(cells[i], lines.front());
        for (std::size_t more = 1; more < lines.size(); ++more) out << std::string(tagsAt, ' ') << lines[more] << "\n";
    }
}

class ModelsListCommand : public Command {
public:
    std::string name() const override { return "models list"; }
    std::string summary() const override { return "list the configured models, or every model the plugins know"; }
    std::string details() const override {
        return "Without --all: the default model, the fallbacks and the keys of agents.defaults.models, tagged "
               "default, fallback#N, configured, alias:<name>, and missing when the provider does not list the id. "
               "TERMS narrow the list to the models whose ref or name holds every one of them, ignoring case "
               "('models list --all claude'). On a terminal a table: input kinds, context window (Ctx, thousands of "
               "tokens), USD per million tokens in and out, whether the provider is local and has a key, tags; refs "
               "are never cut, the tags wrap. On a pipe, or with --plain, one whole ref per line. "
               "Auth is yes when an API key is configured for the provider, 'none needed' when its plugin needs none "
               "(a local server), no otherwise; --json says the same as available and keyRequired. "
               "Catalogs are cached in the state folder; --refresh fetches them again.";
    }
    void defineOptions(Poco::Util::OptionSet &options) const override {
        using Poco::Util::Option;
        options.addOption(Option("all", "a", "every model of every plugin that lists its models"));
        options.addOption(Option("provider", "", "only the models of this prefix (e.g. openrouter)").argument("PREFIX"));
        options.addOption(Option("refresh", "", "fetch the model catalogs again instead of using the cache"));
        options.addOption(Option("free", "", "only the models that cost nothing (in and out)"));
        options.addOption(Option("json", "", "print {\"count\", \"models\": [...], \"warnings\"} as JSON"));
        options.addOption(Option("plain", "", "print one whole model ref per line (the default on a pipe)"));
    }

    std::string usage() const override { return "[TERMS...]"; }

    int run(const Invocation &invocation, Streams streams) const override {
        const std::vector<std::string> &terms = invocation.positionals;
        if (invocation.has("json") && invocation.has("plain")) throw UsageError{"choose either --json or --plain, not both"};
        config::Config config = loadConfig(true, streams.err);
        config.applyEnvBlock();
        http::CancelToken cancel;
        runtime::RuntimeOptions options;
        options.refreshCatalogs = invocation.has("refresh");
        runtime::Runtime host(config, cancel, options, streams.err);
        Catalogs catalogs(host, streams.err);
        std::string onlyPrefix = invocation.value("provider");

        std::vector<Row> rows =
            invocation.has("all") ? allRows(config, host, catalogs) : configuredRows(config, catalogs, streams);
        std::erase_if(rows, [&](const Row &row) {
            return (!onlyPrefix.empty() && row.key.rfind(onlyPrefix + "/", 0) != 0) ||
                   (invocation.has("free") && !isFree(row.model)) || !matchesAll(row.key, row.model, terms);
        });

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

        if (invocation.has("plain") || (!invocation.has("json") && !::isatty(STDOUT_FILENO))) {
            for (const auto &row : rows) streams.out << row.key << "\n";
            if (rows.empty()) streams.err << "No models found.\n";  // stdout stays empty for scripts
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
                // USD per million tokens, null when the catalog does not say; rounded to a millionth of a dollar
                // so that 0.0000008 per token prints as 0.8, not 0.7999999999999999.
                auto perMillion = [&](double perToken) {
                    return row.model != nullptr && perToken >= 0 ? rapidjson::Value(std::round(perToken * 1e12) / 1e6)
                                                                 : rapidjson::Value();
                };
                item.AddMember("inputPerMillion", perMillion(row.model ? row.model->prices.prompt : -1), allocator);
                item.AddMember("outputPerMillion", perMillion(row.model ? row.model->prices.completion : -1), allocator);
                item.AddMember("free", isFree(row.model), allocator);
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
            document.AddMember("warnings", jsonIssues(config.validation().warnings, allocator), allocator);
            streams.out << config::toPrettyJson(document);
            return kOk;
        }
        if (rows.empty()) {
            streams.out << "No models found.\n";
            return kOk;
        }
        std::vector<std::vector<std::string>> cells;
        std::vector<std::vector<std::string>> tags;
        for (const auto &row : rows) {
            Access reach = accessOf(row.key);
            const CatalogModel *model = row.model;
            bool knownInput = model != nullptr && !model->input.empty();
            cells.push_back({row.key, knownInput ? model->input : "-", model ? contextText(model->contextWindow) : "-",
                             model ? perMillionText(model->prices.prompt) : "-",
                             model ? perMillionText(model->prices.completion) : "-", model ? (reach.local ? "yes" : "no") : "-",
                             model ? reach.authText() : "-"});
            tags.push_back(row.tags);
        }
        printTable(cells, tags, terminalWidth(), streams.out);
        return kOk;
    }

private:
    static std::vector<Row> configuredRows(const config::Config &config, Catalogs &catalogs, Streams streams) {
        std::vector<Row> rows;
        auto rowFor = [&](const std::string &name) -> Row * {
            std::string text = config.resolveAlias(name).value_or(name);
            auto ref = pipeline::parseModelRef(text);
            if (!ref) {
                streams.err << style::warning(true) << "'" << name << "' is not a model ref (<provider>/<model>)\n";
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

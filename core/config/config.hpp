// The configuration as the rest of moltbot sees it: loaded once, validated, with typed accessors for the keys the
// request pipeline needs and the API-key resolution for providers. docs/configuration.md is the user-facing side.
//
// Layers, lowest first: built-in defaults (a missing key means "not set"), the config file, the environment (the
// API-key variables, which the file's `env` block never overrides), then command-line flags (setOverride).
#pragma once

#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/config/json_path.hpp"
#include "core/config/schema.hpp"

#include <rapidjson/document.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moltbot::config {

// Where an API key came from, in the order resolveApiKey tries them.
enum class KeySource {
    None,
    Environment,   // <NAME>_API_KEY set in the environment of moltbot
    ConfigEnv,     // the same variable, filled by the config's `env` block
    Credentials,   // the credentials file (moltbot onboard)
    ConfigApiKey,  // models.providers.<name>.apiKey
};

// "environment", "config env block", "credentials file", "config apiKey", "missing".
std::string_view keySourceName(KeySource source);

struct ApiKey {
    std::string key;  // empty when none was found
    KeySource source = KeySource::None;
    std::string where;  // the variable, file or config path it came from
};

// The environment variable holding a provider's key: "openrouter" -> "OPENROUTER_API_KEY" (upper-cased, characters
// other than letters and digits become '_').
std::string apiKeyVariable(std::string_view provider);

// agents.defaults.model.primary of a config document (or agents.defaults.model when it is a string); "" when unset.
std::string primaryModelOf(const rapidjson::Value &root);

class Config {
public:
    // Reads `path` (default: configPath()); a missing file is an empty config, a file of only whitespace too.
    // Throws Json5Error (file:line:column) on a syntax error and ConfigError on an unreadable file or, with
    // `requireValid`, on validation errors (all of them, one per line).
    static Config load(const std::filesystem::path &path = {}, bool requireValid = true);

    const std::filesystem::path &path() const { return path_; }
    bool fileExists() const { return exists_; }
    const rapidjson::Document &document() const { return document_; }
    const Validation &validation() const { return validation_; }

    // The flags layer: puts `value` (JSON5 text) at `path` in memory only; never written to the file.
    void setOverride(std::string_view path, std::string_view json5Value);

    // agents.defaults.model.primary (or agents.defaults.model when it is a string); "" when unset.
    std::string primaryModel() const;
    // agents.defaults.model.fallbacks, in order.
    std::vector<std::string> fallbacks() const;
    // The keys of agents.defaults.models.
    std::vector<std::string> configuredModels() const;
    // agents.defaults.models[ref] ({alias, params, provider, ...}) or nullptr.
    const rapidjson::Value *modelOptions(std::string_view ref) const;
    // The same as compact JSON, "{}" when there is none: what a plugin receives as the model options.
    std::string modelOptionsJson(std::string_view ref) const;
    // The ref whose alias is `name` (case-insensitive), or std::nullopt.
    std::optional<std::string> resolveAlias(std::string_view name) const;
    // Every (alias, ref) pair, in file order.
    std::vector<std::pair<std::string, std::string>> aliases() const;
    // models.providers.<name> or nullptr.
    const rapidjson::Value *providerSettings(std::string_view name) const;

    // The value at a config path (json_path.hpp syntax) or nullptr; getJson gives it as compact JSON. A malformed
    // path throws ConfigError.
    const rapidjson::Value *get(std::string_view path) const;
    std::optional<std::string> getJson(std::string_view path) const;

    // The (name, value) pairs of the `env` block: the direct string keys first, then env.vars.
    std::vector<std::pair<std::string, std::string>> envBlock() const;
    // Sets each variable of the `env` block that is unset or empty in this process (call before plugins run).
    // Returns the names it set.
    std::vector<std::string> applyEnvBlock();

    // The environment variable that holds `provider`'s key: models.providers.<provider>.apiKeyEnv when set, else
    // apiKeyVariable(provider). What a hint about a missing key should name.
    std::string keyVariable(std::string_view provider) const;
    // A provider's key: the environment variable models.providers.<provider>.apiKeyEnv, else
    // apiKeyVariable(provider) (which the env block may have filled),
    // then the credentials file, then models.providers.<provider>.apiKey. Empty values are skipped.
    ApiKey resolveApiKey(std::string_view provider) const;
    // Where resolveApiKey looks, for the message about a missing key: "$OPENROUTER_API_KEY (...), then
    // /home/me/.moltbot/credentials.json (...), then models.providers.openrouter.apiKey in /home/me/.moltbot/moltbot.json".
    std::string keyLookupText(std::string_view provider) const;

private:
    std::filesystem::path path_;
    bool exists_ = false;
    rapidjson::Document document_;
    Validation validation_;
    std::set<std::string> filledFromEnvBlock_;
};

// How many previous versions of the config file a save keeps: moltbot.json.bak, then .bak.1 to .bak.4.
inline constexpr int kConfigBackups = 5;

// Changing the config file: the constructor reads it (as Config::load does, a missing file giving {}), the caller
// changes document() (or calls set/unset), save() validates and writes it atomically, keeping kConfigBackups
// backups. Only the text of what changed is rewritten (editJson5Text), so comments, JSON5 spellings and layout stay;
// when that cannot be done the file is written as plain JSON and Saved::rewritten says so.
class ConfigEditor {
public:
    // Throws Json5Error or ConfigError, like Config::load.
    explicit ConfigEditor(const std::filesystem::path &path = {});

    const std::filesystem::path &path() const { return path_; }
    rapidjson::Document &document() { return document_; }
    const rapidjson::Document &document() const { return document_; }

    // Puts a copy of `value` at `segments`, creating missing parents (json_path.hpp setPath). Throws ConfigError
    // when a step on the way is not an object or array.
    void set(const PathSegments &segments, const rapidjson::Value &value);
    // Removes the value at `segments`; false when there was none.
    bool unset(const PathSegments &segments);

    struct Saved {
        std::vector<Issue> newWarnings;     // warnings the change brought
        std::vector<Issue> remainingErrors;  // errors the file already had before the change
        // The file was written whole as plain JSON, and its comments or JSON5 spellings, which it had, are gone
        // (the backup keeps them).
        bool rewritten = false;
    };
    // Throws ConfigError, writing nothing, when the change brings a validation error the file did not have.
    Saved save();

private:
    void read(std::string text);

    std::filesystem::path path_;
    rapidjson::Document document_;
    Validation before_;
    std::string text_;              // the file as read ("" when missing or blank)
    rapidjson::Document original_;  // what text_ reads as
    Json5Span spans_;               // where its values sit in text_
};

}  // namespace moltbot::config

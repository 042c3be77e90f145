#include "core/config/config.hpp"

#include "core/config/credentials.hpp"
#include "core/config/json5.hpp"
#include "core/config/json5_edit.hpp"
#include "core/config/json_path.hpp"
#include "core/config/paths.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace moltbot::config {

std::string_view keySourceName(KeySource source) {
    switch (source) {
    case KeySource::Environment: return "environment";
    case KeySource::ConfigEnv: return "config env block";
    case KeySource::Credentials: return "credentials file";
    case KeySource::ConfigApiKey: return "config apiKey";
    case KeySource::None: break;
    }
    return "missing";
}

std::string apiKeyVariable(std::string_view provider) {
    std::string name;
    for (char c : provider) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                                                            : '_';
    }
    return name + "_API_KEY";
}

namespace {

bool blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

const rapidjson::Value *member(const rapidjson::Value *object, std::string_view name) {
    if (object == nullptr || !object->IsObject()) return nullptr;
    auto found = memberNamed(*object, name);
    return found == object->MemberEnd() ? nullptr : &found->value;
}

std::string getenvOrEmpty(const std::string &name) {
    const char *value = std::getenv(name.c_str());
    return value == nullptr ? std::string() : std::string(value);
}

// Reads the config file into `document` ({} when missing or blank); false when there is no file.
bool readConfigFile(const std::filesystem::path &path, rapidjson::Document &document) {
    std::optional<std::string> text = readFileIfExists(path);
    if (!text || blank(*text)) {
        document.SetObject();
    } else {
        parseJson5(*text, document, path.string());
    }
    return text.has_value();
}

bool sameIssue(const Issue &a, const Issue &b) { return a.path == b.path && a.message == b.message; }

// The issues of `after` that `before` does not have.
std::vector<Issue> newIssues(const std::vector<Issue> &after, const std::vector<Issue> &before) {
    std::vector<Issue> out;
    for (const auto &issue : after) {
        if (std::none_of(before.begin(), before.end(), [&](const Issue &old) { return sameIssue(old, issue); })) {
            out.push_back(issue);
        }
    }
    return out;
}

}  // namespace

Config Config::load(const std::filesystem::path &path, bool requireValid) {
    Config config;
    config.path_ = path.empty() ? configPath() : path;
    config.exists_ = readConfigFile(config.path_, config.document_);
    config.validation_ = validateConfig(config.document_);
    if (requireValid && !config.validation_.ok()) {
        std::string message = "invalid config " + config.path_.string() + ":";
        for (const auto &issue : config.validation_.errors) message += "\n  - " + issue.text();
        throw ConfigError(message);
    }
    return config;
}

void Config::setOverride(std::string_view path, std::string_view json5Value) {
    rapidjson::Document value;
    parseJson5(json5Value, value, "value of " + std::string(path));
    rapidjson::Value copy(value, document_.GetAllocator());
    setPath(document_, parsePath(path), copy);
}

std::string Config::primaryModel() const { return primaryModelOf(document_); }

std::string primaryModelOf(const rapidjson::Value &root) {
    const rapidjson::Value *model = member(member(member(&root, "agents"), "defaults"), "model");
    if (model != nullptr && model->IsString()) return model->GetString();
    const rapidjson::Value *primary = member(model, "primary");
    return primary != nullptr && primary->IsString() ? primary->GetString() : std::string();
}

std::vector<std::string> Config::fallbacks() const {
    std::vector<std::string> out;
    const rapidjson::Value *list = member(member(member(member(&document_, "agents"), "defaults"), "model"), "fallbacks");
    if (list == nullptr || !list->IsArray()) return out;
    for (const auto &entry : list->GetArray()) {
        if (entry.IsString()) out.emplace_back(entry.GetString(), entry.GetStringLength());
    }
    return out;
}

std::vector<std::string> Config::configuredModels() const {
    std::vector<std::string> out;
    const rapidjson::Value *table = member(member(member(&document_, "agents"), "defaults"), "models");
    if (table == nullptr || !table->IsObject()) return out;
    for (const auto &entry : table->GetObject()) out.emplace_back(entry.name.GetString(), entry.name.GetStringLength());
    return out;
}

const rapidjson::Value *Config::modelOptions(std::string_view ref) const {
    const rapidjson::Value *options = member(member(member(member(&document_, "agents"), "defaults"), "models"), ref);
    return options != nullptr && options->IsObject() ? options : nullptr;
}

std::string Config::modelOptionsJson(std::string_view ref) const {
    const rapidjson::Value *options = modelOptions(ref);
    return options == nullptr ? "{}" : toCompactJson(*options);
}

std::vector<std::pair<std::string, std::string>> Config::aliases() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &ref : configuredModels()) {
        const rapidjson::Value *alias = member(modelOptions(ref), "alias");
        if (alias != nullptr && alias->IsString()) out.emplace_back(alias->GetString(), ref);
    }
    return out;
}

std::optional<std::string> Config::resolveAlias(std::string_view name) const {
    std::string wanted = foldCase(name);
    for (const auto &[alias, ref] : aliases()) {
        if (foldCase(alias) == wanted) return ref;  // the first one wins, as the validator warns
    }
    return std::nullopt;
}

const rapidjson::Value *Config::providerSettings(std::string_view name) const {
    return member(member(member(&document_, "models"), "providers"), name);
}

const rapidjson::Value *Config::get(std::string_view path) const { return findPath(document_, parsePath(path)); }

std::optional<std::string> Config::getJson(std::string_view path) const {
    const rapidjson::Value *value = get(path);
    if (value == nullptr) return std::nullopt;
    return toCompactJson(*value);
}

std::vector<std::pair<std::string, std::string>> Config::envBlock() const {
    std::vector<std::pair<std::string, std::string>> out;
    const rapidjson::Value *env = member(&document_, "env");
    if (env == nullptr || !env->IsObject()) return out;
    for (const auto &entry : env->GetObject()) {
        if (entry.value.IsString()) out.emplace_back(entry.name.GetString(), entry.value.GetString());
    }
    const rapidjson::Value *vars = member(env, "vars");
    if (vars != nullptr && vars->IsObject()) {
        for (const auto &entry : vars->GetObject()) {
            if (entry.value.IsString()) out.emplace_back(entry.name.GetString(), entry.value.GetString());
        }
    }
    return out;
}

std::vector<std::string> Config::applyEnvBlock() {
    std::vector<std::string> set;
    for (const auto &[name, value] : envBlock()) {
        if (!getenvOrEmpty(name).empty() || value.empty()) continue;
        if (::setenv(name.c_str(), value.c_str(), 1) == 0) {
            set.push_back(name);
            filledFromEnvBlock_.insert(name);
        }
    }
    return set;
}

std::string Config::keyVariable(std::string_view provider) const {
    // models.providers.<name>.apiKeyEnv names the variable instead (e.g. a local server's own variable).
    const rapidjson::Value *keyEnv = member(providerSettings(provider), "apiKeyEnv");
    return keyEnv != nullptr && keyEnv->IsString() && keyEnv->GetStringLength() > 0
               ? std::string(keyEnv->GetString(), keyEnv->GetStringLength())
               : apiKeyVariable(provider);
}

ApiKey Config::resolveApiKey(std::string_view provider) const {
    std::string variable = keyVariable(provider);
    if (std::string value = getenvOrEmpty(variable); !value.empty()) {
        return {value, filledFromEnvBlock_.count(variable) ? KeySource::ConfigEnv : KeySource::Environment, variable};
    }
    // Not applied to this process (yet): the env block would fill the variable, so it comes next.
    for (const auto &[name, value] : envBlock()) {
        if (name == variable && !value.empty()) return {value, KeySource::ConfigEnv, variable};
    }
    if (std::optional<std::string> stored = storedApiKey(provider)) {
        return {*stored, KeySource::Credentials, credentialsPath().string()};
    }
    const rapidjson::Value *key = member(providerSettings(provider), "apiKey");
    if (key != nullptr && key->IsString() && key->GetStringLength() > 0) {
        return {key->GetString(), KeySource::ConfigApiKey,
                formatPath({"models", "providers", std::string(provider), "apiKey"})};
    }
    return {};
}

std::string Config::keyLookupText(std::string_view provider) const {
    return "$" + keyVariable(provider) + " (which the config's env block may set), then " + credentialsPath().string() +
           " (where 'moltbot onboard' stores it), then " + formatPath({"models", "providers", std::string(provider), "apiKey"}) +
           " in " + path_.string();
}

ConfigEditor::ConfigEditor(const std::filesystem::path &path) : path_(path.empty() ? configPath() : path) {
    read(readFileIfExists(path_).value_or(std::string()));
    before_ = validateConfig(document_);
}

void ConfigEditor::read(std::string text) {
    text_ = std::move(text);
    spans_ = {};
    if (blank(text_)) {
        text_.clear();
        original_.SetObject();
    } else {
        parseJson5(text_, original_, path_.string(), spans_);
    }
    document_.CopyFrom(original_, document_.GetAllocator());
}

void ConfigEditor::set(const PathSegments &segments, const rapidjson::Value &value) {
    rapidjson::Value copy(value, document_.GetAllocator());
    setPath(document_, segments, copy);
}

bool ConfigEditor::unset(const PathSegments &segments) { return unsetPath(document_, segments); }

ConfigEditor::Saved ConfigEditor::save() {
    Validation after = validateConfig(document_);
    std::vector<Issue> brokenByChange = newIssues(after.errors, before_.errors);
    if (!brokenByChange.empty()) {
        std::string message = "not changing " + path_.string() + ": the result would be invalid:";
        for (const auto &issue : brokenByChange) message += "\n  - " + issue.text();
        throw ConfigError(message);
    }
    Saved saved{newIssues(after.warnings, before_.warnings), after.errors};
    std::string content;
    if (!text_.empty()) {
        if (std::optional<std::string> edited = editJson5Text(text_, original_, spans_, document_)) {
            // Kept only when it reads back as the document: never a text that says something else.
            rapidjson::Document check;
            try {
                parseJson5(*edited, check, path_.string());
                if (check == document_) content = std::move(*edited);
            } catch (const Json5Error &) {
            }
        }
    }
    if (content.empty()) {
        content = toPrettyJson(document_);
        saved.rewritten = !text_.empty() && text_ != toPrettyJson(original_);
    }
    writeFileAtomic(path_, content, WriteOptions{true, kConfigBackups});
    read(std::move(content));
    before_ = std::move(after);
    return saved;
}

}  // namespace moltbot::config

#include "host/commands/config_support.hpp"
#include "host/commands/style.hpp"

#include "core/config/files.hpp"
#include "core/config/json5.hpp"
#include "core/http/cancel.hpp"
#include "core/runtime/runtime.hpp"
#include "core/session/option_checks.hpp"

#include <ostream>

namespace moltbot::cli {

config::Config loadConfig(bool requireValid, std::ostream &err, bool quiet) {
    config::Config config = reportConfigErrors([&] { return config::Config::load({}, requireValid); });
    if (!quiet) printWarnings(config.validation().warnings, err);
    return config;
}

std::vector<config::Issue> pluginOptionWarnings(const config::Config &config, std::ostream &log) {
    bool anyOptions = false;
    for (const auto &ref : config.configuredModels()) {
        const rapidjson::Value *options = config.modelOptions(ref);
        anyOptions = anyOptions || (options != nullptr && (options->HasMember("params") || options->HasMember("provider")));
    }
    if (!anyOptions || !config.validation().ok()) return {};
    http::CancelToken cancel;
    runtime::Runtime host(config, cancel, runtime::RuntimeOptions{}, log);
    return session::checkModelOptions(host, config);
}

void printWarnings(const std::vector<config::Issue> &warnings, std::ostream &err) {
    for (const auto &warning : warnings) err << style::warning() << warning.text() << "\n";
}

rapidjson::Value jsonString(std::string_view text, rapidjson::Document::AllocatorType &allocator) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

rapidjson::Document parseValueArgument(const std::string &text, const std::string &what, const std::string &suffix) {
    rapidjson::Document value;
    try {
        config::parseJson5(text, value, what);
    } catch (const config::Json5Error &error) {
        std::size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
            throw UsageError{what + " is not valid JSON5: " + std::string(error.what()) + suffix};
        }
        value.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), value.GetAllocator());
    }
    return value;
}

rapidjson::Value jsonIssues(const std::vector<config::Issue> &issues, rapidjson::Document::AllocatorType &allocator) {
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &issue : issues) {
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("path", jsonString(issue.path, allocator), allocator);
        entry.AddMember("message", jsonString(issue.message, allocator), allocator);
        list.PushBack(entry, allocator);
    }
    return list;
}

void printSaveNotes(const config::ConfigEditor &editor, const config::ConfigEditor::Saved &saved, std::ostream &err) {
    printWarnings(saved.newWarnings, err);
    if (saved.rewritten) {
        err << style::warning() << editor.path().string() << " was written whole as plain JSON: its comments and JSON5 "
            << "spellings are gone (the previous file is " << config::backupPath(editor.path()).string() << ")\n";
    }
    if (!saved.remainingErrors.empty()) {
        err << style::warning() << editor.path().string() << " still has errors; see 'moltbot config validate'\n";
    }
}

rapidjson::Document savedJson(const config::ConfigEditor &editor, const config::ConfigEditor::Saved &saved,
                              const std::string &action, const std::string &path) {
    rapidjson::Document out(rapidjson::kObjectType);
    auto &allocator = out.GetAllocator();
    out.AddMember("ok", true, allocator);
    out.AddMember("action", jsonString(action, allocator), allocator);
    out.AddMember("path", jsonString(path, allocator), allocator);
    out.AddMember("file", jsonString(editor.path().string(), allocator), allocator);
    out.AddMember("backup", jsonString(config::backupPath(editor.path()).string(), allocator), allocator);
    out.AddMember("warnings", jsonIssues(saved.newWarnings, allocator), allocator);
    out.AddMember("rewritten", saved.rewritten, allocator);
    return out;
}

void reportSaved(const Invocation &invocation, Streams streams, const config::ConfigEditor &editor,
                 const config::ConfigEditor::Saved &saved, const std::string &action, const std::string &path) {
    printSaveNotes(editor, saved, streams.err);
    if (invocation.has("json")) {
        streams.out << config::toPrettyJson(savedJson(editor, saved, action, path));
    } else {
        bool removed = action == "unset";
        streams.out << (removed ? "Removed " : "Updated ") << path << (removed ? " from " : " in ")
                    << editor.path().string() << "\n";
    }
}

}  // namespace moltbot::cli

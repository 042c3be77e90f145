// Helpers shared by the config, onboard and models status commands: loading the config with the user's errors
// turned into UsageError, printing warnings, and JSON output.
#pragma once

#include "core/config/config.hpp"
#include "host/cli.hpp"

#include <rapidjson/document.h>

#include <iosfwd>
#include <string>
#include <string_view>

namespace moltbot::cli {

// Config::load with every failure (syntax, unreadable file, invalid with `requireValid`) as a UsageError. The
// config's warnings (unknown keys with the nearest known one, params and routing keys sent as written) then go to
// `err` as "warning: PATH: MESSAGE" unless `quiet` (the command's --quiet): every command that reads the config
// loads it here, so a mistake shows wherever the config is used. A command with a --json object also puts them
// there (config.validation().warnings).
config::Config loadConfig(bool requireValid, std::ostream &err, bool quiet = false);

// What the plugins find in the per-model options of a valid config (unknown provider slugs, with the nearest known
// one; session/option_checks.hpp). Plugins are loaded only when a configured model has `params` or `provider`; their
// own messages go to `log`.
std::vector<config::Issue> pluginOptionWarnings(const config::Config &config, std::ostream &log);

// "warning: <path>: <message>" lines on `err`.
void printWarnings(const std::vector<config::Issue> &warnings, std::ostream &err);

// Builds JSON output: string values copied into the document's allocator.
rapidjson::Value jsonString(std::string_view text, rapidjson::Document::AllocatorType &allocator);
// [{"path": ..., "message": ...}, ...]
rapidjson::Value jsonIssues(const std::vector<config::Issue> &issues, rapidjson::Document::AllocatorType &allocator);

// A value given on the command line (config set VALUE, agent -o KEY VALUE): JSON5 when it parses, else the text
// itself as a string. Text that opens an object or array was meant as JSON5, so there the syntax error is a
// UsageError: "<what> is not valid JSON5: <what>:1:21: ...<suffix>".
rapidjson::Document parseValueArgument(const std::string &text, const std::string &what, const std::string &suffix = "");

// The notes of a saved config edit on stderr: the warnings it brought, the comments lost when the file had to be
// rewritten whole (Saved::rewritten), and the errors the file still has.
void printSaveNotes(const config::ConfigEditor &editor, const config::ConfigEditor::Saved &saved, std::ostream &err);

// What a saved config edit reports (config set/unset, models set, ...): printSaveNotes on stderr. savedJson is the
// --json object {ok, action, path, file, backup, warnings, rewritten}; reportSaved prints
// it with --json, else "Updated PATH in FILE" ("Removed PATH from FILE" for the action "unset").
rapidjson::Document savedJson(const config::ConfigEditor &editor, const config::ConfigEditor::Saved &saved,
                              const std::string &action, const std::string &path);
void reportSaved(const Invocation &invocation, Streams streams, const config::ConfigEditor &editor,
                 const config::ConfigEditor::Saved &saved, const std::string &action, const std::string &path);

// Runs `body`, turning a ConfigError (e.g. a failed write) into a UsageError with the same message.
template <typename Body>
auto reportConfigErrors(Body &&body) -> decltype(body()) {
    try {
        return body();
    } catch (const std::runtime_error &error) {
        throw UsageError{error.what()};
    }
}

}  // namespace moltbot::cli

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

// Config::load with every failure (syntax, unreadable file, invalid with `requireValid`) as a UsageError.
config::Config loadConfig(bool requireValid);

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

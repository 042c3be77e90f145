// Validation of the keys moltbot knows (docs/configuration.md lists them). A wrong type is an error; an unknown key
// is a warning, so a config written for a newer moltbot still loads.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace moltbot::config {

struct Issue {
    std::string path;     // e.g. agents.defaults.models["openrouter/x"].params.maxTokens; "(root)" for the top
    std::string message;  // e.g. "expected a positive integer, found a string"
    std::string text() const { return path + ": " + message; }
};

struct Validation {
    std::vector<Issue> errors;
    std::vector<Issue> warnings;
    bool ok() const { return errors.empty(); }
};

Validation validateConfig(const rapidjson::Value &root);

// "a string", "an array", ... for messages.
std::string describeType(const rapidjson::Value &value);

// ASCII lower case: aliases compare case-insensitively.
std::string foldCase(std::string_view text);

}  // namespace moltbot::config

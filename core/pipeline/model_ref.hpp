// Model refs: "<prefix>/<provider-local id>", split on the first slash ("openrouter/anthropic/claude-sonnet-4-5").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moltbot::pipeline {

struct ModelRef {
    std::string prefix;  // selects the plugin: "openrouter"
    std::string id;      // handed to the plugin: "anthropic/claude-sonnet-4-5"
    std::string full() const { return prefix + "/" + id; }
};

// Trims, splits on the first '/', lower-cases the prefix. Returns std::nullopt and sets `why` for text that is not a
// ref (no slash, empty prefix or id, characters other than [a-z0-9._-] in the prefix).
std::optional<ModelRef> parseModelRef(std::string_view text, std::string *why = nullptr);

}  // namespace moltbot::pipeline

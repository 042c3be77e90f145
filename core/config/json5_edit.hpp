// Editing a JSON5 text in place: what `config set` and the other config writers use so that a change rewrites only
// the text of the values it changes, and the user's comments, quotes, unquoted keys and layout stay.
#pragma once

#include "core/config/json5.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace moltbot::config {

// `text` changed so that it reads as `after`. `before` is what `text` parses to and `spans` where its values sit
// (parseJson5 with spans). Only what differs is rewritten:
// - a changed value (a string, a number, an array whose old elements changed) gets the new value's JSON in its place,
//   indented like its line;
// - a removed object member goes with its comma (and its line, when it had one of its own);
// - a new member is added after the last one, in the style of the others (one per line, or all on one line, then
//   as compact JSON);
// - elements added at the end of an array are appended after the last one.
// std::nullopt when the text cannot be edited that way (an object that repeats a key, a root that is not an object);
// the caller then writes the whole document.
std::optional<std::string> editJson5Text(std::string_view text, const rapidjson::Value &before, const Json5Span &spans,
                                         const rapidjson::Value &after);

}  // namespace moltbot::config

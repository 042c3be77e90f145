// Config paths as users type them: dots between keys, brackets around keys that hold dots or slashes, with or
// without quotes: agents.defaults.models["openrouter/anthropic/claude-sonnet-4-5"].alias, models[openrouter/x],
// agents.defaults.model.fallbacks[0]. A backslash escapes the next character outside quotes.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace moltbot::config {

using PathSegments = std::vector<std::string>;

// The member of `object` (an object) named `key`, compared over the whole length, or MemberEnd(). Every lookup by a
// key that is not a literal goes through here: FindMember(StringRef(p, n)) converts to const char * and reads up to
// a NUL, past the end of a string_view or short of a key holding one (JSON5 allows "a\u0000b").
rapidjson::Value::MemberIterator memberNamed(rapidjson::Value &object, std::string_view key);
rapidjson::Value::ConstMemberIterator memberNamed(const rapidjson::Value &object, std::string_view key);

// Splits a path into keys. Throws ConfigError ("invalid config path '...': ...") for an empty key, an unclosed
// bracket or quote.
PathSegments parsePath(std::string_view path);

// The canonical spelling: keys joined by dots, brackets with double quotes around keys that need them.
std::string formatPath(const PathSegments &segments);

// The value at `segments` (an all-digit key indexes an array), or nullptr.
const rapidjson::Value *findPath(const rapidjson::Value &root, const PathSegments &segments);

// Puts `value` at `segments`, creating missing objects on the way; an array element may be replaced or appended
// (index == size). Throws ConfigError when a step on the way is not an object (or array).
void setPath(rapidjson::Document &document, const PathSegments &segments, rapidjson::Value &value);

// Removes the value at `segments`; false when there was none.
bool unsetPath(rapidjson::Document &document, const PathSegments &segments);

// Whether a key names a secret: apiKey, api_key, *_API_KEY, token, *Token, secret, password, ...
bool isSecretKey(std::string_view key);

// Replaces, in place, every string under a secret key with its masked form (maskSecret). `secret` says whether
// `value` itself sits under a secret key.
void maskSecrets(rapidjson::Value &value, rapidjson::Document::AllocatorType &allocator, bool secret = false);

}  // namespace moltbot::config

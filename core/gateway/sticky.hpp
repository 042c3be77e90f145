// Session stickiness for prompt caches (docs/gateway.md#session-stickiness): a session's requests to an OpenRouter
// model go to the upstream provider that served its first answer, so that the provider's prompt cache stays warm
// whichever gateway instance takes the request. The record lives in the state backend (core/state/backend.hpp).
#pragma once

#include "core/pipeline/runner.hpp"

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace moltbot::gateway {

// The session a request belongs to: its `x-session-id` header, else its body's `user` field, scoped by the gateway
// key that made it (two keys never share a session), as an opaque id safe in a Redis key: 40 hex digits. Empty when
// the request names no session.
std::string stickySessionId(std::string_view gatewayKeyId, std::string_view sessionHeader, std::string_view user);

// OpenRouter's routing slug for the display name an answer reports as its provider ("Amazon Bedrock" ->
// "amazon-bedrock", "Google" -> "google-vertex"): a table of the names that do not follow the rule, else the name
// lower-cased with each run of other characters than a-z and 0-9 turned into one '-'. Empty for an empty name.
std::string providerSlug(std::string_view displayName);

// Whether the request or the model's options already choose the provider order: the request's `provider.order`, the
// options' `provider.order` or `params.provider.order` (plugins/openrouter merges them in that order).
bool orderPinned(const rapidjson::Value &requestBody, const std::string &optionsJson);

// `entry`'s options with `provider.order: [slug]` added (the other provider keys, allow_fallbacks among them, kept).
// False, and nothing changed, when orderPinned or the options are not a JSON object.
bool pinProvider(pipeline::ChainEntry &entry, const rapidjson::Value &requestBody, const std::string &slug);

}  // namespace moltbot::gateway

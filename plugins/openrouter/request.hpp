// The body of POST /chat/completions, built from the host's canonical OpenAI request and the per-model options of
// the config ({"ref", "model", "params", "provider", ...}). Pure: no I/O.
//
//  - params are mapped to the wire: maxTokens -> max_tokens, topP -> top_p, reasoning / reasoningEffort ->
//    reasoning.effort, other camelCase keys -> snake_case; known ones are type-checked. cacheControlTtl is consumed.
//  - provider (options.provider over params.provider) is passed through whole, known keys type-checked, slugs in
//    order/only/ignore checked against the provider directory (a notice for unknown ones, sent as is).
//  - For anthropic/ models with params.cacheControlTtl ("5m" | "1h"): cache_control breakpoints on the last user
//    message and the system prompt, never more than 4 in the request.
// A field the request already has wins over the options: the options are per-model defaults.
#pragma once

#include "catalog.hpp"

#include <moltbot/sdk/openai/request.hpp>

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::openrouter {

struct BuiltRequest {
    std::string body;
    std::vector<std::string> notices;  // warnings for the user (unknown provider slugs)
};

// The directory of provider slugs, fetched only when a request names slugs.
using ProviderLookup = std::function<const ProviderDirectory &()>;

// Throws Failure(MB_ERR_INVALID_ARGUMENT) naming the offending key when the options have a wrong type.
BuiltRequest buildRequest(const rapidjson::Value &request, const rapidjson::Value &options, std::string_view modelId,
                          bool stream, const ProviderLookup &providers);

// "frequencyPenalty" -> "frequency_penalty", the rule of every OpenAI-style provider (moltbot/sdk/openai/request.hpp).
using sdk::openai::snakeCase;

// The maximum number of cache_control breakpoints Anthropic accepts in one request.
constexpr int kMaxCacheBreakpoints = 4;

}  // namespace moltbot::openrouter

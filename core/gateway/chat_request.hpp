// Reading a client's POST /v1/chat/completions body: checked enough to answer a clear 400, otherwise passed on
// untouched (tools, response_format, content parts, unknown fields all reach the plugin as the client sent them).
#pragma once

#include "core/gateway/api_error.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::gateway {

// Deeper JSON is refused: the plugins parse the request recursively.
inline constexpr int kMaxJsonDepth = 128;
// A model name and the fallback list are short in any real request; longer ones are refused before the model
// checks (edit distances against a catalog, a chain with duplicates dropped) could cost more than the request.
inline constexpr std::size_t kMaxModelNameBytes = 256;
inline constexpr std::size_t kMaxFallbackModels = 32;

struct ChatRequest {
    rapidjson::Document body;          // the client's object without "model", "models" and "stream"
    std::optional<std::string> model;  // absent: the configured primary
    std::vector<std::string> models;   // the request's own fallback list (OpenRouter's "models"), in order
    bool stream = false;
    bool includeUsage = false;         // stream_options.include_usage
};

// Parses and checks `text`. Throws ApiError (400) naming the problem: not JSON (with the byte offset), invalid
// UTF-8, nested deeper than kMaxJsonDepth, not an object, no "messages" array, a "model", "models", "stream" or
// "stream_options" of the wrong type, a model name over kMaxModelNameBytes, more than kMaxFallbackModels models.
ChatRequest parseChatRequest(std::string_view text);

}  // namespace moltbot::gateway

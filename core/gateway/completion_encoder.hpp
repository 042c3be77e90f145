// The pipeline's events re-encoded as OpenAI Chat Completions output: `chat.completion.chunk` server-sent events
// for a stream, one `chat.completion` object otherwise (docs/gateway.md lists the fields).
#pragma once

#include "core/gateway/api_error.hpp"
#include "core/pipeline/runner.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <string>

namespace moltbot::gateway {

// "chatcmpl-" and 24 random letters and digits.
std::string newCompletionId();

// Server-sent events for one streamed answer. Not thread-safe: one per request.
class ChunkEncoder {
public:
    ChunkEncoder(std::string id, int64_t created, bool includeUsage)
        : id_(std::move(id)), created_(created), includeUsage_(includeUsage) {}

    // The model named in every chunk: the ref answering (set before the first chunk).
    void setModel(std::string model) { model_ = std::move(model); }
    // The SSE text for one pipeline event ("data: {...}\n\n"), or "" for events the client does not see (meta,
    // notices, usage, which comes at the end).
    std::string encode(uint32_t kind, const rapidjson::Value &event);
    // What ends a successful stream: the usage chunk (with include_usage) and "data: [DONE]".
    std::string finish(const pipeline::Outcome &outcome);
    // A failure after the first byte: one event carrying OpenAI's error object, then "data: [DONE]".
    static std::string errorEvent(const ApiError &error);
    bool started() const { return started_; }

private:
    template <typename Fill>
    std::string chunk(Fill &&fillChoice, bool withChoice = true);

    std::string id_;
    int64_t created_;
    bool includeUsage_;
    std::string model_;
    bool started_ = false;
    bool finished_ = false;  // a finish_reason chunk went out
};

// The whole answer of a non-streamed request: the plugin's own response object when it gave one (complete()),
// else one assembled from the deltas of stream().
class ResponseBuilder {
public:
    void add(uint32_t kind, const rapidjson::Value &event);
    // The chat.completion body: `model` is the ref that answered; usage, id and the fields strict clients require
    // are filled in.
    std::string build(const pipeline::Outcome &outcome, const std::string &model, int64_t created);

private:
    struct ToolCall {
        std::string id, name, arguments;
    };
    rapidjson::Document response_;  // null until a MB_EVENT_RESPONSE arrived
    std::string reasoning_;
    std::string upstreamId_;
    std::map<int64_t, ToolCall> toolCalls_;
};

}  // namespace moltbot::gateway

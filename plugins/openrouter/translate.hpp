// Translation of OpenRouter answers into ABI events: a whole JSON response (complete) or the chunks of an SSE stream
// (stream). Pure: events go to a sink, failures are thrown as UpstreamFailure / sdk::Failure.
#pragma once

#include "errors.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::openrouter {

// Receives one event; returns false when the host asked to stop.
using EventSink = std::function<bool(uint32_t kind, std::string_view json)>;

// The MB_EVENT_USAGE payload for an OpenRouter usage object: prompt_tokens, completion_tokens, and when reported
// cached_tokens, cache_write_tokens, reasoning_tokens and cost (USD).
std::string usageEvent(const rapidjson::Value &usage);

// A complete() answer: skips keep-alive whitespace, fails on an error object or a choice that finished with
// "error", else emits MB_EVENT_META, MB_EVENT_RESPONSE (the response, compact) and MB_EVENT_USAGE.
// Returns false when the sink asked to stop.
bool translateResponse(std::string_view body, const EventSink &sink, int64_t nowMs);

// Turns the data of each SSE event into deltas. Feed every event's data to onData(), then call onEnd() if the
// stream ended before "[DONE]".
class StreamTranslator {
public:
    enum class Step { more, done, cancelled };

    StreamTranslator(EventSink sink, int64_t nowMs) : sink_(std::move(sink)), nowMs_(nowMs) {}

    Step onData(std::string_view data);
    // The body ended without "[DONE]": done if a finish_reason was seen, else MB_ERR_UPSTREAM_PROTOCOL.
    Step onEnd();

private:
    bool emit(uint32_t kind, const std::string &json) { return sink_(kind, json); }
    bool noteIdentity(const rapidjson::Value &chunk);
    bool translateChoice(const rapidjson::Value &choice);
    Step finish();

    EventSink sink_;
    int64_t nowMs_;
    // Every chunk is parsed into this buffer first: no allocation per chunk (rapidjson's pool would take 64 KiB).
    std::vector<char> parseBuffer_ = std::vector<char>(std::size_t{16} << 10);
    std::string model_, provider_, id_;
    std::string finishReason_;
    bool done_ = false;
};

}  // namespace moltbot::openrouter

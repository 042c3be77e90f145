// Scripted faults: a test queues them through POST /_sim/faults (or --faults FILE) and the next matching requests
// misbehave. Each fault fires `times` times, then is gone.
#pragma once

#include "tests/simulator/catalog.hpp"

#include <rapidjson/document.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace moltbot::sim {

enum class FaultKind {
    kHttp,               // an HTTP error with an OpenRouter error body
    kSlowFirstByte,      // wait delay_ms before the response headers
    kStall,              // stop after after_chunks chunks for delay_ms, or until the client goes
    kDisconnect,         // close the connection after after_chunks chunks
    kErrorChunk,         // HTTP 200, then an error chunk with finish_reason "error"
    kMalformed,          // invalid JSON body / SSE data
    kError200,           // an error object under HTTP 200
    kLeadingWhitespace,  // whitespace keep-alive before a non-streaming body
    kLongAnswer,         // an answer of `bytes` bytes, streamed in 16 KiB chunks
    kLongLine,           // an answer of `bytes` bytes in one chunk (one SSE line when streaming)
    kInvalidUtf8,        // bytes that are not UTF-8 in the answer text
    kEndless,            // streaming: content chunks every delay_ms, forever (until the client goes)
    kComments,           // streaming: `count` SSE comment lines before the first chunk
};

struct Fault {
    FaultKind kind = FaultKind::kHttp;
    std::string model;     // match: a model id; empty matches any
    std::string provider;  // match: a provider slug (base-slug rule) or display name; empty matches any
    int times = 1;
    int status = 0;       // http: the status; error_chunk/error_200: the error code (default 502)
    std::string message;  // overrides the default error message
    int delayMs = -1;     // slow_first_byte (default 1000), stall (-1: until the client goes), endless (10)
    int afterChunks = 1;  // stall, disconnect, error_chunk, malformed, error_200 (streaming)
    int retryAfter = 1;   // http 429/503: Retry-After seconds
    bool done = false;    // error_chunk/error_200 when streaming: still send "data: [DONE]"
    int bytes = 0;        // long_answer, long_line: the answer's size (default 1 MiB)
    int count = 0;        // comments: how many lines (default 10000)

    // A failure of the upstream call (http kind): provider-scoped faults fail one endpoint, so routing falls over to
    // the next; the others fail the whole model, so only the `models` fallback helps.
    bool providerScoped() const { return !provider.empty(); }
};

// Parses a JSON array of faults (or {"faults": [...]}); throws std::invalid_argument naming the problem.
std::vector<Fault> parseFaults(const rapidjson::Value &json);

class FaultBook {
public:
    void add(const std::vector<Fault> &faults);
    void clear();
    // Takes (uses up one firing of) the first http fault for this attempt: with an endpoint, a provider-scoped one
    // matching it; without, a model-scoped one.
    std::optional<Fault> takeFailure(const Model &model, const Endpoint *endpoint);
    // Takes the delivery faults (non-http kinds) for the model and endpoint that serve a request: the first matching
    // one of each kind, so two faults of one kind hit two responses.
    std::vector<Fault> takeDelivery(const Model &model, const Endpoint &endpoint);
    // The pending faults as a JSON array.
    std::string toJson() const;

private:
    bool matches(const Fault &fault, const Model &model, const Endpoint *endpoint) const;

    mutable std::mutex mutex_;
    std::vector<Fault> faults_;
};

const char *faultKindName(FaultKind kind);

}  // namespace moltbot::sim

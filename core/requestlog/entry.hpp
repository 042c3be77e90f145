// One record of the request log (docs/request-log.md): what a request asked, what answered, what it cost and how
// long it took. Both front ends fill it: `moltbot agent` once per request, `moltbot serve` once per chat completion.
#pragma once

#include "core/pipeline/runner.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moltbot::requestlog {

// One try of one model, as stored in the attempts column: {"ref","attempt","outcome","http_status","ms"}.
struct Attempt {
    std::string ref;
    int attempt = 0;       // 1-based, per model
    std::string outcome;   // "ok", "skipped", or a status name ("rate_limited", ...)
    int httpStatus = 0;
    int64_t ms = 0;
};

struct Entry {
    int64_t id = 0;           // the row id; 0 until stored (the read side fills it)
    int64_t timeMs = 0;       // epoch milliseconds at arrival
    std::string frontEnd;     // "agent" or "serve"
    std::string keyName;      // the gateway key's name; "" for none (agent, or a gateway without keys)
    std::string instance;     // serve: the instance that served (gateway.instanceId, else "<host>:<port>"); agent: ""
    std::string modelAsked;   // the model as the user or client wrote it ("" for the configured primary)
    std::string model;        // the ref that answered (or failed last)
    std::string provider;     // the upstream's serving provider, when it said
    std::vector<Attempt> attempts;

    bool usageKnown = false;  // without it the token columns are NULL
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
    int64_t cachedTokens = 0;
    int64_t cacheWriteTokens = 0;
    double costUsd = -1;      // negative: unknown, stored as NULL
    bool costEstimated = false;

    int64_t latencyMs = -1;   // arrival to the end of the answer; negative: unknown (NULL)
    int64_t ttftMs = -1;      // arrival to the first answer text; negative: no text came (NULL)
    int status = 0;           // serve: the HTTP status; agent: the exit code (0 answered)
    std::string errorCode;    // the failure's status name ("rate_limited", "auth", ...); "" on success

    // The conversation ("" stores NULL). Agent always; serve only with gateway.logContent.
    std::string conversationId;
    std::string prompt;
    std::string system;
    std::string answer;

    // Copies what the pipeline reports: the model and provider that answered, the attempts, usage and cost, and the
    // error code when it failed. The caller sets the rest (time, front end, status, latency, text).
    void recordOutcome(const pipeline::Outcome &outcome);

    // Roughly what the entry holds in memory, for the writer queue's byte bound.
    std::size_t bytes() const;
};

// The most of each text (prompt, system prompt, answer) an entry keeps: a 100 MB answer printed as it streams must not
// be held whole for the log.
inline constexpr std::size_t kMaxLoggedText = std::size_t{1} << 20;

// Appends `chunk` to `kept` up to kMaxLoggedText (cut on a UTF-8 character boundary), then once a line saying that
// the rest was cut. For text that arrives in pieces (a streamed answer) as for whole text.
void appendLogged(std::string &kept, std::string_view chunk);

// The attempts as the JSON array text the attempts column holds, and back (an unreadable text gives none).
std::string attemptsJson(const std::vector<Attempt> &attempts);
std::vector<Attempt> parseAttempts(std::string_view json);

// A new conversation id: 12 characters of lowercase base32 (60 random bits), e.g. "k3v9q0m2x7tb".
std::string newConversationId();

}  // namespace moltbot::requestlog

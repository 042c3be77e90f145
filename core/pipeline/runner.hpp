// The request pipeline: the model chain (primary, then fallbacks), retries, cooldowns, partial-output rules.
// Provider-neutral: it sees models only through ModelBackend.
#pragma once

#include "core/pipeline/cooldown_store.hpp"
#include "core/pipeline/model_ref.hpp"
#include "core/pipeline/policy.hpp"
#include "core/plugin/call.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace moltbot::pipeline {

// One model of the chain with its per-model options (agents.defaults.models[ref] of the config, as JSON).
struct ChainEntry {
    ModelRef ref;
    std::string optionsJson = "{}";
};

// An attempt reports what its plugin call reports (plugin::CallResult), through the call's own sink and check.
using plugin::CancelCheck;
using plugin::EventSink;

class ModelBackend {
public:
    virtual ~ModelBackend() = default;
    // Sends `requestJson` (an OpenAI Chat Completions request whose "model" is the ref's id) to the plugin serving
    // the ref's prefix, streaming or not, and reports its events to `sink`.
    virtual plugin::CallResult attempt(const ChainEntry &entry, const std::string &requestJson, bool stream,
                                  const EventSink &sink, const CancelCheck &cancelled) = 0;
};

// The most of an answer Outcome::text keeps by default.
inline constexpr std::size_t kKeptTextBytes = std::size_t{32} << 20;

// Where the answer goes while it arrives.
struct Output {
    std::function<void(std::string_view text)> text;             // answer text, in order
    // One-line notices from plugins, with their level: "info" (a normalised model id) or "warning".
    std::function<void(std::string_view level, std::string_view message)> notice;
    std::function<void(std::string_view line)> verbose;          // attempt log lines (only with --verbose)
    // How much of the answer Outcome::text keeps: a chat's next turn and --json need it whole, an answer printed as
    // it arrives needs none of it (0), so its memory stays flat however long it is. A longer answer fails the
    // attempt (MB_ERR_UPSTREAM_PROTOCOL) rather than grow without bound.
    std::size_t keepText = kKeptTextBytes;
    // Before the wait for a retry of the same model: the ref, why (a status name, "rate_limited") and how long.
    std::function<void(const std::string &ref, const std::string &why, Millis delay)> retryWait;
    // Each attempt as it starts: the ref and the attempt's number on that model (1-based).
    std::function<void(const std::string &ref, int attempt)> attemptStarted;
    // Every event of every attempt, parsed, after the runner's own bookkeeping (the gateway re-encodes them for its
    // client). A text, reasoning or tool-call delta handed here counts as output: no other model is tried after it.
    std::function<void(uint32_t kind, const rapidjson::Value &event)> event;
};

struct AttemptRecord {
    std::string ref;
    int attempt = 0;          // 1-based, per model
    std::string outcome;      // "ok", "skipped", or a status name ("rate_limited", ...)
    int32_t httpStatus = 0;
    std::string message;
    int64_t durationMs = 0;
    int64_t retryAfterMs = -1;  // the upstream's wait hint, or -1
};

struct Usage {
    bool known = false;
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
    int64_t cachedTokens = 0;
    int64_t cacheWriteTokens = 0;
    double cost = -1;  // USD; negative when the provider did not say
};

struct Outcome {
    int32_t status = 0;        // MB_OK when some model answered
    std::string text;          // the answer (what was received so far, on failure), as far as Output::keepText
    std::string ref;           // the model ref that answered (or failed last)
    std::string upstreamModel; // the model the upstream reported
    std::string provider;      // the upstream's serving provider, when it said
    std::string finishReason;
    Usage usage;
    std::vector<AttemptRecord> attempts;
    std::string error;         // a one-line summary when status != MB_OK
    bool outputStarted = false;
};

struct Clock {
    std::function<int64_t()> nowMs;                 // epoch milliseconds
    std::function<bool(Millis)> sleep;              // false when cancelled during the wait
    std::function<bool()> cancelled;
};

class Runner {
public:
    Runner(ModelBackend &backend, CooldownStore &cooldowns, RetryPolicy policy, Clock clock);
    // Tries the chain in order. `request` is an OpenAI Chat Completions request object (at least "messages"); each
    // attempt sends a copy with "model" set to the entry's id and "stream" to `stream`.
    Outcome run(const std::vector<ChainEntry> &chain, const rapidjson::Value &request, bool stream,
                const Output &output);

private:
    ModelBackend &backend_;
    CooldownStore &cooldowns_;
    RetryPolicy policy_;
    Clock clock_;
    std::mt19937 random_;
};

}  // namespace moltbot::pipeline

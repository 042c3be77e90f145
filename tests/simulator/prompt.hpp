// What a chat request costs: the prompt's size and cache breakpoints, Anthropic-style prompt-cache accounting, and
// usage priced with the catalog.
#pragma once

#include "tests/simulator/catalog.hpp"
#include "tests/simulator/json.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace moltbot::sim {

using SimClock = std::chrono::steady_clock;

// A cache_control marker: the prompt prefix that ends there.
struct Breakpoint {
    std::size_t chars = 0;         // prompt text up to and including the marked part
    std::uint64_t prefixHash = 0;  // of roles and text up to there
    bool oneHour = false;          // ttl "1h"; otherwise 5 minutes
};

struct PromptInfo {
    std::size_t chars = 0;  // all message text (string contents and text parts), in bytes
    std::vector<Breakpoint> breakpoints;
    int markers = 0;           // cache_control markers anywhere (text parts, tools, top level): Anthropic allows 4
    std::string lastUserText;  // the text of the last user message
    std::string lastRole;      // of the last message ("tool" after a tool result)
    std::string lastText;      // the text of the last message
};

// Reads `messages`, `tools` and the top-level `cache_control` of a chat request. A top-level marker (automatic
// caching) is a breakpoint at the end of the prompt.
PromptInfo analysePrompt(const rapidjson::Value &request);

// The simulator's tokenizer: one token per 4 bytes, rounded up.
int estimateTokens(std::size_t chars);

struct CacheOutcome {
    int readTokens = 0;
    int writeTokens5m = 0;
    int writeTokens1h = 0;
};

// Cached prefixes per scope (API key + model). The longest live prefix among the request's breakpoints is read (and
// its TTL refreshed); the breakpoints after it are written, each segment at its own TTL. Prefixes shorter than
// minTokens are never cached.
class PromptCache {
public:
    CacheOutcome account(const std::string &scope, const std::vector<Breakpoint> &breakpoints, SimClock::time_point now,
                         int minTokens);
    void clear();

private:
    std::mutex mutex_;
    std::map<std::pair<std::string, std::uint64_t>, SimClock::time_point> expiry_;
};

struct Usage {
    int promptTokens = 0;  // includes cached and written tokens
    int completionTokens = 0;
    CacheOutcome cache;
    double promptCost = 0;
    double completionCost = 0;
    double cost() const { return promptCost + completionCost; }
};

// Prices tokens with an endpoint's prices: reads at input_cache_read, writes at input_cache_write (5m) or
// input_cache_write_1h, the rest at prompt/completion. A missing cache price falls back to the prompt price.
Usage priceUsage(const Pricing &pricing, int promptTokens, int completionTokens, const CacheOutcome &cache);

// The `usage` object of responses and stream usage chunks.
void writeUsage(JsonWriter &writer, const Usage &usage);

}  // namespace moltbot::sim

// What a request may cost: a model's per-token prices (from its plugin's catalog), the worst case a budget reserves
// before the request is sent, and the estimate the gateway counts when an upstream reports no cost.
#pragma once

#include <cstdint>
#include <optional>

#include <rapidjson/document.h>

namespace moltbot::limits {

// USD per token; negative when the catalog does not say (OpenRouter's variable-price routers say "-1").
struct Prices {
    double prompt = -1;
    double completion = -1;
    double cacheRead = -1;
    double cacheWrite = -1;    // a 5-minute cache write
    double cacheWrite1h = -1;
    double request = 0;        // per request
    bool known() const { return prompt >= 0 && completion >= 0; }
};

// A catalog entry's "pricing" object ({"prompt": "0.000003", ...}, strings or numbers).
Prices parsePrices(const rapidjson::Value &pricing);

struct TokenCounts {
    int64_t prompt = 0;       // all input tokens, cached ones included
    int64_t completion = 0;
    int64_t cached = 0;       // read from the cache
    int64_t cacheWrite = 0;   // written to the cache
};

// The most a request can cost: every byte of its body a prompt token at the dearest input price (a token is at least
// one byte, so this is an upper bound), and `maxCompletion` tokens of answer. std::nullopt when the prices are
// unknown.
std::optional<double> worstCaseCost(const Prices &prices, int64_t bodyBytes, int64_t maxCompletion);

// The cost of `tokens` at `prices`, for an upstream that reports none. std::nullopt when the prices are unknown.
std::optional<double> estimateCost(const Prices &prices, const TokenCounts &tokens);

}  // namespace moltbot::limits

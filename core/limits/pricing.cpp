#include "core/limits/pricing.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace moltbot::limits {

namespace {

double priceOf(const rapidjson::Value &pricing, const char *name, double fallback) {
    auto member = pricing.FindMember(name);
    if (member == pricing.MemberEnd()) return fallback;
    const rapidjson::Value &value = member->value;
    if (value.IsNumber()) return value.GetDouble();
    if (!value.IsString()) return fallback;
    std::string text(value.GetString(), value.GetStringLength());
    char *end = nullptr;
    double parsed = std::strtod(text.c_str(), &end);
    return end != text.c_str() && *end == '\0' ? parsed : fallback;
}

}  // namespace

Prices parsePrices(const rapidjson::Value &pricing) {
    Prices prices;
    if (!pricing.IsObject()) return prices;
    prices.prompt = priceOf(pricing, "prompt", -1);
    prices.completion = priceOf(pricing, "completion", -1);
    prices.cacheRead = priceOf(pricing, "input_cache_read", -1);
    prices.cacheWrite = priceOf(pricing, "input_cache_write", -1);
    prices.cacheWrite1h = priceOf(pricing, "input_cache_write_1h", -1);
    prices.request = std::max(0.0, priceOf(pricing, "request", 0));
    return prices;
}

std::optional<double> worstCaseCost(const Prices &prices, int64_t bodyBytes, int64_t maxCompletion) {
    if (!prices.known()) return std::nullopt;
    // A prompt written to the cache costs more than one sent plainly: the dearest input price bounds both.
    double input = std::max({prices.prompt, prices.cacheWrite, prices.cacheWrite1h});
    return prices.request + static_cast<double>(std::max<int64_t>(0, bodyBytes)) * input +
           static_cast<double>(std::max<int64_t>(0, maxCompletion)) * prices.completion;
}

std::optional<double> estimateCost(const Prices &prices, const TokenCounts &tokens) {
    if (!prices.known()) return std::nullopt;
    int64_t cached = std::clamp<int64_t>(tokens.cached, 0, tokens.prompt);
    int64_t written = std::clamp<int64_t>(tokens.cacheWrite, 0, tokens.prompt - cached);
    int64_t plain = tokens.prompt - cached - written;
    double readPrice = prices.cacheRead >= 0 ? prices.cacheRead : prices.prompt;
    double writePrice = prices.cacheWrite >= 0 ? prices.cacheWrite : prices.prompt;
    return prices.request + static_cast<double>(plain) * prices.prompt + static_cast<double>(cached) * readPrice +
           static_cast<double>(written) * writePrice + static_cast<double>(tokens.completion) * prices.completion;
}

}  // namespace moltbot::limits

#include "tests/simulator/prompt.hpp"

#include <algorithm>

namespace moltbot::sim {

namespace {

constexpr std::uint64_t kFnvOffset = 1469598103934665603ull;

void hashInto(std::uint64_t &hash, const std::string &text) {
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    hash ^= 0xff;  // a separator, so "ab"+"c" and "a"+"bc" differ
    hash *= 1099511628211ull;
}

bool hasCacheControl(const rapidjson::Value &object) {
    return object.IsObject() && object.HasMember("cache_control") && object["cache_control"].IsObject();
}

bool isOneHour(const rapidjson::Value &object) {
    const auto &control = object["cache_control"];
    return control.HasMember("ttl") && control["ttl"].IsString() && std::string(control["ttl"].GetString()) == "1h";
}

}  // namespace

PromptInfo analysePrompt(const rapidjson::Value &request) {
    PromptInfo info;
    std::uint64_t hash = kFnvOffset;
    if (request.HasMember("messages") && request["messages"].IsArray()) {
        for (const auto &message : request["messages"].GetArray()) {
            if (!message.IsObject()) continue;
            std::string role =
                message.HasMember("role") && message["role"].IsString() ? message["role"].GetString() : "";
            hashInto(hash, role);
            std::string text;
            static const rapidjson::Value kNoContent;
            const rapidjson::Value &content = message.HasMember("content") ? message["content"] : kNoContent;
            if (content.IsString()) {
                text = content.GetString();
                info.chars += text.size();
                hashInto(hash, text);
            } else if (content.IsArray()) {
                for (const auto &part : content.GetArray()) {
                    if (!part.IsObject() || !part.HasMember("text") || !part["text"].IsString()) continue;
                    std::string partText = part["text"].GetString();
                    info.chars += partText.size();
                    hashInto(hash, partText);
                    text += (text.empty() ? "" : " ") + partText;
                    if (hasCacheControl(part)) {
                        ++info.markers;
                        info.breakpoints.push_back({info.chars, hash, isOneHour(part)});
                    }
                }
            }
            if (role == "user") info.lastUserText = text;
            info.lastRole = role;
            info.lastText = text;
        }
    }
    if (request.HasMember("tools") && request["tools"].IsArray()) {
        for (const auto &tool : request["tools"].GetArray()) info.markers += hasCacheControl(tool) ? 1 : 0;
    }
    if (hasCacheControl(request)) {
        ++info.markers;
        info.breakpoints.push_back({info.chars, hash, isOneHour(request)});
    }
    return info;
}

int estimateTokens(std::size_t chars) {
    return static_cast<int>((chars + 3) / 4);
}

CacheOutcome PromptCache::account(const std::string &scope, const std::vector<Breakpoint> &breakpoints,
                                  SimClock::time_point now, int minTokens) {
    std::lock_guard lock(mutex_);
    auto ttl = [](const Breakpoint &breakpoint) {
        return breakpoint.oneHour ? std::chrono::minutes(60) : std::chrono::minutes(5);
    };
    CacheOutcome outcome;
    const Breakpoint *read = nullptr;
    for (const Breakpoint &breakpoint : breakpoints) {
        int tokens = estimateTokens(breakpoint.chars);
        if (tokens < minTokens || tokens <= outcome.readTokens) continue;
        auto it = expiry_.find({scope, breakpoint.prefixHash});
        if (it != expiry_.end() && it->second > now) {
            outcome.readTokens = tokens;
            read = &breakpoint;
        }
    }
    if (read) expiry_[{scope, read->prefixHash}] = now + ttl(*read);

    int covered = outcome.readTokens;
    for (const Breakpoint &breakpoint : breakpoints) {
        int tokens = estimateTokens(breakpoint.chars);
        if (tokens < minTokens || tokens <= covered) continue;
        (breakpoint.oneHour ? outcome.writeTokens1h : outcome.writeTokens5m) += tokens - covered;
        covered = tokens;
        expiry_[{scope, breakpoint.prefixHash}] = now + ttl(breakpoint);
    }
    return outcome;
}

void PromptCache::clear() {
    std::lock_guard lock(mutex_);
    expiry_.clear();
}

Usage priceUsage(const Pricing &pricing, int promptTokens, int completionTokens, const CacheOutcome &cache) {
    auto orPrompt = [&](double price) { return price >= 0 ? price : pricing.prompt; };
    Usage usage;
    usage.promptTokens = promptTokens;
    usage.completionTokens = completionTokens;
    usage.cache = cache;
    int plain = std::max(0, promptTokens - cache.readTokens - cache.writeTokens5m - cache.writeTokens1h);
    usage.promptCost = plain * pricing.prompt + cache.readTokens * orPrompt(pricing.cacheRead) +
                       cache.writeTokens5m * orPrompt(pricing.cacheWrite) +
                       cache.writeTokens1h * orPrompt(pricing.cacheWrite1h);
    usage.completionCost = completionTokens * pricing.completion;
    return usage;
}

void writeUsage(JsonWriter &writer, const Usage &usage) {
    writer.StartObject();
    put(writer, "prompt_tokens", usage.promptTokens);
    put(writer, "completion_tokens", usage.completionTokens);
    put(writer, "total_tokens", usage.promptTokens + usage.completionTokens);
    putUsd(writer, "cost", usage.cost());
    put(writer, "is_byok", false);
    writer.Key("prompt_tokens_details");
    writer.StartObject();
    put(writer, "cached_tokens", usage.cache.readTokens);
    put(writer, "cache_write_tokens", usage.cache.writeTokens5m + usage.cache.writeTokens1h);
    put(writer, "audio_tokens", 0);
    put(writer, "video_tokens", 0);
    writer.EndObject();
    writer.Key("cost_details");
    writer.StartObject();
    putUsd(writer, "upstream_inference_cost", usage.cost());
    putUsd(writer, "upstream_inference_prompt_cost", usage.promptCost);
    putUsd(writer, "upstream_inference_completions_cost", usage.completionCost);
    writer.EndObject();
    writer.Key("completion_tokens_details");
    writer.StartObject();
    put(writer, "reasoning_tokens", 0);
    put(writer, "image_tokens", 0);
    put(writer, "audio_tokens", 0);
    writer.EndObject();
    writer.EndObject();
}

}  // namespace moltbot::sim

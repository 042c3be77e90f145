#include "core/requestlog/entry.hpp"

#include "core/pipeline/policy.hpp"

#include <moltbot/plugin.h>
#include <moltbot/plugin_helpers.h>
#include <moltbot/sdk/json.hpp>

#include <algorithm>
#include <random>

namespace moltbot::requestlog {

void Entry::recordOutcome(const pipeline::Outcome &outcome) {
    model = outcome.ref;
    provider = outcome.provider;
    attempts.clear();
    for (const auto &record : outcome.attempts) {
        attempts.push_back({record.ref, record.attempt, record.outcome, record.httpStatus, record.durationMs});
    }
    usageKnown = outcome.usage.known;
    promptTokens = outcome.usage.promptTokens;
    completionTokens = outcome.usage.completionTokens;
    cachedTokens = outcome.usage.cachedTokens;
    cacheWriteTokens = outcome.usage.cacheWriteTokens;
    costUsd = outcome.usage.known ? outcome.usage.cost : -1;
    costEstimated = false;
    errorCode = outcome.status == MB_OK ? std::string() : mb_status_name(outcome.status);
}

std::size_t Entry::bytes() const {
    std::size_t total = sizeof(Entry) + frontEnd.size() + keyName.size() + modelAsked.size() + model.size() +
                        provider.size() + errorCode.size() + conversationId.size() + prompt.size() + system.size() +
                        answer.size();
    for (const auto &attempt : attempts) total += sizeof(Attempt) + attempt.ref.size() + attempt.outcome.size();
    return total;
}

namespace {
constexpr std::string_view kCutMarker = "\n[cut: the request log keeps the first 1 MiB]";
}

void appendLogged(std::string &kept, std::string_view chunk) {
    constexpr std::size_t limit = kMaxLoggedText - kCutMarker.size();
    if (kept.ends_with(kCutMarker)) return;  // cut already
    if (kept.size() + chunk.size() <= limit) {
        kept.append(chunk);
        return;
    }
    std::size_t cut = limit - std::min(kept.size(), limit);  // < chunk.size()
    // Back off to the start of a character: a UTF-8 continuation byte is 10xxxxxx.
    while (cut > 0 && (static_cast<unsigned char>(chunk[cut]) & 0xC0) == 0x80) --cut;
    kept.append(chunk.substr(0, cut));
    kept.append(kCutMarker);
}

std::string attemptsJson(const std::vector<Attempt> &attempts) {
    std::string out = "[";
    for (const auto &attempt : attempts) {
        if (out.size() > 1) out += ',';
        out += "{\"ref\":";
        sdk::json::appendString(out, attempt.ref);
        out += ",\"attempt\":" + std::to_string(attempt.attempt) + ",\"outcome\":";
        sdk::json::appendString(out, attempt.outcome);
        out += ",\"http_status\":" + std::to_string(attempt.httpStatus) + ",\"ms\":" + std::to_string(attempt.ms) + "}";
    }
    return out + "]";
}

std::vector<Attempt> parseAttempts(std::string_view json) {
    std::vector<Attempt> attempts;
    rapidjson::Document document;
    if (!sdk::json::parse(document, json) || !document.IsArray()) return attempts;
    for (const auto &item : document.GetArray()) {
        if (!item.IsObject()) continue;
        attempts.push_back({std::string(sdk::json::getString(item, "ref")),
                            static_cast<int>(sdk::json::getInt(item, "attempt")),
                            std::string(sdk::json::getString(item, "outcome")),
                            static_cast<int>(sdk::json::getInt(item, "http_status")), sdk::json::getInt(item, "ms")});
    }
    return attempts;
}

std::string newConversationId() {
    static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford's: no i, l, o, u
    std::random_device device;
    uint64_t bits = (uint64_t{device()} << 32) | device();
    std::string id;
    for (int i = 0; i < 12; ++i, bits >>= 5) id += kAlphabet[bits & 31];
    return id;
}

}  // namespace moltbot::requestlog
